package gpbackup.s3plugin.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gpbackup.s3plugin.it.PluginRunner.Result;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code gpbackup_s3_plugin check} run as a DBA runs it, against S3Proxy: a good config passes
 * and leaves nothing behind, {@code --read-only} writes nothing, and a wrong secret, a missing
 * bucket and a dead endpoint each fail on the right line, without a stack trace or the secret.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(SharedS3Proxy.class)
class CheckIT {
    private static final String BUCKET = "check-it";
    private static final String STORED = "f/backups/20240101/20240101120000/gpbackup_20240101120000_report";

    private Path work;
    private S3ProxyServer server;
    private RawS3Client raw;
    private PluginRunner plugin;

    @BeforeAll
    void start(S3ProxyServer shared, @TempDir Path dir) throws Exception {
        work = dir;
        server = shared;
        raw = new RawS3Client(server.endpoint());
        raw.createBucket(BUCKET);
        raw.put(BUCKET, STORED, "Backup Report\n".getBytes(StandardCharsets.UTF_8));
        plugin = new PluginRunner(dir.resolve("home"));
    }

    private Path config(String name, Map<String, String> changes) throws IOException {
        Map<String, String> options = new HashMap<>(PluginConfigFile.options(server, BUCKET, "f", Map.of()));
        options.putAll(changes);
        return PluginConfigFile.handWritten(work.resolve(name), options);
    }

    /** The bucket's keys but folder placeholders, which S3Proxy's filesystem store lists and keeps. */
    private List<String> objects() throws Exception {
        return raw.keys(BUCKET, "").stream().filter(k -> !k.endsWith("/")).toList();
    }

    private static List<String> failedLines(Result result) {
        return result.stdoutText().lines().filter(line -> line.startsWith("✗")).toList();
    }

    /** The contract for a failed check: exit 1, one stderr line, no stack trace, no secret anywhere. */
    private static void assertFailedCleanly(Result result, String secret) {
        assertEquals(1, result.exitCode(), result.stdoutText() + result.stderr());
        assertEquals(1, result.stderr().lines().count(), result.stderr());
        String all = result.stdoutText() + result.stderr();
        assertFalse(all.contains("\tat ") || all.contains("Exception"), all);
        assertFalse(all.contains(secret), all);
    }

    @Test
    void aGoodConfigPassesEveryCheckAndLeavesNothingBehind() throws Exception {
        List<String> before = objects();
        Result result = plugin.run("check", config("good", Map.of()).toString());
        assertEquals(0, result.exitCode(), result.stdoutText() + result.stderr());
        String out = result.stdoutText();
        for (String item : List.of("config", "credentials", "endpoint", "proxy", "TLS", "bucket", "latency", "write",
                "read back", "delete", "throughput", "clock")) {
            assertTrue(out.contains("\n✓ " + item + ": "), item + " in\n" + out);
        }
        assertTrue(out.contains("✓ credentials: from config file keys, access key id '" + S3ProxyServer.ACCESS_KEY
                + "'"), out);
        assertTrue(out.contains("path-style addressing"), out);
        assertTrue(out.contains("check passed: a backup to s3://" + BUCKET + "/f/ would work"), out);
        assertFalse(out.contains("✗") || out.contains(S3ProxyServer.SECRET_KEY), out);
        assertEquals("", result.stderr());
        // S3Proxy's filesystem store may keep the probe's folder as a placeholder; no object stays.
        assertEquals(before, objects());
    }

    @Test
    void readOnlyReadsAStoredObjectAndWritesNothing() throws Exception {
        List<String> before = raw.keys(BUCKET, "");
        Result result = plugin.run("check", config("read-only", Map.of()).toString(), "--read-only");
        assertEquals(0, result.exitCode(), result.stdoutText() + result.stderr());
        String out = result.stdoutText();
        assertTrue(out.contains("✓ read: 14 bytes of s3://" + BUCKET + "/" + STORED + " read (GetObject)"), out);
        assertTrue(out.contains("- write: not tried (--read-only)"), out);
        assertFalse(out.contains(".gpbackup_s3_plugin_check"), out);
        assertTrue(out.contains("check passed: s3://" + BUCKET + "/f/ can be listed and read"), out);
        assertEquals(before, raw.keys(BUCKET, ""));
    }

    @Test
    void aWrongSecretFailsWithSignatureDoesNotMatch() throws Exception {
        String wrong = "wrong-secret-never-printed";
        Result result = plugin.run("check", config("wrong-secret", Map.of("aws_secret_access_key", wrong)).toString());
        assertFailedCleanly(result, wrong);
        assertEquals(List.of("✗ bucket: SignatureDoesNotMatch: the secret key does not match the access key id '"
                + S3ProxyServer.ACCESS_KEY + "'"), failedLines(result));
        assertTrue(result.stdoutText().contains("fix: set the secret access key that belongs to"), result.stdoutText());
    }

    @Test
    void aMissingBucketFailsWithNoSuchBucket() throws Exception {
        Result result = plugin.run("check", config("no-bucket", Map.of("bucket", "no-such-bucket")).toString());
        assertFailedCleanly(result, S3ProxyServer.SECRET_KEY);
        assertEquals(List.of("✗ bucket: NoSuchBucket: bucket 'no-such-bucket' does not exist at " + server.endpoint()),
                failedLines(result));
        assertTrue(result.stdoutText().contains("fix: create the bucket"), result.stdoutText());
    }

    @Test
    void aDeadEndpointFailsWithConnectionRefused() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        String dead = "http://127.0.0.1:" + closedPort;
        Result result = plugin.run("check", config("dead", Map.of("endpoint", dead)).toString());
        assertFailedCleanly(result, S3ProxyServer.SECRET_KEY);
        List<String> failed = failedLines(result);
        assertEquals(1, failed.size(), result.stdoutText());
        assertTrue(failed.get(0).startsWith("✗ bucket: connection refused by " + dead), failed.get(0));
        assertTrue(result.stdoutText().contains("- clock: not compared"), result.stdoutText());
    }

    @Test
    void storageOptionsTheServerLacksFailOnTheirOwnLinesWithAFixAndLeaveNothing() throws Exception {
        List<String> before = objects();
        Result lock = plugin.run("check", config("lock", Map.of("object_lock_mode", "GOVERNANCE",
                "object_lock_retain_days", "1")).toString());
        assertFailedCleanly(lock, S3ProxyServer.SECRET_KEY);
        assertEquals(List.of("✗ object lock: object_lock_mode is set but bucket '" + BUCKET + "' has no Object Lock"
                + " enabled (ObjectLockConfigurationNotFoundError)"), failedLines(lock));
        assertTrue(lock.stdoutText().contains("- write: not tried"), lock.stdoutText());

        Result kms = plugin.run("check", config("kms", Map.of("server_side_encryption", "aws:kms",
                "sse_kms_key_id", "alias/gp-backups")).toString());
        assertFailedCleanly(kms, S3ProxyServer.SECRET_KEY);
        List<String> failed = failedLines(kms);
        assertEquals(1, failed.size(), kms.stdoutText());
        assertTrue(failed.get(0).startsWith("✗ write: ") && failed.get(0).contains("refused server_side_encryption,"
                + " sse_kms_key_id (HTTP 501 NotImplemented"), failed.get(0));
        assertTrue(kms.stdoutText().contains("fix: correct server_side_encryption, sse_kms_key_id in the config"),
                kms.stdoutText());
        assertEquals(before, objects());
    }
}
