package gpbackup.s3plugin.cli;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import gpbackup.s3plugin.leaks.RunOutputs;
import gpbackup.s3plugin.s3.WireMockS3;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code check} from argv to its checklist, against a WireMock store whose answers a test chooses. */
class CheckCommandTest {
    private static final String EMPTY_LISTING = "<ListBucketResult><Name>bucket</Name><KeyCount>0</KeyCount>"
            + "<IsTruncated>false</IsTruncated></ListBucketResult>";

    @RegisterExtension
    final WireMockExtension server = WireMockExtension.newInstance().options(WireMockS3.serverOptions()).build();

    @TempDir
    Path home;

    private Path config;
    private final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();

    /** What this test's runs printed and logged, kept for the suite's scan for secrets (NoSecretInOutputs). */
    @AfterEach
    void keepOutputsForTheSecretScan(TestInfo test) {
        RunOutputs.keep(getClass().getSimpleName() + "." + test.getTestMethod().map(Method::getName).orElse("?"),
                stdout.toByteArray(), stderr.toString(StandardCharsets.UTF_8));
        RunOutputs.keepLogs(home);
    }

    @BeforeEach
    void config() throws IOException {
        config = Files.writeString(home.resolve("s3_config.yaml"), """
                executablepath: /usr/local/greenplum-db/bin/gpbackup_s3_plugin
                options:
                  region: us-east-1
                  endpoint: http://127.0.0.1:%d
                  encryption: off
                  aws_access_key_id: AKID
                  aws_secret_access_key: %s
                  bucket: bucket
                  folder: f
                """.formatted(server.getPort(), WireMockS3.SECRET));
    }

    private int run(String... argv) {
        Map<String, String> environment = Map.of("HOME", home.toString(), "HOSTNAME", "sdw1");
        return new Main(environment::get, InputStream.nullInputStream(), stdout,
                new PrintStream(stderr, true, StandardCharsets.UTF_8), Clock.systemUTC()).run(argv);
    }

    private String out() {
        return stdout.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return stderr.toString(StandardCharsets.UTF_8);
    }

    private static String httpDate(Duration fromNow) {
        return DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(java.time.ZoneOffset.UTC).plus(fromNow));
    }

    private static List<String> linesStartingWith(String text, String start) {
        return text.lines().filter(line -> line.startsWith(start)).toList();
    }

    @Test
    void clockHoursBehindTheServersDateFailsTheCheckWithTheDifference() {
        server.stubFor(get(urlPathEqualTo("/bucket")).willReturn(aResponse().withStatus(200)
                .withHeader("Date", httpDate(Duration.ofHours(3))).withBody(EMPTY_LISTING)));
        assertEquals(1, run("check", config.toString(), "--read-only"), out());
        List<String> clock = linesStartingWith(out(), "✗ clock:");
        assertEquals(1, clock.size(), out());
        assertTrue(clock.get(0).contains("this host's clock is 3 h 0 min") || clock.get(0).contains("2 h 59 min"),
                clock.get(0));
        assertTrue(clock.get(0).contains("behind the server's"), clock.get(0));
        assertTrue(out().contains("fix: synchronise this host's clock"), out());
        assertEquals(1, err().lines().count(), err());
        assertTrue(err().contains("check failed: 1 check failed"), err());
    }

    @Test
    void aRequestRefusedAsTooSkewedStillShowsTheSkewFromTheRefusalsDate() {
        server.stubFor(get(urlPathEqualTo("/bucket")).willReturn(aResponse().withStatus(403)
                .withHeader("Date", httpDate(Duration.ofHours(-5)))
                .withBody("<Error><Code>RequestTimeTooSkewed</Code><Message>The difference between the request time"
                        + " and the current time is too large.</Message></Error>")));
        assertEquals(1, run("check", config.toString()), out());
        assertEquals(1, linesStartingWith(out(), "✗ bucket: RequestTimeTooSkewed").size(), out());
        List<String> clock = linesStartingWith(out(), "✗ clock:");
        assertEquals(1, clock.size(), out());
        assertTrue(clock.get(0).contains("5 h 0 min") && clock.get(0).contains("ahead of the server's"), clock.get(0));
        // Nothing is written once the folder cannot be listed.
        assertEquals(0, server.findAll(anyRequestedFor(anyUrl())).stream()
                .filter(r -> !r.getMethod().getName().equals("GET")).count());
        assertFalse(out().contains(WireMockS3.SECRET));
        assertFalse(err().contains(WireMockS3.SECRET));
    }

    @Test
    void aClockAFewMinutesOffIsAWarningAndTheCheckPasses() {
        server.stubFor(get(urlPathEqualTo("/bucket")).willReturn(aResponse().withStatus(200)
                .withHeader("Date", httpDate(Duration.ofMinutes(-5))).withBody(EMPTY_LISTING)));
        assertEquals(0, run("check", config.toString(), "--read-only"), out() + err());
        assertEquals(1, linesStartingWith(out(), "! clock: this host's clock is 5 min").size(), out());
        assertTrue(out().contains("check passed:") && out().contains("(1 warning above)"), out());
        assertTrue(out().contains("- write: not tried (--read-only)"), out());
        assertEquals("", err());
    }

    @Test
    void readOnlyReadsTheFirstStoredObjectPastFolderPlaceholdersAndWritesNothing() {
        String listing = "<ListBucketResult><Name>bucket</Name><IsTruncated>false</IsTruncated>"
                + "<Contents><Key>f/backups/</Key><Size>4096</Size></Contents>"
                + "<Contents><Key>f/backups/20240101/20240101120000/gpbackup_20240101120000_report</Key>"
                + "<Size>14</Size></Contents></ListBucketResult>";
        server.stubFor(get(urlPathEqualTo("/bucket")).willReturn(aResponse().withStatus(200).withBody(listing)));
        server.stubFor(get(urlPathEqualTo("/bucket/f/backups/20240101/20240101120000/gpbackup_20240101120000_report"))
                .willReturn(aResponse().withStatus(206).withHeader("Content-Range", "bytes 0-13/14")
                        .withBody("Backup Report\n")));
        assertEquals(0, run("check", config.toString(), "--read-only"), out() + err());
        assertTrue(out().contains("✓ read: 14 bytes of s3://bucket/f/backups/20240101/20240101120000/"
                + "gpbackup_20240101120000_report read (GetObject)"), out());
        assertEquals(0, server.findAll(anyRequestedFor(anyUrl())).stream()
                .filter(r -> !r.getMethod().getName().equals("GET")).count());
    }

    @Test
    void everyConfigProblemIsItsOwnFailedLine() throws IOException {
        Files.writeString(config, """
                executablepath: /usr/local/greenplum-db/bin/gpbackup_s3_plugin
                options:
                  region: us-east-1
                  aws_access_key_id: AKID
                  aws_secret_access_key: %s
                  folder: f
                  backup_max_concurrent_requests: lots
                """.formatted(WireMockS3.SECRET));
        assertEquals(1, run("check", config.toString()));
        List<String> failed = linesStartingWith(out(), "✗ config:");
        assertEquals(2, failed.size(), out());
        assertTrue(failed.stream().anyMatch(line -> line.contains("bucket")), out());
        assertTrue(failed.stream().anyMatch(line -> line.contains("backup_max_concurrent_requests")), out());
        assertTrue(out().contains("check failed: 2 problems with the config"), out());
        assertEquals(1, err().lines().count(), err());
        assertTrue(err().contains("invalid plugin config"), err());
        assertFalse(out().contains(WireMockS3.SECRET));
        assertEquals(0, server.findAll(anyRequestedFor(anyUrl())).size());
    }

    @Test
    void anUnknownOptionIsAUsageErrorWithoutAChecklist() {
        assertEquals(1, run("check", config.toString(), "--readonly"));
        assertTrue(err().contains("check: unknown option '--readonly'; it knows --read-only"), err());
        assertEquals("", out());
    }

    @Test
    void gpbackupsCommandsPrintNothingOnStdoutForABadConfig() throws IOException {
        Files.writeString(config, "executablepath: /x\noptions:\n  folder: f\n");
        assertEquals(1, run("list_directory", config.toString()));
        assertEquals("", out());
        assertEquals(1, err().lines().count(), err());
    }
}
