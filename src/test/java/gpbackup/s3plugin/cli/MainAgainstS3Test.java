package gpbackup.s3plugin.cli;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.head;
import static com.github.tomakehurst.wiremock.client.WireMock.ok;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.putRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import gpbackup.s3plugin.command.plugin.DirectoryCommands;
import gpbackup.s3plugin.s3.WireMockS3;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Whole commands from argv to the requests S3 sees and the bytes gpbackup reads back. */
class MainAgainstS3Test extends WireMockCommandFixture {
    private static final String DATA_FILE = "/data/gpseg0/backups/20240101/20240101120000/gpbackup_0_20240101120000_16384";
    private static final String KEY_PATH = "/bucket/f/backups/20240101/20240101120000/gpbackup_0_20240101120000_16384";
    private static final byte[] OBJECT = "COPY public.t FROM STDIN;\n1\tone\n2\ttwo\n\\.\n".getBytes(StandardCharsets.UTF_8);

    private int run(InputStream stdin, String... argv) {
        Map<String, String> environment = Map.of("HOME", home.toString(), "HOSTNAME", "sdw1");
        return new Main(environment::get, stdin, stdout, new PrintStream(stderr, true, StandardCharsets.UTF_8),
                Clock.systemUTC(), false).run(argv);
    }

    private String err() {
        return stderr.toString(StandardCharsets.UTF_8);
    }

    @Test
    void backupDataUploadsStdinToTheKeyOfTheDataFile() {
        server.stubFor(put(urlEqualTo(KEY_PATH)).willReturn(ok().withHeader("ETag", "\"e\"")));
        server.stubFor(head(urlEqualTo(KEY_PATH)).willReturn(ok().withHeader("Content-Length", String.valueOf(OBJECT.length))
                .withHeader("ETag", "\"e\"")));
        server.stubFor(put(urlEqualTo(KEY_PATH + ".s3plugin-digests")).willReturn(ok()));
        assertEquals(0, run(new ByteArrayInputStream(OBJECT), "backup_data", config.toString(), DATA_FILE), err());
        List<LoggedRequest> puts = server.findAll(putRequestedFor(urlEqualTo(KEY_PATH)));
        assertEquals(1, puts.size());
        assertArrayEquals(OBJECT, puts.get(0).getBody());
        // The one PUT carries the SHA-256 that signed it as metadata: no digest record beside it.
        assertEquals(puts.get(0).getHeader("x-amz-content-sha256"), puts.get(0).getHeader("x-amz-meta-s3plugin-sha256"));
        assertEquals(0, server.findAll(putRequestedFor(urlEqualTo(KEY_PATH + ".s3plugin-digests"))).size());
        assertEquals(2, server.findAll(anyRequestedFor(anyUrl())).size(), "one PUT and one HEAD per table");
        assertEquals("", stdout.toString(StandardCharsets.UTF_8));
        assertEquals("", err());
    }

    @Test
    void restoreDataWritesTheObjectToStdout() {
        server.stubFor(head(urlEqualTo(KEY_PATH)).willReturn(ok().withHeader("Content-Length", String.valueOf(OBJECT.length))
                .withHeader("ETag", "\"v1\"")));
        server.stubFor(get(urlEqualTo(KEY_PATH)).withHeader("Range", equalTo("bytes=0-" + (OBJECT.length - 1)))
                .withHeader("If-Match", equalTo("\"v1\"")).willReturn(aResponse().withStatus(206).withBody(OBJECT)));
        assertEquals(0, run(InputStream.nullInputStream(), "restore_data", config.toString(), DATA_FILE), err());
        assertArrayEquals(OBJECT, stdout.toByteArray());
    }

    @Test
    void restoreDataSubsetWritesOnlyTheListedRanges() throws IOException {
        server.stubFor(head(urlEqualTo(KEY_PATH)).willReturn(ok().withHeader("Content-Length", String.valueOf(OBJECT.length))
                .withHeader("ETag", "\"v1\"")));
        server.stubFor(get(urlEqualTo(KEY_PATH)).withHeader("Range", equalTo("bytes=26-32"))
                .willReturn(aResponse().withStatus(206).withBody(Arrays.copyOfRange(OBJECT, 26, 33))));
        server.stubFor(get(urlEqualTo(KEY_PATH)).withHeader("Range", equalTo("bytes=0-3"))
                .willReturn(aResponse().withStatus(206).withBody(Arrays.copyOfRange(OBJECT, 0, 4))));
        Path offsets = Files.writeString(home.resolve("offsets"), "2 26 33 0 4");
        assertEquals(0, run(InputStream.nullInputStream(), "restore_data_subset", config.toString(), DATA_FILE,
                offsets.toString()), err());
        assertEquals("1\tone\n2COPY", stdout.toString(StandardCharsets.UTF_8));
    }

    @Test
    void restoreOfAMissingObjectFailsWithOneLineAndNothingOnStdout() {
        server.stubFor(head(urlEqualTo(KEY_PATH)).willReturn(aResponse().withStatus(404)));
        server.stubFor(get(urlPathEqualTo("/bucket")).willReturn(ok(
                "<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>")));
        assertEquals(1, run(InputStream.nullInputStream(), "restore_data", config.toString(), DATA_FILE));
        assertEquals(0, stdout.size());
        String[] lines = err().split("\n");
        assertEquals(1, lines.length, err());
        assertTrue(MainTest.LOG_LINE.matcher(lines[0]).matches(), lines[0]);
        assertTrue(lines[0].endsWith("-[ERROR]:-object s3:/" + KEY_PATH + " does not exist"), lines[0]);
    }

    @Test
    void restoreFailingOnTheGetFailsWithNothingOnStdout() {
        server.stubFor(head(urlEqualTo(KEY_PATH)).willReturn(ok().withHeader("Content-Length", String.valueOf(OBJECT.length))
                .withHeader("ETag", "\"v1\"")));
        server.stubFor(get(urlEqualTo(KEY_PATH)).willReturn(aResponse().withStatus(403)
                .withBody("<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>")));
        assertEquals(1, run(InputStream.nullInputStream(), "restore_data", config.toString(), DATA_FILE));
        assertEquals(0, stdout.size());
        assertEquals(1, err().split("\n").length, err());
        assertTrue(err().contains("access denied (AccessDenied)"), err());
        assertTrue(!err().contains(WireMockS3.SECRET));
    }

    private Path metadataFile() throws IOException {
        Path dir = Files.createDirectories(home.resolve("backups/20240101/20240101120000"));
        return dir.resolve("gpbackup_20240101120000_metadata.sql");
    }

    private static final String METADATA_KEY_PATH = "/bucket/f/backups/20240101/20240101120000/gpbackup_20240101120000_metadata.sql";

    @Test
    void restoreFileWritesTheObjectToThePathGiven() throws IOException {
        Path target = metadataFile();
        server.stubFor(head(urlEqualTo(METADATA_KEY_PATH)).willReturn(ok()
                .withHeader("Content-Length", String.valueOf(OBJECT.length)).withHeader("ETag", "\"m\"")));
        server.stubFor(get(urlEqualTo(METADATA_KEY_PATH)).willReturn(aResponse().withStatus(206).withBody(OBJECT)));
        assertEquals(0, run(InputStream.nullInputStream(), "restore_file", config.toString(), target.toString()), err());
        assertArrayEquals(OBJECT, Files.readAllBytes(target));
        try (var files = Files.list(target.getParent())) {
            assertEquals(List.of(target), files.toList(), "no temporary file is left");
        }
    }

    @Test
    void failedRestoreFileLeavesNoFileAndKeepsAnExistingOne() throws IOException {
        Path target = metadataFile();
        server.stubFor(head(urlEqualTo(METADATA_KEY_PATH)).willReturn(ok()
                .withHeader("Content-Length", String.valueOf(OBJECT.length)).withHeader("ETag", "\"m\"")));
        server.stubFor(get(urlEqualTo(METADATA_KEY_PATH)).willReturn(aResponse().withStatus(206)
                .withHeader("Content-Length", String.valueOf(OBJECT.length)).withBody(Arrays.copyOf(OBJECT, 5))));
        assertEquals(1, run(InputStream.nullInputStream(), "restore_file", config.toString(), target.toString()));
        try (var files = Files.list(target.getParent())) {
            assertEquals(List.of(), files.toList(), "neither the file nor a partial one");
        }
        Files.writeString(target, "old metadata");
        assertEquals(1, run(InputStream.nullInputStream(), "restore_file", config.toString(), target.toString()));
        assertEquals("old metadata", Files.readString(target));
        try (var files = Files.list(target.getParent())) {
            assertEquals(List.of(target), files.toList());
        }
    }

    @Test
    void restoreDirectoryRefusesAKeyThatWouldLandOutsideTheDirectory() throws IOException {
        Path dir = home.resolve("tree");
        String prefix = DirectoryCommands.keyOf(dir) + "/";
        server.stubFor(get(urlPathEqualTo("/bucket")).willReturn(ok("<ListBucketResult><IsTruncated>false</IsTruncated>"
                + "<Contents><Key>" + prefix + "good</Key><Size>1</Size></Contents>"
                + "<Contents><Key>" + prefix + "../evil</Key><Size>1</Size></Contents></ListBucketResult>")));
        assertEquals(1, run(InputStream.nullInputStream(), "restore_directory", config.toString(), dir.toString()));
        assertTrue(err().contains("refusing to restore s3 key '" + prefix + "../evil' outside " + dir), err());
        assertEquals(false, Files.exists(home.resolve("evil")));
        assertEquals(false, Files.exists(dir.resolve("good")), "nothing is written before the check");
        assertEquals(1, server.findAll(anyRequestedFor(anyUrl())).size());
    }

    @Test
    void deleteBackupDeletesEveryObjectUnderTheTimestampAndNothingElse() {
        // The backup's prefix lists its two objects until the batch delete, then nothing.
        server.stubFor(get(urlPathEqualTo("/bucket")).withQueryParam("prefix", equalTo("f/backups/20240101/20240101120000/"))
                .inScenario("delete").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(ok("<ListBucketResult><IsTruncated>false</IsTruncated>"
                        + "<Contents><Key>f/backups/20240101/20240101120000/a</Key><Size>1</Size></Contents>"
                        + "<Contents><Key>f/backups/20240101/20240101120000/b </Key><Size>2</Size></Contents>"
                        + "</ListBucketResult>")));
        server.stubFor(get(urlPathEqualTo("/bucket")).withQueryParam("prefix", equalTo("f/backups/20240101/20240101120000/"))
                .inScenario("delete").whenScenarioStateIs("gone")
                .willReturn(ok("<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>")));
        server.stubFor(get(urlPathEqualTo("/bucket")).withQueryParam("prefix", equalTo("f//backups/20240101/20240101120000/"))
                .willReturn(ok("<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>")));
        server.stubFor(post(urlEqualTo("/bucket?delete=")).inScenario("delete").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(ok("<DeleteResult/>")).willSetStateTo("gone"));
        server.stubFor(get(urlEqualTo("/bucket?object-lock=")).willReturn(aResponse().withStatus(404).withBody(
                "<Error><Code>ObjectLockConfigurationNotFoundError</Code><Message>none</Message></Error>")));
        assertEquals(0, run(InputStream.nullInputStream(), "delete_backup", config.toString(), "20240101120000"), err());
        List<LoggedRequest> deletes = server.findAll(postRequestedFor(urlEqualTo("/bucket?delete=")));
        assertEquals(1, deletes.size());
        String body = deletes.get(0).getBodyAsString();
        assertTrue(body.contains("<Key>f/backups/20240101/20240101120000/a</Key>"), body);
        assertTrue(body.contains("<Key>f/backups/20240101/20240101120000/b </Key>"), "the key exactly as listed: " + body);
        // Whether the bucket has Object Lock (it has not: no HEAD per object), the report deleted at
        // both locations first, then each location listed until empty (ours twice, the Go plugin's
        // trailing-slash prefix once), one batch delete.
        assertEquals(7, server.findAll(anyRequestedFor(anyUrl())).size());
        assertEquals(1, server.findAll(getRequestedFor(urlEqualTo("/bucket?object-lock="))).size());
    }

    @Test
    void listDirectoryPrintsNamesAndSizes() {
        server.stubFor(get(urlPathEqualTo("/bucket")).willReturn(ok("<ListBucketResult><IsTruncated>false</IsTruncated>"
                + "<Contents><Key>f/x</Key><Size>10</Size></Contents>"
                + "<Contents><Key>f/dir/</Key><Size>0</Size></Contents>"
                + "<Contents><Key>f/longer_name</Key><Size>2048</Size></Contents></ListBucketResult>")));
        assertEquals(0, run(InputStream.nullInputStream(), "list_directory", config.toString()), err());
        assertEquals("NAME           SIZE(bytes)\nf/x            10\nf/longer_name  2048\n",
                stdout.toString(StandardCharsets.UTF_8));
    }

    @Test
    void restoreDirectoryRefusesToFollowASymbolicLinkOutOfTheDirectory() throws IOException {
        Path dir = Files.createDirectories(home.resolve("linked"));
        Path outside = Files.createDirectories(home.resolve("outside"));
        Files.createSymbolicLink(dir.resolve("link"), outside);
        String prefix = DirectoryCommands.keyOf(dir) + "/";
        server.stubFor(get(urlPathEqualTo("/bucket")).willReturn(ok("<ListBucketResult><IsTruncated>false</IsTruncated>"
                + "<Contents><Key>" + prefix + "link/evil</Key><Size>1</Size></Contents></ListBucketResult>")));
        server.stubFor(head(urlPathEqualTo("/bucket/" + prefix + "link/evil"))
                .willReturn(ok().withHeader("Content-Length", "1").withHeader("ETag", "\"e\"")));
        server.stubFor(get(urlPathEqualTo("/bucket/" + prefix + "link/evil"))
                .willReturn(aResponse().withStatus(206).withBody("x")));
        assertEquals(1, run(InputStream.nullInputStream(), "restore_directory", config.toString(), dir.toString()));
        assertTrue(err().contains("refusing to restore s3 key '" + prefix + "link/evil' outside " + dir), err());
        try (var files = Files.list(outside)) {
            assertEquals(List.of(), files.toList(), "nothing written through the link");
        }
    }

    @Test
    void runningOutOfMemoryPointsTheDbaAtMemoryBudgetAndTheHeap() {
        InputStream exhausted = new InputStream() {
            @Override
            public int read() {
                throw new OutOfMemoryError("Java heap space");
            }

            @Override
            public int read(byte[] b, int off, int len) {
                throw new OutOfMemoryError("Java heap space");
            }
        };
        assertEquals(1, run(exhausted, "backup_data", config.toString(), DATA_FILE));
        List<String> lines = err().lines().toList();
        assertEquals(1, lines.size(), err());
        assertTrue(lines.get(0).endsWith("backup_data ran out of memory; lower memory_budget (it bounds the part and"
                + " piece buffers) or raise the heap with GPBACKUP_S3_PLUGIN_JAVA_OPTS=-Xmx..."), err());
    }

    @Test
    void backupDirectoryOfAnAbsolutePathWritesKeysWithoutALeadingSlash() throws IOException {
        Path dir = Files.createDirectories(home.resolve("tree/sub"));
        Files.write(dir.resolve("f"), OBJECT);
        server.stubFor(put(anyUrl()).willReturn(ok().withHeader("ETag", "\"e\"")));
        server.stubFor(head(anyUrl()).willReturn(ok().withHeader("Content-Length", String.valueOf(OBJECT.length))));
        assertEquals(0, run(InputStream.nullInputStream(), "backup_directory", config.toString(),
                home.resolve("tree").toString()), err());
        List<LoggedRequest> puts = server.findAll(putRequestedFor(anyUrl()));
        assertEquals(1, puts.size());
        assertEquals("/bucket" + home.resolve("tree/sub/f"), puts.get(0).getUrl(), "one slash after the bucket");
        assertArrayEquals(OBJECT, puts.get(0).getBody());
    }

    @Test
    void restoreDirectoryFindsATreeSavedWithALeadingSlash() throws IOException {
        Path dir = home.resolve("old");
        String key = DirectoryCommands.keyOf(dir);
        server.stubFor(get(urlPathEqualTo("/bucket")).withQueryParam("prefix", equalTo(key + "/"))
                .willReturn(ok("<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>")));
        server.stubFor(get(urlPathEqualTo("/bucket")).withQueryParam("prefix", equalTo("/" + key + "/"))
                .willReturn(ok("<ListBucketResult><IsTruncated>false</IsTruncated>"
                        + "<Contents><Key>/" + key + "/sub/f</Key><Size>" + OBJECT.length + "</Size></Contents>"
                        + "</ListBucketResult>")));
        server.stubFor(head(urlPathMatching(".*/sub/f")).willReturn(ok()
                .withHeader("Content-Length", String.valueOf(OBJECT.length)).withHeader("ETag", "\"e\"")));
        server.stubFor(get(urlPathMatching(".*/sub/f")).willReturn(aResponse().withStatus(206).withBody(OBJECT)
                .withHeader("ETag", "\"e\"")
                .withHeader("Content-Range", "bytes 0-" + (OBJECT.length - 1) + "/" + OBJECT.length)));
        assertEquals(0, run(InputStream.nullInputStream(), "restore_directory", config.toString(), dir.toString()), err());
        assertArrayEquals(OBJECT, Files.readAllBytes(dir.resolve("sub/f")));
        List<LoggedRequest> reads = server.findAll(anyRequestedFor(urlPathMatching(".*/sub/f")));
        assertTrue(reads.stream().allMatch(r -> r.getUrl().startsWith("/bucket//" + key + "/sub/f")),
                () -> "read at the key as listed: " + reads.stream().map(LoggedRequest::getUrl).toList());
    }

    @Test
    void restoreDirectoryPrefersKeysWithoutTheLeadingSlash() throws IOException {
        Path dir = home.resolve("new");
        String key = DirectoryCommands.keyOf(dir);
        server.stubFor(get(urlPathEqualTo("/bucket")).withQueryParam("prefix", equalTo(key + "/"))
                .willReturn(ok("<ListBucketResult><IsTruncated>false</IsTruncated>"
                        + "<Contents><Key>" + key + "/f</Key><Size>" + OBJECT.length + "</Size></Contents>"
                        + "</ListBucketResult>")));
        server.stubFor(head(urlPathEqualTo("/bucket/" + key + "/f")).willReturn(ok()
                .withHeader("Content-Length", String.valueOf(OBJECT.length)).withHeader("ETag", "\"e\"")));
        server.stubFor(get(urlPathEqualTo("/bucket/" + key + "/f")).willReturn(aResponse().withStatus(206).withBody(OBJECT)
                .withHeader("ETag", "\"e\"")
                .withHeader("Content-Range", "bytes 0-" + (OBJECT.length - 1) + "/" + OBJECT.length)));
        assertEquals(0, run(InputStream.nullInputStream(), "restore_directory", config.toString(), dir.toString()), err());
        assertArrayEquals(OBJECT, Files.readAllBytes(dir.resolve("f")));
        assertEquals(1, server.findAll(getRequestedFor(urlPathEqualTo("/bucket"))).size(), "the old form is not listed");
    }

    @Test
    void directoryCommandsRefuseTheCurrentDirectory() {
        assertEquals(1, run(InputStream.nullInputStream(), "backup_directory", config.toString(), "."));
        assertTrue(err().contains("directory '.' must be an absolute path or a path below the current directory"), err());
        assertEquals(1, run(InputStream.nullInputStream(), "restore_directory", config.toString(), "//"));
        assertTrue(err().contains("directory '//' must be an absolute path or a path below the current directory"), err());
        assertEquals(0, server.findAll(anyRequestedFor(anyUrl())).size());
    }

    @Test
    void aRestoredFileGetsTheUsualModeNotTheTempFileMode() throws IOException {
        server.stubFor(head(urlEqualTo(KEY_PATH)).willReturn(ok().withHeader("Content-Length", String.valueOf(OBJECT.length))
                .withHeader("ETag", "\"v1\"")));
        server.stubFor(get(urlEqualTo(KEY_PATH)).willReturn(aResponse().withStatus(206).withBody(OBJECT)));
        Path target = home.resolve("data/gpseg0/backups/20240101/20240101120000/gpbackup_0_20240101120000_16384");
        Path config2 = Files.writeString(home.resolve("cfg2.yaml"), Files.readString(config));
        assertEquals(0, run(InputStream.nullInputStream(), "restore_file", config2.toString(), target.toString()), err());
        java.util.Set<java.nio.file.attribute.PosixFilePermission> mode = Files.getPosixFilePermissions(target);
        assertTrue(mode.contains(java.nio.file.attribute.PosixFilePermission.GROUP_READ)
                || mode.contains(java.nio.file.attribute.PosixFilePermission.OTHERS_READ),
                "created with the process umask like any other file, not 0600: " + mode);
    }
}
