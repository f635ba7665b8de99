package gpbackup.s3plugin.cli;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.delete;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.head;
import static com.github.tomakehurst.wiremock.client.WireMock.ok;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.putRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gpbackup.s3plugin.s3.WireMockS3;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code check} from argv to its checklist, against a WireMock store whose answers a test chooses. */
class CheckCommandTest extends WireMockCommandFixture {
    private static final String EMPTY_LISTING = "<ListBucketResult><Name>bucket</Name><KeyCount>0</KeyCount>"
            + "<IsTruncated>false</IsTruncated></ListBucketResult>";

    /** Retries as configured by default: some checks are about them. */
    @Override
    String moreOptions() {
        return "";
    }

    private final Map<String, String> environment = new HashMap<>();

    private int run(String... argv) {
        environment.put("HOME", home.toString());
        environment.put("HOSTNAME", "sdw1");
        return new Main(environment::get, InputStream.nullInputStream(), stdout,
                new PrintStream(stderr, true, StandardCharsets.UTF_8), Clock.systemUTC(), false).run(argv);
    }

    /** The config of {@link #writeConfig()} with these option lines added, or without its keys. */
    private void config(boolean withKeys, String... optionLines) throws IOException {
        StringBuilder yaml = new StringBuilder(Files.readString(config));
        if (!withKeys) {
            yaml = new StringBuilder(yaml.toString().replaceAll("(?m)^  aws_(access_key_id|secret_access_key):.*\n",
                    ""));
        }
        for (String line : optionLines) {
            yaml.append("  ").append(line).append('\n');
        }
        Files.writeString(config, yaml);
    }

    private void stubWritableStore() {
        server.stubFor(get(urlPathEqualTo("/bucket")).willReturn(aResponse().withStatus(200).withBody(EMPTY_LISTING)));
        server.stubFor(put(urlPathMatching("/bucket/f/\\.gpbackup_s3_plugin_check/.*")).willReturn(ok()));
        server.stubFor(get(urlPathMatching("/bucket/f/\\.gpbackup_s3_plugin_check/.*")).willReturn(aResponse()
                .withStatus(206).withHeader("Content-Range", "bytes 0-3/4").withBody("abcd")));
        server.stubFor(head(urlPathMatching("/bucket/f/\\.gpbackup_s3_plugin_check/.*"))
                .willReturn(ok().withHeader("Content-Length", "4")));
        server.stubFor(delete(urlPathMatching("/bucket/f/\\.gpbackup_s3_plugin_check/.*"))
                .willReturn(aResponse().withStatus(204)));
    }

    private static String s3Error(String code) {
        return "<Error><Code>" + code + "</Code><Message>said the server</Message></Error>";
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

    @Test
    void theCredentialsLineNamesTheWebIdentityRoleAndNeverATokenOrSecret() throws IOException {
        config(false);
        Path token = Files.writeString(home.resolve("token"), "eyJ.web-identity-token.sig");
        environment.put("AWS_WEB_IDENTITY_TOKEN_FILE", token.toString());
        environment.put("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/backup");
        environment.put("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:" + server.getPort());
        environment.put("AWS_EC2_METADATA_DISABLED", "true");
        server.stubFor(post(urlEqualTo("/")).willReturn(aResponse().withHeader("Content-Type", "text/xml").withBody(
                "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials>"
                        + "<AccessKeyId>ASIAWEBIDENTITY</AccessKeyId><SecretAccessKey>web-secret-key</SecretAccessKey>"
                        + "<SessionToken>web-session-token</SessionToken><Expiration>"
                        + Instant.now().plus(Duration.ofHours(1)) + "</Expiration></Credentials>"
                        + "</AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>")));
        server.stubFor(get(urlPathEqualTo("/bucket")).willReturn(aResponse().withStatus(200).withBody(EMPTY_LISTING)));

        assertEquals(0, run("check", config.toString(), "--read-only"), out() + err());
        List<String> credentials = linesStartingWith(out(), "✓ credentials:");
        assertEquals(1, credentials.size(), out());
        assertTrue(credentials.get(0).startsWith("✓ credentials: from web identity (role"
                + " arn:aws:iam::123456789012:role/backup, environment), access key id 'ASIAWEBIDENTITY', temporary"
                + " (with a session token), expiring "), credentials.get(0));
        for (String secret : List.of("web-identity-token", "web-secret-key", "web-session-token")) {
            assertFalse(out().contains(secret) || err().contains(secret), secret);
        }
    }

    @Test
    void withNoCredentialsTheFixNamesEverySourceOfTheChain() throws IOException {
        config(false);
        environment.put("AWS_EC2_METADATA_DISABLED", "true");
        assertEquals(1, run("check", config.toString()));
        assertEquals(1, linesStartingWith(out(), "✗ credentials:").size(), out());
        String fix = out().lines().filter(line -> line.startsWith("    fix: give this host keys")).findFirst()
                .orElseThrow(() -> new AssertionError(out()));
        for (String source : List.of("aws_access_key_id", "AWS_ACCESS_KEY_ID", "AWS_WEB_IDENTITY_TOKEN_FILE",
                "role_arn", "source_profile", "credential_source", "credential_process",
                "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "EC2 instance role")) {
            assertTrue(fix.contains(source), source + " in " + fix);
        }
        assertEquals(0, server.findAll(anyRequestedFor(anyUrl())).size());
    }

    @Test
    void objectLockModeOnABucketWithoutObjectLockFailsAndWritesNoProbe() throws IOException {
        config(true, "object_lock_mode: COMPLIANCE", "object_lock_retain_days: 30");
        stubWritableStore();
        server.stubFor(get(urlEqualTo("/bucket?object-lock=")).willReturn(aResponse().withStatus(404)
                .withBody(s3Error("ObjectLockConfigurationNotFoundError"))));

        assertEquals(1, run("check", config.toString()), out());
        assertTrue(out().contains("✗ object lock: object_lock_mode is set but bucket 'bucket' has no Object Lock"
                + " enabled (ObjectLockConfigurationNotFoundError)\n    fix: use a bucket created with Object Lock, or"
                + " remove object_lock_mode and object_lock_retain_days\n"), out());
        assertTrue(out().contains("- write: not tried: S3 refuses every upload that asks for a retention"), out());
        assertEquals(0, server.findAll(putRequestedFor(anyUrl())).size());

        stdout.reset();
        stderr.reset();
        assertEquals(0, run("check", config.toString(), "--read-only"), out() + err());
        assertTrue(out().contains("! object lock: object_lock_mode is set but bucket 'bucket' has no Object Lock"
                + " enabled (ObjectLockConfigurationNotFoundError); a restore does not need it"), out());
    }

    @Test
    void underObjectLockTheProbeIsWrittenAsABackupsObjectsAndItsLockedDeleteIsAWarning() throws IOException {
        config(true, "object_lock_mode: COMPLIANCE", "object_lock_retain_days: 30", "storage_class: STANDARD_IA");
        stubWritableStore();
        server.stubFor(get(urlEqualTo("/bucket?object-lock=")).willReturn(ok("<ObjectLockConfiguration>"
                + "<ObjectLockEnabled>Enabled</ObjectLockEnabled></ObjectLockConfiguration>")));
        server.stubFor(head(urlPathMatching("/bucket/f/\\.gpbackup_s3_plugin_check/.*")).willReturn(ok()
                .withHeader("Content-Length", "4").withHeader("x-amz-object-lock-mode", "COMPLIANCE")
                .withHeader("x-amz-object-lock-retain-until-date", "2099-01-01T00:00:00.000Z")));

        run("check", config.toString());
        assertTrue(out().contains("✓ object lock: bucket 'bucket' has Object Lock enabled"
                + " (GetObjectLockConfiguration); backups are written with COMPLIANCE retention for 30 days"), out());
        List<String> write = linesStartingWith(out(), "✓ write: 8 MiB probe written to");
        assertEquals(1, write.size(), out());
        assertTrue(write.get(0).endsWith("(PutObject, with storage_class STANDARD_IA, COMPLIANCE Object Lock for"
                + " 30 days)"), write.get(0));
        var probe = server.findAll(putRequestedFor(anyUrl())).get(0);
        assertEquals("COMPLIANCE", probe.getHeader("x-amz-object-lock-mode"));
        assertEquals("STANDARD_IA", probe.getHeader("x-amz-storage-class"));
        assertTrue(probe.containsHeader("Content-MD5"));
        assertTrue(out().contains("! delete: the probe is under Object Lock until 2099-01-01T00:00:00Z (COMPLIANCE):"
                + " DeleteObject only put a delete marker over it"), out());
        // The store's HEAD proves the lock but reports no class (STANDARD): one line each.
        assertEquals(1, linesStartingWith(out(), "✓ retention: object_lock_mode COMPLIANCE until ").size(), out());
        assertTrue(out().contains(": the store reports COMPLIANCE until 2099-01-01T00:00:00Z on the probe"
                + " (HeadObject)\n"), out());
        assertTrue(out().contains("✗ storage class: storage_class STANDARD_IA is not applied: http://127.0.0.1:"
                + server.getPort() + " answered the write with 200 but reports none on the probe, so every backup"
                + " upload would fail\n    fix: remove storage_class from the config"), out());
    }

    @Test
    void aConfiguredSourceThatFailsIsTheOneTheFixNames() throws IOException {
        config(false);
        environment.put("AWS_ACCESS_KEY_ID", "AKIAHALFAPAIR0000000");
        environment.put("AWS_EC2_METADATA_DISABLED", "true");
        assertEquals(1, run("check", config.toString()));
        assertEquals(1, linesStartingWith(out(), "✗ credentials:").size(), out());
        assertTrue(out().lines().anyMatch(line -> line.startsWith("    fix: fix ") && line.contains("or unset what"
                + " configures it")), out());
        assertEquals(0, server.findAll(anyRequestedFor(anyUrl())).size());
    }

    @Test
    void aServerRefusingSseKmsFailsTheWriteNamingTheOptionsAndTheFix() throws IOException {
        config(true, "server_side_encryption: aws:kms", "sse_kms_key_id: alias/gpbackup");
        stubWritableStore();
        server.stubFor(put(urlPathMatching("/bucket/f/\\.gpbackup_s3_plugin_check/.*")).willReturn(aResponse()
                .withStatus(501).withBody(s3Error("NotImplemented"))));

        assertEquals(1, run("check", config.toString()), out());
        List<String> write = linesStartingWith(out(), "✗ write:");
        assertEquals(1, write.size(), out());
        assertTrue(write.get(0).contains("refused server_side_encryption, sse_kms_key_id (HTTP 501 NotImplemented"),
                write.get(0));
        assertTrue(out().contains("    fix: correct server_side_encryption, sse_kms_key_id in the config"
                + " (spec/config.md), or remove them if http://127.0.0.1:" + server.getPort()), out());
        assertTrue(out().contains("kms:GenerateDataKey"), out());
        assertEquals("aws:kms", server.findAll(putRequestedFor(anyUrl())).get(0)
                .getHeader("x-amz-server-side-encryption"));
    }

    @Test
    void onATerminalNoChecklistLineIsPrintedOverTheProgressLine() {
        stubWritableStore();
        // stdout and stderr are one terminal; each reading of the clock is 300 ms later, so the
        // progress line is drawn at every step and the checklist lines come between drawings.
        ByteArrayOutputStream terminal = new ByteArrayOutputStream();
        PrintStream both = new PrintStream(terminal, true, StandardCharsets.UTF_8);
        Map<String, String> env = Map.of("HOME", home.toString(), "HOSTNAME", "sdw1");
        new Main(env::get, InputStream.nullInputStream(), both, both, new SteppingClock(), true)
                .run(new String[] {"check", config.toString()});
        String text = terminal.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("\rcheck throughput: 8.0 MiB of 16.0 MiB (50%)"), text);
        for (String segment : text.split("\n")) {
            String shown = segment.substring(segment.lastIndexOf('\r') + 1);
            if (java.util.regex.Pattern.compile("[✓✗!] [A-Za-z ]+: ").matcher(segment).find()) {
                assertTrue(shown.matches("^[✓✗!] [A-Za-z ]+: .*"), "a checklist line over the progress: "
                        + segment.replace("\r", "<CR>"));
            }
        }
    }

    /** A clock 300 ms later at each reading. */
    private static final class SteppingClock extends Clock {
        private long millis = System.currentTimeMillis();

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public synchronized Instant instant() {
            millis += 300;
            return Instant.ofEpochMilli(millis);
        }
    }
}
