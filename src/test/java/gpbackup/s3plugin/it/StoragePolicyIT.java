package gpbackup.s3plugin.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gpbackup.s3plugin.it.PluginRunner.Result;
import gpbackup.s3plugin.leaks.TestSecrets;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The storage options against S3Proxy 2.6.0, which takes x-amz-storage-class (a multipart
 * round trip here) and answers 501 NotImplemented to the server-side encryption and Object Lock
 * headers and 404 ObjectLockConfigurationNotFoundError to GET ?object-lock: each refusal must be
 * one line naming the options, leave no object, and never show the SSE-C key. Their exact
 * headers are WireMock's to test (S3ClientStoragePolicyTest).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(SharedS3Proxy.class)
class StoragePolicyIT {
    private static final String BUCKET = "storage-policy-it";
    private static final String TS = "20240505050505";
    private static final byte[] SSE_C_KEY = TestSecrets.sseCustomerKey();

    private Path work;
    private S3ProxyServer server;
    private PluginRunner plugin;
    private RawS3Client raw;

    @BeforeAll
    void createBucket(S3ProxyServer shared, @TempDir Path dir) throws Exception {
        work = dir;
        server = shared;
        raw = new RawS3Client(server.endpoint());
        raw.createBucket(BUCKET);
        plugin = new PluginRunner(work.resolve("home"));
    }

    private Path config(String name, Map<String, String> extra) throws Exception {
        return PluginConfigFile.handWritten(work.resolve("cfg-" + name),
                PluginConfigFile.options(server, BUCKET, "sp", extra));
    }

    private String dataPath(String name) throws Exception {
        return Files.createDirectories(work.resolve("gpseg0/backups/20240505/" + TS))
                .resolve("gpbackup_0_" + TS + "_" + name).toString();
    }

    private static String key(String name) {
        return "sp/backups/20240505/" + TS + "/gpbackup_0_" + TS + "_" + name;
    }

    private static byte[] data(int size) {
        byte[] data = new byte[size];
        new SplittableRandom(size).nextBytes(data);
        return data;
    }

    /** Fails in one line on stderr, names {@code option}, leaves nothing at the key. */
    private Result refusedNaming(String name, Result result, String option) throws Exception {
        assertNotEquals(0, result.exitCode(), result::toString);
        assertEquals(1, result.stderr().lines().count(), result.stderr());
        assertTrue(result.stderr().contains("refused " + option) && result.stderr().contains("501 NotImplemented"),
                result.stderr());
        assertEquals(null, raw.get(BUCKET, key(name)), "no object is left");
        return result;
    }

    @Test
    void aStorageClassIsStoredAndAMultipartBackupComesBack() throws Exception {
        Path config = config("class", Map.of("storage_class", "STANDARD_IA"));
        byte[] data = data((6 << 20) + 17); // two parts of the tests' 5 MB
        Result backup = plugin.run(data, "backup_data", config.toString(), dataPath("class"));
        assertEquals(0, backup.exitCode(), backup::toString);
        assertEquals("STANDARD_IA", raw.headers(BUCKET, key("class")).firstValue("x-amz-storage-class").orElse(""));
        Result restore = plugin.run(new byte[0], "restore_data", config.toString(), dataPath("class"));
        assertEquals(0, restore.exitCode(), restore::toString);
        assertArrayEquals(data, restore.stdout());
    }

    @Test
    void kmsRefusedByTheServerIsOneLineNamingTheOptions() throws Exception {
        Path config = config("kms", Map.of("server_side_encryption", "aws:kms", "sse_kms_key_id", "alias/gp-backups"));
        refusedNaming("kms", plugin.run(data(6 << 20), "backup_data", config.toString(), dataPath("kms")),
                "server_side_encryption, sse_kms_key_id");
    }

    /**
     * The trail once turned every storage option off (its client was a copy with no policy): with
     * audit_log set, S3Proxy must still refuse KMS and store the class, and the trail names both.
     */
    @Test
    void anAuditTrailKeepsEveryStorageOption() throws Exception {
        Path trail = work.resolve("audit.jsonl");
        Path kms = config("audited-kms", Map.of("server_side_encryption", "aws:kms", "audit_log", trail.toString()));
        refusedNaming("audited-kms", plugin.run(data(1000), "backup_data", kms.toString(), dataPath("audited-kms")),
                "server_side_encryption");
        Path ia = config("audited-class", Map.of("storage_class", "STANDARD_IA", "audit_log", trail.toString()));
        Result backup = plugin.run(data(1000), "backup_data", ia.toString(), dataPath("audited-class"));
        assertEquals(0, backup.exitCode(), backup::toString);
        assertEquals("STANDARD_IA", raw.headers(BUCKET, key("audited-class")).firstValue("x-amz-storage-class")
                .orElse(""));
        String lines = Files.readString(trail);
        assertTrue(lines.contains("\"op\":\"PutObject\"") && lines.contains("\"error\":\"NotImplemented\""), lines);
    }

    @Test
    void sseCustomerKeyRefusedByTheServerIsOneLineWithoutTheKey() throws Exception {
        Path keyFile = work.resolve("sse-c.key");
        Files.write(keyFile, SSE_C_KEY);
        Files.setPosixFilePermissions(keyFile, PosixFilePermissions.fromString("rw-------"));
        Path config = config("ssec", Map.of("sse_customer_key_file", keyFile.toString()));
        Result result = refusedNaming("ssec", plugin.run(data(1000), "backup_data", config.toString(),
                dataPath("ssec")), "sse_customer_key_file/sse_customer_key_env (SSE-C)");
        String logs = logText();
        for (String text : new String[] {result.stderr(), result.stdoutText(), logs}) {
            assertFalse(text.contains(Base64.getEncoder().encodeToString(SSE_C_KEY)), text);
            assertFalse(text.contains(new String(SSE_C_KEY, StandardCharsets.US_ASCII)), text);
        }
    }

    @Test
    void objectLockOnABucketWithoutItFailsTheSetupHookInOneLine() throws Exception {
        Path config = config("lock", Map.of("object_lock_mode", "GOVERNANCE", "object_lock_retain_days", "1"));
        Result setup = plugin.run(new byte[0], "setup_plugin_for_backup", config.toString(),
                work.resolve("master/backups/20240505/" + TS).toString(), "coordinator");
        assertNotEquals(0, setup.exitCode(), setup::toString);
        assertEquals(1, setup.stderr().lines().count(), setup.stderr());
        assertTrue(setup.stderr().contains("bucket 'storage-policy-it' has no Object Lock enabled"), setup.stderr());
        assertEquals(null, raw.get(BUCKET, "sp/backups/20240505/" + TS + "/gpbackup_" + TS + "_report"),
                "no probe is written");
    }

    private String logText() throws Exception {
        Path logs = work.resolve("home/gpAdminLogs");
        StringBuilder text = new StringBuilder();
        if (Files.isDirectory(logs)) {
            try (var files = Files.list(logs)) {
                for (Path file : files.toList()) {
                    text.append(Files.readString(file));
                }
            }
        }
        assertFalse(text.isEmpty(), "the runs wrote a log");
        return text.toString();
    }
}
