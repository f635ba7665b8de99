package gpbackup.s3plugin.cli;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.delete;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.head;
import static com.github.tomakehurst.wiremock.client.WireMock.ok;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.putRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import gpbackup.s3plugin.leaks.RunOutputs;
import gpbackup.s3plugin.leaks.TestSecrets;
import gpbackup.s3plugin.s3.WireMockS3;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The storage options through whole commands: Object Lock in the setup hook and delete_backup,
 * and an SSE-C key that reaches S3 and nothing else (stderr, stdout, the log).
 */
class StoragePolicyCommandsTest {
    private static final String PREFIX = "f/backups/20240101/20240101120000/";
    private static final String DATA_FILE = "/data/gpseg0/backups/20240101/20240101120000/gpbackup_0_20240101120000_16384";
    private static final String KEY_PATH = "/bucket/" + PREFIX + "gpbackup_0_20240101120000_16384";
    private static final byte[] SSE_C_KEY = TestSecrets.sseCustomerKey();
    private static final String SSE_C_KEY_BASE64 = Base64.getEncoder().encodeToString(SSE_C_KEY);

    @RegisterExtension
    final WireMockExtension server = WireMockExtension.newInstance().options(WireMockS3.serverOptions()).build();

    @TempDir
    Path home;

    private final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();

    /** What this test's runs printed and logged, kept for the suite's scan for secrets (NoSecretInOutputs). */
    @AfterEach
    void keepOutputsForTheSecretScan(TestInfo test) {
        RunOutputs.keep(getClass().getSimpleName() + "." + test.getTestMethod().map(Method::getName).orElse("?"),
                stdout.toByteArray(), stderr.toString(StandardCharsets.UTF_8));
        RunOutputs.keepLogs(home);
    }

    private final Map<String, String> environment = new HashMap<>();

    private Path config(String... optionLines) throws IOException {
        StringBuilder yaml = new StringBuilder("""
                executablepath: /usr/local/greenplum-db/bin/gpbackup_s3_plugin
                options:
                  region: us-east-1
                  endpoint: http://127.0.0.1:%d
                  encryption: off
                  aws_access_key_id: AKID
                  aws_secret_access_key: %s
                  bucket: bucket
                  folder: f
                  max_request_retries: 0
                  agent: off
                """.formatted(server.getPort(), WireMockS3.SECRET));
        for (String line : optionLines) {
            yaml.append("  ").append(line).append('\n');
        }
        return Files.writeString(home.resolve("s3_config.yaml"), yaml);
    }

    private int run(InputStream stdin, String... argv) {
        environment.put("HOME", home.toString());
        environment.put("HOSTNAME", "sdw1");
        return new Main(environment::get, stdin, stdout, new PrintStream(stderr, true, StandardCharsets.UTF_8),
                Clock.systemUTC(), false).run(argv);
    }

    private String err() {
        return stderr.toString(StandardCharsets.UTF_8);
    }

    private String logText() throws IOException {
        Path logs = home.resolve("gpAdminLogs");
        if (!Files.isDirectory(logs)) {
            return "";
        }
        StringBuilder text = new StringBuilder();
        try (Stream<Path> files = Files.list(logs)) {
            for (Path f : files.toList()) {
                text.append(Files.readString(f));
            }
        }
        return text.toString();
    }

    private static ResponseDefinitionBuilder s3Error(int status, String code, String message) {
        return aResponse().withStatus(status).withBody("<Error><Code>" + code + "</Code><Message>" + message
                + "</Message></Error>");
    }

    private void stubBackupListing() {
        // The backup's prefix lists its two objects until the batch delete, then nothing.
        server.stubFor(get(urlPathEqualTo("/bucket")).withQueryParam("prefix", equalTo(PREFIX))
                .inScenario("delete").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(ok("<ListBucketResult><IsTruncated>false</IsTruncated>"
                        + "<Contents><Key>" + PREFIX + "a</Key><Size>1</Size></Contents>"
                        + "<Contents><Key>" + PREFIX + "b</Key><Size>2</Size></Contents>"
                        + "</ListBucketResult>")));
        server.stubFor(get(urlPathEqualTo("/bucket")).withQueryParam("prefix", equalTo(PREFIX))
                .inScenario("delete").whenScenarioStateIs("gone")
                .willReturn(ok("<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>")));
        server.stubFor(get(urlPathEqualTo("/bucket")).withQueryParam("prefix", equalTo("f//backups/20240101/20240101120000/"))
                .willReturn(ok("<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>")));
        server.stubFor(post(urlEqualTo("/bucket?delete=")).inScenario("delete").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(ok("<DeleteResult/>")).willSetStateTo("gone"));
        server.stubFor(head(urlEqualTo("/bucket/" + PREFIX + "a")).willReturn(ok().withHeader("Content-Length", "1")
                .withHeader("x-amz-object-lock-mode", "COMPLIANCE")
                .withHeader("x-amz-object-lock-retain-until-date", "2020-01-01T00:00:00.000Z")));
    }

    @Test
    void deleteBackupOfALockedBackupDeletesNothingAndNamesTheRetainUntilDate() throws IOException {
        stubBackupListing();
        server.stubFor(head(urlEqualTo("/bucket/" + PREFIX + "b")).willReturn(ok().withHeader("Content-Length", "2")
                .withHeader("x-amz-object-lock-mode", "COMPLIANCE")
                .withHeader("x-amz-object-lock-retain-until-date", "2099-01-01T00:00:00.000Z")));
        Path config = config("object_lock_mode: COMPLIANCE", "object_lock_retain_days: 30");
        assertNotEquals(0, run(InputStream.nullInputStream(), "delete_backup", config.toString(), "20240101120000"));
        assertEquals("cannot delete backup 20240101120000: 1 of its objects are under Object Lock, the last until"
                + " 2099-01-01T00:00:00Z (COMPLIANCE) (s3://bucket/" + PREFIX + "b); nothing was deleted\n",
                err().replaceFirst("^.*?cannot", "cannot"));
        assertEquals(1, err().lines().count(), err());
        assertEquals(0, server.findAll(postRequestedFor(urlEqualTo("/bucket?delete="))).size());
    }

    @Test
    void deleteBackupWhoseRetentionIsOverDeletesEveryObject() throws IOException {
        stubBackupListing();
        server.stubFor(head(urlEqualTo("/bucket/" + PREFIX + "b")).willReturn(ok().withHeader("Content-Length", "2")));
        Path config = config("object_lock_mode: GOVERNANCE", "object_lock_retain_days: 1");
        assertEquals(0, run(InputStream.nullInputStream(), "delete_backup", config.toString(), "20240101120000"), err());
        List<LoggedRequest> deletes = server.findAll(postRequestedFor(urlEqualTo("/bucket?delete=")));
        assertEquals(1, deletes.size());
        assertTrue(deletes.get(0).getBodyAsString().contains(PREFIX + "b</Key>"));
    }

    @Test
    void withoutObjectLockOptionsDeleteBackupStillRefusesWhenTheBucketsDefaultRetentionLocksIt() throws IOException {
        stubBackupListing();
        server.stubFor(get(urlEqualTo("/bucket?object-lock=")).willReturn(ok("<ObjectLockConfiguration>"
                + "<ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>GOVERNANCE</Mode>"
                + "<Days>30</Days></DefaultRetention></Rule></ObjectLockConfiguration>")));
        server.stubFor(head(urlEqualTo("/bucket/" + PREFIX + "b")).willReturn(ok().withHeader("Content-Length", "2")
                .withHeader("x-amz-object-lock-mode", "GOVERNANCE")
                .withHeader("x-amz-object-lock-retain-until-date", "2099-01-01T00:00:00.000Z")));
        assertNotEquals(0, run(InputStream.nullInputStream(), "delete_backup", config().toString(), "20240101120000"));
        assertTrue(err().contains("cannot delete backup 20240101120000: 1 of its objects are under Object Lock, the"
                + " last until 2099-01-01T00:00:00Z (GOVERNANCE)"), err());
        assertEquals(0, server.findAll(postRequestedFor(urlEqualTo("/bucket?delete="))).size());
    }

    @Test
    void deleteBackupUnderALegalHoldDeletesNothing() throws IOException {
        stubBackupListing();
        server.stubFor(head(urlEqualTo("/bucket/" + PREFIX + "b")).willReturn(ok().withHeader("Content-Length", "2")
                .withHeader("x-amz-object-lock-legal-hold", "ON")));
        Path config = config("object_lock_mode: GOVERNANCE", "object_lock_retain_days: 1");
        assertNotEquals(0, run(InputStream.nullInputStream(), "delete_backup", config.toString(), "20240101120000"));
        assertTrue(err().contains("1 of its objects are under Object Lock, 1 under a legal hold; nothing was deleted"),
                err());
        assertEquals(0, server.findAll(postRequestedFor(urlEqualTo("/bucket?delete="))).size());
    }

    @Test
    void setupForBackupFailsInOneLineWhenTheBucketHasNoObjectLock() throws IOException {
        server.stubFor(get(urlEqualTo("/bucket?object-lock=")).willReturn(s3Error(404,
                "ObjectLockConfigurationNotFoundError", "Object Lock configuration does not exist for this bucket")));
        Path config = config("object_lock_mode: COMPLIANCE", "object_lock_retain_days: 30");
        assertNotEquals(0, run(InputStream.nullInputStream(), "setup_plugin_for_backup", config.toString(),
                "/data/master/backups/20240101/20240101120000", "coordinator"));
        assertTrue(err().endsWith("object_lock_mode is set but bucket 'bucket' has no Object Lock enabled"
                + " (ObjectLockConfigurationNotFoundError); use a bucket created with Object Lock, or remove"
                + " object_lock_mode and object_lock_retain_days\n"), err());
        assertEquals(1, err().lines().count(), err());
        assertEquals(0, server.findAll(putRequestedFor(anyUrl())).size(), "no probe is written");
    }

    @Test
    void setupForBackupWithObjectLockWritesItsProbeLocked() throws IOException {
        server.stubFor(get(urlEqualTo("/bucket?object-lock=")).willReturn(ok("<ObjectLockConfiguration>"
                + "<ObjectLockEnabled>Enabled</ObjectLockEnabled></ObjectLockConfiguration>")));
        server.stubFor(put(anyUrl()).willReturn(ok()));
        // The read-back HEAD proves what was asked: the lock to a date past the 30 days, the class.
        server.stubFor(head(anyUrl()).willReturn(ok().withHeader("Content-Length", "0")
                .withHeader("x-amz-object-lock-mode", "COMPLIANCE")
                .withHeader("x-amz-object-lock-retain-until-date", "2999-01-01T00:00:00Z")
                .withHeader("x-amz-storage-class", "STANDARD_IA")));
        server.stubFor(delete(anyUrl()).willReturn(aResponse().withStatus(204)));
        Path config = config("object_lock_mode: COMPLIANCE", "object_lock_retain_days: 30", "storage_class: STANDARD_IA");
        assertEquals(0, run(InputStream.nullInputStream(), "setup_plugin_for_backup", config.toString(),
                "/data/master/backups/20240101/20240101120000", "coordinator"), err());
        LoggedRequest probe = server.findAll(putRequestedFor(anyUrl())).get(0);
        assertEquals("COMPLIANCE", probe.getHeader("x-amz-object-lock-mode"));
        assertEquals("STANDARD_IA", probe.getHeader("x-amz-storage-class"));
        assertEquals("1B2M2Y8AsgTpgAmY7PhCfg==", probe.getHeader("Content-MD5"), "the MD5 of no bytes");
    }

    @Test
    void theSseCustomerKeyReachesS3AndNoOutputOrLogLine() throws IOException {
        environment.put("GP_SSE_C_KEY", SSE_C_KEY_BASE64);
        Path config = config("sse_customer_key_env: GP_SSE_C_KEY");
        byte[] data = "1\tone\n".getBytes(StandardCharsets.UTF_8);
        // A backup that works, a restore the server refuses (a wrong key), and a server echoing the key back.
        server.stubFor(put(urlEqualTo(KEY_PATH)).willReturn(ok()));
        server.stubFor(head(urlEqualTo(KEY_PATH)).willReturn(ok().withHeader("Content-Length", String.valueOf(data.length))
                .withHeader("x-amz-server-side-encryption-customer-algorithm", "AES256")
                .withHeader("x-amz-server-side-encryption-customer-key-MD5", md5Base64(SSE_C_KEY))));
        assertEquals(0, run(new ByteArrayInputStream(data), "backup_data", config.toString(), DATA_FILE), err());
        assertEquals(SSE_C_KEY_BASE64, server.findAll(putRequestedFor(urlEqualTo(KEY_PATH))).get(0)
                .getHeader("x-amz-server-side-encryption-customer-key"));

        server.stubFor(get(urlEqualTo(KEY_PATH)).willReturn(aResponse().withStatus(403)));
        assertNotEquals(0, run(InputStream.nullInputStream(), "restore_data", config.toString(), DATA_FILE));
        assertTrue(err().contains("refused sse_customer_key_file/sse_customer_key_env (SSE-C) (HTTP 403"), err());

        server.stubFor(put(urlEqualTo(KEY_PATH)).willReturn(s3Error(400, "InvalidArgument",
                "bad header x-amz-server-side-encryption-customer-key: " + SSE_C_KEY_BASE64)));
        assertNotEquals(0, run(new ByteArrayInputStream(data), "backup_data", config.toString(), DATA_FILE));

        String everything = err() + stdout.toString(StandardCharsets.UTF_8) + logText();
        assertTrue(everything.contains("InvalidArgument"), everything);
        assertFalse(everything.contains(SSE_C_KEY_BASE64), "the SSE-C key leaked: " + everything);
        assertFalse(everything.contains(new String(SSE_C_KEY, StandardCharsets.US_ASCII)), everything);
        assertFalse(everything.contains(WireMockS3.SECRET), everything);
    }

    private static String md5Base64(byte[] bytes) {
        try {
            return Base64.getEncoder().encodeToString(java.security.MessageDigest.getInstance("MD5").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** S3's answers to reads of an SSE-C object that carry no key: GET with a document, HEAD bare. */
    @Test
    void aRestoreOfAnSseCObjectWithoutAKeyConfiguredNamesTheKeyOptionsInOneLine() throws IOException {
        Path config = config();
        server.stubFor(get(urlEqualTo(KEY_PATH)).willReturn(s3Error(400, "InvalidRequest", "The object was stored"
                + " using a form of Server Side Encryption. The correct parameters must be provided to retrieve the"
                + " object.")));
        server.stubFor(head(urlEqualTo(KEY_PATH)).willReturn(aResponse().withStatus(400)));

        assertNotEquals(0, run(InputStream.nullInputStream(), "restore_data", config.toString(), DATA_FILE));
        assertEquals(1, err().lines().count(), err());
        assertTrue(err().contains("s3://bucket/" + PREFIX + "gpbackup_0_20240101120000_16384 failed: the object is"
                + " encrypted with SSE-C, a key of yours, and no key was sent (HTTP 400 InvalidRequest"), err());
        assertTrue(err().strip().endsWith("; set sse_customer_key_file or sse_customer_key_env to the key the backup"
                + " was written with"), err());
        assertEquals(0, stdout.size(), "nothing restored");

        stderr.reset();
        Path restored = home.resolve("restored/backups/20240101/20240101120000/gpbackup_20240101120000_toc.yaml");
        server.stubFor(head(urlEqualTo("/bucket/" + PREFIX + "gpbackup_20240101120000_toc.yaml"))
                .willReturn(aResponse().withStatus(400)));
        assertNotEquals(0, run(InputStream.nullInputStream(), "restore_file", config.toString(), restored.toString()));
        assertEquals(1, err().lines().count(), err());
        assertTrue(err().strip().endsWith("failed: HTTP 400 with no detail (a HEAD answer has no body); if the object"
                + " was written with SSE-C, set sse_customer_key_file or sse_customer_key_env to its key"), err());
        assertFalse(Files.exists(restored));
    }
}
