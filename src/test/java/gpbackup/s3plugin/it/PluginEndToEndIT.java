package gpbackup.s3plugin.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gpbackup.s3plugin.auth.Credentials;
import gpbackup.s3plugin.it.PluginRunner.Result;
import gpbackup.s3plugin.s3.Payload;
import gpbackup.s3plugin.s3.S3Connection;
import gpbackup.s3plugin.s3.S3Client;
import gpbackup.s3plugin.s3.S3Endpoint;
import gpbackup.s3plugin.s3.WireMockS3;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every plugin command, run as gpbackup and gprestore run it, against a real S3-compatible
 * server (S3Proxy) with SigV4 enforced.
 *
 * <p>The whole backup and restore in gpbackup's order, the version answers and the small heap go
 * through the launcher (its agent, its JVM options); the other commands, whose outcome does not
 * depend on the process they run in, run through {@code Main} in this JVM
 * ({@link PluginRunner#runInProcess}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(SharedS3Proxy.class)
class PluginEndToEndIT {
    private static final String BUCKET = "gpbackup-it";
    private static final String TS = "20240101120000";
    private static final String OTHER_TS = "20240101130000";

    private Path work;
    private S3ProxyServer server;
    private RawS3Client raw;
    private PluginRunner plugin;

    @BeforeAll
    void createBucket(S3ProxyServer shared, @TempDir Path dir) throws Exception {
        work = dir;
        server = shared;
        raw = new RawS3Client(server.endpoint());
        raw.createBucket(BUCKET);
        plugin = new PluginRunner(work.resolve("home"));
    }

    private Path config(String folder) throws IOException {
        return config(folder, Map.of());
    }

    private Path config(String folder, Map<String, String> extra) throws IOException {
        return PluginConfigFile.handWritten(work.resolve("cfg-" + folder.replace('/', '_')),
                PluginConfigFile.options(server, BUCKET, folder, extra));
    }

    /** The local backup directory of one segment, as gpbackup lays it out. */
    private Path backupDir(String segment, String timestamp) throws IOException {
        return Files.createDirectories(work.resolve(segment).resolve("backups")
                .resolve(timestamp.substring(0, 8)).resolve(timestamp));
    }

    private static byte[] randomBytes(int size, long seed) {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        return data;
    }

    /** A file of {@code mib} MiB, built from one random block varied per MiB, without holding it in memory. */
    private Path largeFile(String name, int mib, long seed) throws IOException {
        Path file = work.resolve(name);
        byte[] block = randomBytes(1024 * 1024, seed);
        try (var out = Files.newOutputStream(file)) {
            for (int i = 0; i < mib; i++) {
                block[0] = (byte) i;
                out.write(block);
            }
        }
        return file;
    }

    private static Result ok(Result result) {
        assertEquals(0, result.exitCode(), () -> "plugin failed: " + result);
        return result;
    }

    private static void assertOneLineFailure(Result result, String expectedText) {
        assertNotEquals(0, result.exitCode(), "expected a failure");
        String err = result.stderr().strip();
        assertFalse(err.isEmpty(), "a failure must say why on stderr");
        assertEquals(1, err.lines().count(), () -> "one stderr line expected, got: " + err);
        assertTrue(err.contains(expectedText), () -> "stderr '" + err + "' should mention '" + expectedText + "'");
        assertFalse(err.contains("Exception") || err.contains("\tat "), () -> "no stack trace: " + err);
        assertFalse(err.contains(S3ProxyServer.SECRET_KEY), "the secret key must never be printed");
        assertEquals(0, result.stdout().length, "nothing on stdout after a failure");
    }

    @Test
    void backupRestoreAndDeleteInGpbackupOrder() throws Exception {
        String folder = "lifecycle/run1";
        Path cfg = config(folder);
        Path coordinatorDir = backupDir("coordinator", TS);
        Path segmentDir = backupDir("gpseg0", TS);
        String prefix = folder + "/backups/20240101/" + TS + "/";

        // gpbackup: setup at every scope, metadata files, then data through pipes, then cleanup.
        ok(plugin.run("setup_plugin_for_backup", cfg.toString(), coordinatorDir.toString(), "coordinator", "\"-1\""));
        ok(plugin.run("setup_plugin_for_backup", cfg.toString(), segmentDir.toString(), "segment_host"));
        ok(plugin.run("setup_plugin_for_backup", cfg.toString(), segmentDir.toString(), "segment", "\"0\""));
        assertEquals(List.of(), raw.keys(BUCKET, prefix), "the setup probe leaves nothing behind");

        Path metadata = Files.write(coordinatorDir.resolve("gpbackup_" + TS + "_metadata.sql"),
                randomBytes(3000, 1));
        ok(plugin.run("backup_file", cfg.toString(), metadata.toString()));
        assertTrue(Files.exists(metadata), "backup_file leaves the local file in place");

        byte[] empty = new byte[0];
        byte[] small = randomBytes(1024, 2);
        byte[] multipart = randomBytes(12 * 1024 * 1024 + 123, 3); // three 5 MB parts
        String emptyPath = segmentDir.resolve("gpbackup_0_" + TS + "_16384").toString();
        String smallPath = segmentDir.resolve("gpbackup_0_" + TS + "_16385").toString();
        String bigPath = segmentDir.resolve("gpbackup_0_" + TS + "_16386").toString();
        ok(plugin.run(empty, "backup_data", cfg.toString(), emptyPath));
        ok(plugin.run(small, "backup_data", cfg.toString(), smallPath));
        ok(plugin.run(multipart, "backup_data", cfg.toString(), bigPath));
        ok(plugin.run("cleanup_plugin_for_backup", cfg.toString(), coordinatorDir.toString(), "coordinator", "\"-1\""));
        ok(plugin.run("cleanup_plugin_for_backup", cfg.toString(), segmentDir.toString(), "segment_host"));
        ok(plugin.run("cleanup_plugin_for_backup", cfg.toString(), segmentDir.toString(), "segment", "\"0\""));

        // The Go plugin's key layout: <folder>/backups/<date>/<timestamp>/<file>.
        assertArrayEquals(small, raw.get(BUCKET, prefix + "gpbackup_0_" + TS + "_16385"));
        assertArrayEquals(multipart, raw.get(BUCKET, prefix + "gpbackup_0_" + TS + "_16386"));
        // The server's ETag for a multipart object is the rule the uploader relies on after a lost answer.
        List<String> partMd5s = new java.util.ArrayList<>();
        for (int start = 0; start < multipart.length; start += 5 * 1024 * 1024) {
            byte[] part = java.util.Arrays.copyOfRange(multipart, start, Math.min(multipart.length, start + 5 * 1024 * 1024));
            partMd5s.add("\"" + java.util.HexFormat.of().formatHex(
                    java.security.MessageDigest.getInstance("MD5").digest(part)) + "\"");
        }
        assertEquals(gpbackup.s3plugin.transfer.MultipartEtag.of(partMd5s).orElseThrow(),
                raw.etag(BUCKET, prefix + "gpbackup_0_" + TS + "_16386"));

        // gprestore: setup, metadata back from S3 to disk, then data to stdout.
        ok(plugin.run("setup_plugin_for_restore", cfg.toString(), coordinatorDir.toString(), "coordinator", "\"-1\""));
        ok(plugin.run("setup_plugin_for_restore", cfg.toString(), segmentDir.toString(), "segment_host"));
        ok(plugin.run("setup_plugin_for_restore", cfg.toString(), segmentDir.toString(), "segment", "\"0\""));
        Files.delete(metadata);
        ok(plugin.run("restore_file", cfg.toString(), metadata.toString()));
        assertArrayEquals(randomBytes(3000, 1), Files.readAllBytes(metadata));
        assertArrayEquals(empty, ok(plugin.run("restore_data", cfg.toString(), emptyPath)).stdout());
        assertArrayEquals(small, ok(plugin.run("restore_data", cfg.toString(), smallPath)).stdout());
        assertArrayEquals(multipart, ok(plugin.run("restore_data", cfg.toString(), bigPath)).stdout());
        ok(plugin.run("cleanup_plugin_for_restore", cfg.toString(), coordinatorDir.toString(), "coordinator", "\"-1\""));

        // list_directory shows every object with its size.
        String listing = ok(plugin.run("list_directory", cfg.toString())).stdoutText();
        assertTrue(listing.lines().findFirst().orElse("").matches("NAME\\s+SIZE\\(bytes\\)"), listing);
        assertTrue(listing.contains(prefix + "gpbackup_0_" + TS + "_16386  " + multipart.length)
                || listing.matches("(?s).*" + prefix + "gpbackup_0_" + TS + "_16386\\s+" + multipart.length + "\n.*"),
                listing);

        // gpbackup_manager delete: the whole backup goes.
        ok(plugin.run("delete_backup", cfg.toString(), TS));
        assertEquals(List.of(), raw.keys(BUCKET, prefix));
    }

    @Test
    void restoreDataSubsetWritesExactlyTheListedRangesInOrder() throws Exception {
        String folder = "subset";
        Path cfg = config(folder, Map.of("restore_multipart_chunksize", "1MB"));
        Path dir = backupDir("gpseg1", TS);
        byte[] data = randomBytes(3 * 1024 * 1024 + 17, 4);
        String path = dir.resolve("gpbackup_1_" + TS).toString();
        ok(plugin.runInProcess(data, "backup_data", cfg.toString(), path));

        long[][] ranges = {{10, 20}, {1_500_000, 2_700_000}, {0, 5}, {data.length - 3, data.length}, {7, 7}};
        StringBuilder offsets = new StringBuilder().append(ranges.length);
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        for (long[] r : ranges) {
            offsets.append(' ').append(r[0]).append(' ').append(r[1]);
            expected.write(data, (int) r[0], (int) (r[1] - r[0]));
        }
        Path offsetsFile = Files.writeString(work.resolve("offsets_subset"), offsets.toString());
        Result result = ok(plugin.runInProcess("restore_data_subset", cfg.toString(), path, offsetsFile.toString()));
        assertArrayEquals(expected.toByteArray(), result.stdout());

        Path outside = Files.writeString(work.resolve("offsets_outside"), "1 0 " + (data.length + 1));
        assertOneLineFailure(plugin.runInProcess("restore_data_subset", cfg.toString(), path, outside.toString()),
                "does not fit");
    }

    @Test
    void restoringAMissingFileFailsAndLeavesNoFile() throws Exception {
        Path cfg = config("missing");
        Path target = backupDir("coordinator-missing", TS).resolve("gpbackup_" + TS + "_toc.yaml");
        assertOneLineFailure(plugin.runInProcess("restore_file", cfg.toString(), target.toString()), "does not exist");
        try (var files = Files.list(target.getParent())) {
            assertEquals(List.of(), files.toList(), "no file and no partial file is left");
        }
        assertOneLineFailure(plugin.runInProcess("restore_data", cfg.toString(), target.toString()), "does not exist");
    }

    @Test
    void deleteBackupLeavesSiblingBackupsIntact() throws Exception {
        String folder = "siblings";
        Path cfg = config(folder);
        byte[] data = randomBytes(100, 5);
        ok(plugin.runInProcess(data, "backup_data", cfg.toString(), backupDir("s", TS).resolve("gpbackup_0_" + TS).toString()));
        ok(plugin.runInProcess(data, "backup_data", cfg.toString(),
                backupDir("s", OTHER_TS).resolve("gpbackup_0_" + OTHER_TS).toString()));
        // A key that merely starts with the timestamp must survive too.
        raw.put(BUCKET, folder + "/backups/20240101/" + TS + "0/stray", data);

        ok(plugin.runInProcess("delete_backup", cfg.toString(), TS));
        assertEquals(List.of(), raw.keys(BUCKET, folder + "/backups/20240101/" + TS + "/"));
        // A single-part object carries its digest as metadata: no record beside it.
        assertEquals(List.of(folder + "/backups/20240101/" + OTHER_TS + "/gpbackup_0_" + OTHER_TS),
                raw.keys(BUCKET, folder + "/backups/20240101/" + OTHER_TS + "/"));
        assertArrayEquals(data, raw.get(BUCKET, folder + "/backups/20240101/" + TS + "0/stray"));

        assertOneLineFailure(plugin.runInProcess("delete_backup", cfg.toString(), "2024"), "14 digits");
    }

    @Test
    void listAndDeleteDirectory() throws Exception {
        String folder = "dirs";
        Path cfg = config(folder);
        raw.put(BUCKET, folder + "/a/one", randomBytes(11, 6));
        raw.put(BUCKET, folder + "/a/two", randomBytes(22, 7));
        raw.put(BUCKET, folder + "/ab/three", randomBytes(33, 8));

        String listing = ok(plugin.runInProcess("list_directory", cfg.toString(), folder + "/a")).stdoutText();
        List<String> rows = listing.lines().skip(1).map(l -> l.replaceAll("\\s+", " ")).toList();
        assertEquals(List.of(folder + "/a/one 11", folder + "/a/two 22"), rows);

        ok(plugin.runInProcess("delete_directory", cfg.toString(), folder + "/a"));
        assertEquals(List.of(folder + "/ab/three"), raw.keys(BUCKET, folder + "/"));
        assertOneLineFailure(plugin.runInProcess("delete_directory", cfg.toString(), ""), "non-empty prefix");
    }

    @Test
    void objectsCrossBetweenThePluginAndOtherClients() throws Exception {
        String folder = "interop";
        Path cfg = config(folder);
        Path dir = backupDir("gpseg2", TS);
        String key = folder + "/backups/20240101/" + TS + "/gpbackup_2_" + TS + "_7";

        // Written by another client at the Go plugin's layout, restored by ours.
        byte[] foreign = randomBytes(2 * 1024 * 1024 + 5, 9);
        raw.put(BUCKET, key, foreign);
        assertArrayEquals(foreign, ok(plugin.runInProcess("restore_data", cfg.toString(),
                dir.resolve("gpbackup_2_" + TS + "_7").toString())).stdout());
        Path file = dir.resolve("gpbackup_2_" + TS + "_7");
        ok(plugin.runInProcess("restore_file", cfg.toString(), file.toString()));
        assertArrayEquals(foreign, Files.readAllBytes(file));

        // Written by ours (multipart), read back byte for byte by a plain signed GET.
        byte[] ours = randomBytes(11 * 1024 * 1024, 10);
        ok(plugin.runInProcess(ours, "backup_data", cfg.toString(), dir.resolve("gpbackup_2_" + TS + "_8").toString()));
        assertArrayEquals(ours, raw.get(BUCKET, folder + "/backups/20240101/" + TS + "/gpbackup_2_" + TS + "_8"));
    }

    @Test
    void backupsTheGoPluginWroteWithATrailingSlashFolderRestoreAndDelete() throws Exception {
        // The Go plugin joined "gofolder/" and "backups/..." with another '/'.
        Path cfg = config("gofolder/");
        Path dir = backupDir("gpseg5", TS);
        String goKey = "gofolder//backups/20240101/" + TS + "/gpbackup_5_" + TS + "_1";
        byte[] data = randomBytes(70_000, 14);
        raw.put(BUCKET, goKey, data);

        String path = dir.resolve("gpbackup_5_" + TS + "_1").toString();
        assertArrayEquals(data, ok(plugin.runInProcess("restore_data", cfg.toString(), path)).stdout());
        ok(plugin.runInProcess("restore_file", cfg.toString(), path));
        assertArrayEquals(data, Files.readAllBytes(Path.of(path)));
        Path offsets = Files.writeString(work.resolve("offsets_go"), "1 5 10");
        assertArrayEquals(java.util.Arrays.copyOfRange(data, 5, 10),
                ok(plugin.runInProcess("restore_data_subset", cfg.toString(), path, offsets.toString())).stdout());

        ok(plugin.runInProcess("delete_backup", cfg.toString(), TS));
        assertNull(raw.get(BUCKET, goKey));
    }

    @Test
    void bodiesAbove128MiBGoThroughChunkSigning() throws Exception {
        // S3Proxy refuses a whole-payload-signed body over 128 MiB; the Go plugin's 500 MB parts fail there.
        // The plugin's own parts reach that size only for huge streams with a large memory_budget, so the
        // client sends such a body directly.
        S3Client client = WireMockS3.client(new S3Endpoint("http", "127.0.0.1:" + server.port(), BUCKET, true),
                () -> Credentials.of(S3ProxyServer.ACCESS_KEY, S3ProxyServer.SECRET_KEY, null), Clock.systemUTC(),
                S3Connection.Settings.withRetries(0), WireMockS3.quietLog());
        byte[] body = randomBytes(140 * 1024 * 1024, 11);
        client.putObject("bigparts/object", Payload.of(body), Map.of());
        assertArrayEquals(body, raw.get(BUCKET, "bigparts/object"));
    }

    @Test
    void aSmallHeapLowersTheMemoryBudgetInsteadOfRunningOutOfMemory() throws Exception {
        // The default budget of 128 MB does not fit 60% of a 160 MB heap; parts then grow to half of 96 MB at most.
        // The stream is many parts long, so a sent part kept alive by mistake would run out of heap.
        Path cfg = config("smallheap", Map.of("backup_multipart_chunksize", "32MB",
                "restore_multipart_chunksize", "32MB"));
        PluginRunner small = new PluginRunner(work.resolve("home-smallheap"))
                .withEnv("GPBACKUP_S3_PLUGIN_JAVA_OPTS", "-Xmx160m");
        Path source = largeFile("smallheap-source", 256, 13);
        String path = backupDir("smallheap", TS).resolve("gpbackup_0_" + TS + "_heap").toString();
        ok(small.runWithStdinFile(source, "backup_data", cfg.toString(), path));
        assertArrayEquals(Files.readAllBytes(source), ok(small.run("restore_data", cfg.toString(), path)).stdout());
        String log;
        try (var logs = Files.list(work.resolve("home-smallheap/gpAdminLogs"))) {
            log = Files.readString(logs.findFirst().orElseThrow());
        }
        assertTrue(log.contains("memory_budget lowered from"), log);
    }

    @Test
    void setupForBackupFailsFastOnAMissingBucketOrWrongSecret() throws Exception {
        Path dir = backupDir("probe", TS);
        Path noBucket = PluginConfigFile.handWritten(work.resolve("cfg-nobucket"),
                PluginConfigFile.options(server, "no-such-bucket", "x", Map.of("max_request_retries", "0")));
        assertOneLineFailure(plugin.runInProcess("setup_plugin_for_backup", noBucket.toString(), dir.toString(), "coordinator",
                "\"-1\""), "bucket 'no-such-bucket' does not exist");

        Path wrongSecret = config("wrong", Map.of("aws_secret_access_key", "not-the-secret-at-all"));
        Result result = plugin.runInProcess("setup_plugin_for_backup", wrongSecret.toString(), dir.toString(), "segment_host");
        assertOneLineFailure(result, "SignatureDoesNotMatch");
        assertFalse(result.stderr().contains("not-the-secret-at-all"));

        Path dead = PluginConfigFile.handWritten(work.resolve("cfg-dead"), Map.of(
                "endpoint", "http://127.0.0.1:1", "bucket", BUCKET, "folder", "x", "max_request_retries", "1",
                "aws_access_key_id", "a", "aws_secret_access_key", "b"));
        assertOneLineFailure(plugin.runInProcess("setup_plugin_for_restore", dead.toString(), dir.toString(), "coordinator",
                "\"-1\""), "cannot connect");
    }

    @Test
    void badCommandLinesFailWithOneLine() throws Exception {
        Path cfg = config("usage");
        assertOneLineFailure(plugin.runInProcess("no_such_command", cfg.toString()), "unknown command");
        assertOneLineFailure(plugin.runInProcess("backup_data", cfg.toString()), "expected 2, got 1");
        assertOneLineFailure(plugin.runInProcess("setup_plugin_for_backup", cfg.toString(), "/x/backups/20240101/" + TS,
                "galaxy"), "scope 'galaxy'");
        assertOneLineFailure(plugin.runInProcess("backup_data", cfg.toString(), "short/path"), "four");
        Path badYaml = Files.writeString(work.resolve("bad.yaml"), "options: [\n");
        assertOneLineFailure(plugin.runInProcess("list_directory", badYaml.toString()), "bad.yaml");
        assertOneLineFailure(plugin.runInProcess("list_directory", work.resolve("absent.yaml").toString()), "absent.yaml");
    }

    @Test
    void versionAnswersAreWhatGpbackupParses() throws Exception {
        String version = ok(plugin.run("--version")).stdoutText();
        String[] words = version.strip().split(" ");
        assertEquals(3, words.length, version);
        assertEquals("gpbackup_s3_plugin", words[0]);
        assertEquals("version", words[1]);
        assertEquals(System.getProperty("project.version", words[2]), words[2]);
        assertTrue(words[2].matches("[0-9]+\\.[0-9]+\\.[0-9]+.*"), version);
        assertEquals("0.5.0\n", ok(plugin.run("plugin_api_version")).stdoutText());
    }

    @Test
    void aFailedUploadLeavesNoObjectBehind() throws Exception {
        // A part the server refuses (the bucket vanishes mid-backup is hard to stage, so use a
        // bucket that does not exist): nothing may appear at the key.
        Path cfg = PluginConfigFile.handWritten(work.resolve("cfg-fail"),
                PluginConfigFile.options(server, "absent-bucket", "f", Map.of("max_request_retries", "0")));
        String path = backupDir("fail", TS).resolve("gpbackup_0_" + TS + "_1").toString();
        assertOneLineFailure(plugin.runInProcess(randomBytes(6 * 1024 * 1024, 12), "backup_data", cfg.toString(), path),
                "does not exist");
        assertNull(raw.get(BUCKET, "f/backups/20240101/" + TS + "/gpbackup_0_" + TS + "_1"));
    }
}
