package gpbackup.s3plugin.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gpbackup.s3plugin.auth.SigV4Encoding;
import gpbackup.s3plugin.it.PluginRunner.Result;
import gpbackup.s3plugin.leaks.TestSecrets;
import java.net.http.HttpHeaders;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The plugin against a real Ceph RADOS Gateway 16 (it/RgwServer): plain, SSE-C and SSE-KMS round
 * trips, single-part and multipart, and Object Lock, each proved by what the gateway's HEAD says
 * about the stored object. Where RGW 16 answers 200 to a setting it does not apply (SSE-S3, a lock
 * on a multipart upload), the test pins what it does today, for the plugin's checks to build on.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(SharedRgw.class)
class RgwStoreIT {
    private static final String BUCKET = "rgw-store-it";
    private static final String LOCKED_BUCKET = "rgw-store-it-locked";
    private static final String TS = "20240606060606";
    private static final String FOLDER = "rgw";
    private static final byte[] SSE_C_KEY = TestSecrets.sseCustomerKey();
    /** One part of the tests' 5 MiB and a short last one: the smallest multipart upload RGW takes. */
    private static final int MULTIPART = (6 << 20) + 17;
    private static final int SINGLE_PART = 1000;

    private Path work;
    private RgwServer rgw;
    private RawS3Client raw;
    private PluginRunner plugin;

    @BeforeAll
    void createBuckets(RgwServer shared, @TempDir Path dir) throws Exception {
        work = dir;
        rgw = shared;
        raw = rgw.client();
        rgw.createBucket(BUCKET);
        rgw.createBucketWithObjectLock(LOCKED_BUCKET);
        plugin = new PluginRunner(work.resolve("home"));
    }

    private Path config(String name, String bucket, Map<String, String> extra) throws Exception {
        return PluginConfigFile.handWritten(work.resolve("cfg-" + name), rgw.pluginOptions(bucket, FOLDER, extra));
    }

    private String dataPath(String name) throws Exception {
        return Files.createDirectories(work.resolve("gpseg0/backups/20240606/" + TS))
                .resolve("gpbackup_0_" + TS + "_" + name).toString();
    }

    private static String key(String name) {
        return FOLDER + "/backups/20240606/" + TS + "/gpbackup_0_" + TS + "_" + name;
    }

    private static String objectPath(String bucket, String name) {
        return "/" + bucket + "/" + SigV4Encoding.encodePath(key(name));
    }

    private static byte[] data(int size) {
        byte[] data = new byte[size];
        new SplittableRandom(size).nextBytes(data);
        return data;
    }

    private static Result ok(Result result) {
        assertEquals(0, result.exitCode(), result::toString);
        return result;
    }

    /** backup_data then restore_data of {@code data} with one config; returns what came back. */
    private byte[] roundTrip(Path config, String name, byte[] data) throws Exception {
        ok(plugin.run(data, "backup_data", config.toString(), dataPath(name)));
        return ok(plugin.run("restore_data", config.toString(), dataPath(name))).stdout();
    }

    private HttpHeaders head(String bucket, String name, List<Map.Entry<String, String>> headers) throws Exception {
        HttpResponse<String> response = raw.exchange("HEAD", objectPath(bucket, name), "", headers, new byte[0]);
        assertEquals(200, response.statusCode(), () -> "HEAD " + name + ": " + response.headers().map());
        return response.headers();
    }

    private static String header(HttpHeaders headers, String name) {
        return headers.firstValue(name).orElse("(none)");
    }

    @ParameterizedTest(name = "{0} bytes")
    @ValueSource(ints = {SINGLE_PART, MULTIPART})
    void aPlainBackupComesBackWhole(int size) throws Exception {
        byte[] data = data(size);
        String name = "plain" + size;
        assertArrayEquals(data, roundTrip(config("plain", BUCKET, Map.of()), name, data));
        // A multipart ETag is the MD5 of the parts' MD5s and their count: this one went up in two parts.
        assertEquals(size == MULTIPART, raw.etag(BUCKET, key(name)).endsWith("-2\""), raw.etag(BUCKET, key(name)));
        if (size == SINGLE_PART) {
            // What the encryption tests compare with: unencrypted, RADOS holds the bytes as sent.
            assertArrayEquals(data, rgw.storedBytes(BUCKET, key(name)));
        }
    }

    /** 64 KiB, the plugin's frame of client-side encryption. */
    private static final int FRAME = 64 << 10;

    /**
     * Client-side encryption against the real gateway: the bytes in RADOS are the sealed object (a header, then
     * the plaintext's length and 16 bytes a frame), none of the plaintext in them, and it comes back whole.
     */
    @ParameterizedTest(name = "{0} bytes")
    @ValueSource(ints = {0, 1, FRAME - 1, FRAME, FRAME + 1, MULTIPART})
    void aSealedBackupLeavesTheHostSealedAndComesBackWhole(int size) throws Exception {
        Path keyFile = work.resolve("cse.key");
        if (!Files.exists(keyFile)) {
            Files.write(keyFile, TestSecrets.cseKey());
            Files.setPosixFilePermissions(keyFile, PosixFilePermissions.fromString("rw-------"));
        }
        byte[] data = data(size);
        String name = "sealed" + size;
        Path config = config("sealed", BUCKET, Map.of("client_side_encryption", "on", "cse_key_file",
                keyFile.toString()));
        assertArrayEquals(data, roundTrip(config, name, data));
        assertEquals("v1", head(BUCKET, name, List.of()).firstValue("x-amz-meta-gpbackup-seal").orElse(""));
        if (size < MULTIPART) {
            // A single-part object lives in its head object in RADOS, which storedBytes reads.
            byte[] stored = rgw.storedBytes(BUCKET, key(name));
            long frames = Math.max(1, (size + FRAME - 1) / FRAME);
            assertEquals(62 + size + 16 * frames, stored.length);
            for (int at = 0; at + 32 <= size; at += Math.max(32, size / 8)) {
                byte[] run = Arrays.copyOfRange(data, at, at + 32);
                for (int i = 0; i + 32 <= stored.length; i++) {
                    assertFalse(Arrays.equals(stored, i, i + 32, run, 0, 32), "plaintext at " + at + " is in RADOS");
                }
            }
        } else {
            Path offsets = Files.writeString(work.resolve("offsets-sealed"), "2 100 70000 " + (size - 10) + " " + size);
            byte[] expected = new byte[69_900 + 10];
            System.arraycopy(data, 100, expected, 0, 69_900);
            System.arraycopy(data, size - 10, expected, 69_900, 10);
            assertArrayEquals(expected, ok(plugin.run("restore_data_subset", config.toString(), dataPath(name),
                    offsets.toString())).stdout());
        }
    }

    /** The object's bytes in RADOS are not the bytes sent: the gateway encrypted them. */
    private void assertEncryptedAtRest(String name, byte[] data) throws Exception {
        byte[] stored = rgw.storedBytes(BUCKET, key(name));
        assertEquals(data.length, stored.length, "RGW 16 keeps an encrypted object at its size");
        assertFalse(Arrays.equals(data, stored), "the stored bytes are the plaintext");
    }

    @ParameterizedTest(name = "{0} bytes")
    @ValueSource(ints = {SINGLE_PART, MULTIPART})
    void anSseCustomerKeyBackupIsEncryptedWithThatKeyAndComesBackWhole(int size) throws Exception {
        Path keyFile = work.resolve("sse-c.key");
        if (!Files.exists(keyFile)) {
            Files.write(keyFile, SSE_C_KEY);
            Files.setPosixFilePermissions(keyFile, PosixFilePermissions.fromString("rw-------"));
        }
        byte[] data = data(size);
        String name = "ssec" + size;
        Path config = config("ssec", BUCKET, Map.of("sse_customer_key_file", keyFile.toString()));
        assertArrayEquals(data, roundTrip(config, name, data));

        String keyMd5 = Base64.getEncoder().encodeToString(MessageDigest.getInstance("MD5").digest(SSE_C_KEY));
        HttpHeaders stored = head(BUCKET, name, List.of(
                Map.entry("x-amz-server-side-encryption-customer-algorithm", "AES256"),
                Map.entry("x-amz-server-side-encryption-customer-key", TestSecrets.sseCustomerKeyBase64()),
                Map.entry("x-amz-server-side-encryption-customer-key-md5", keyMd5)));
        assertEquals("AES256", header(stored, "x-amz-server-side-encryption-customer-algorithm"));
        assertEquals(keyMd5, header(stored, "x-amz-server-side-encryption-customer-key-md5"));
        assertEquals(String.valueOf(size), header(stored, "content-length"));
        if (size == SINGLE_PART) {
            assertEncryptedAtRest(name, data);
        }

        HttpResponse<String> withoutKey = raw.exchange("GET", objectPath(BUCKET, name), "", List.of(), new byte[0]);
        assertEquals(400, withoutKey.statusCode(), withoutKey::body);
        assertTrue(withoutKey.body().contains("<Code>InvalidArgument</Code>"), withoutKey.body());
    }

    @ParameterizedTest(name = "{0} bytes")
    @ValueSource(ints = {SINGLE_PART, MULTIPART})
    void anSseKmsBackupIsEncryptedUnderTheNamedKeyAndComesBackWhole(int size) throws Exception {
        kmsRoundTrip(RgwServer.KMS_KEY_ALIAS, size);
    }

    /** RGW names its keys freely (this one is a key of its testing KMS); with `endpoint` set any name is taken. */
    @Test
    void anSseKmsBackupUnderAKeyWithABareNameComesBackWhole() throws Exception {
        kmsRoundTrip(RgwServer.KMS_KEY_NAME, MULTIPART);
    }

    private void kmsRoundTrip(String kmsKey, int size) throws Exception {
        byte[] data = data(size);
        String name = "kms-" + kmsKey.replace('/', '-') + "-" + size;
        Path config = config("kms-" + kmsKey.replace('/', '-'), BUCKET,
                Map.of("server_side_encryption", "aws:kms", "sse_kms_key_id", kmsKey));
        assertArrayEquals(data, roundTrip(config, name, data));
        HttpHeaders stored = head(BUCKET, name, List.of());
        assertEquals("aws:kms", header(stored, "x-amz-server-side-encryption"));
        assertEquals(kmsKey, header(stored, "x-amz-server-side-encryption-aws-kms-key-id"));
        // Restoring needs no key: the gateway decrypts for any caller, as S3 does.
        assertArrayEquals(data, raw.get(BUCKET, key(name)));
        if (size == SINGLE_PART) {
            assertEncryptedAtRest(name, data);
        }
    }

    /**
     * RGW 16 answers 200 to x-amz-server-side-encryption: AES256, says nothing of it in the answer
     * or the HEAD, and keeps the object in RADOS as it came. The plugin takes the HEAD as the proof:
     * the upload fails in one line naming the option and the store, and the plaintext is deleted.
     */
    @ParameterizedTest(name = "{0} bytes")
    @ValueSource(ints = {SINGLE_PART, MULTIPART})
    void anSseS3BackupRgwIgnoresFailsInOneLineAndLeavesNothing(int size) throws Exception {
        String name = "sse-s3-" + size;
        Path config = config("sse-s3", BUCKET, Map.of("server_side_encryption", "AES256"));
        Result refused = plugin.run(data(size), "backup_data", config.toString(), dataPath(name));
        assertFalse(refused.exitCode() == 0, refused::toString);
        assertEquals(1, refused.stderr().lines().count(), refused.stderr());
        assertTrue(refused.stderr().contains("the store at " + rgw.endpoint() + " did not apply what the config asks"
                + " to s3://" + BUCKET + "/" + key(name) + " (server_side_encryption AES256: the store reports none);"
                + " the object was deleted and its upload failed"), refused.stderr());
        assertEquals(null, raw.get(BUCKET, key(name)), "no plaintext object is left");
        assertEquals(List.of(), raw.openUploads(BUCKET, key(name)), "no upload is left open");
    }

    /**
     * RGW 16 knows only the storage classes its zone group's placement lists (STANDARD by default)
     * and answers 400 InvalidArgument, with no message, to any other.
     */
    @ParameterizedTest(name = "{0} bytes")
    @ValueSource(ints = {SINGLE_PART, MULTIPART})
    void aStorageClassRgwDoesNotDefineIsRefusedInOneLineNamingTheOption(int size) throws Exception {
        String name = "class" + size;
        Path config = config("class", BUCKET, Map.of("storage_class", "STANDARD_IA"));
        Result refused = plugin.run(data(size), "backup_data", config.toString(), dataPath(name));
        assertFalse(refused.exitCode() == 0, refused::toString);
        assertEquals(1, refused.stderr().lines().count(), refused.stderr());
        assertTrue(refused.stderr().contains("refused storage_class (HTTP 400 InvalidArgument"), refused.stderr());
        assertEquals(null, raw.get(BUCKET, key(name)), "no object is left");
        assertEquals(List.of(), raw.openUploads(BUCKET, key(name)), "no upload is left open");
    }

    @Test
    void theSetupHookFindsObjectLockOnABucketCreatedWithIt() throws Exception {
        Path config = config("lock", LOCKED_BUCKET, lockOptions());
        ok(plugin.run(new byte[0], "setup_plugin_for_backup", config.toString(),
                work.resolve("master/backups/20240606/" + TS).toString(), "coordinator"));
        Path unlocked = config("lock-on-plain", BUCKET, lockOptions());
        Result refused = plugin.run(new byte[0], "setup_plugin_for_backup", unlocked.toString(),
                work.resolve("master/backups/20240606/" + TS).toString(), "coordinator");
        assertFalse(refused.exitCode() == 0, refused::toString);
        assertTrue(refused.stderr().contains("bucket '" + BUCKET + "' has no Object Lock enabled"), refused.stderr());
    }

    @Test
    void aLockedSinglePartBackupIsRetainedInGovernanceModeForTheDays() throws Exception {
        byte[] data = data(SINGLE_PART);
        Instant before = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        assertArrayEquals(data, roundTrip(config("lock", LOCKED_BUCKET, lockOptions()), "lock-single", data));
        HttpHeaders stored = head(LOCKED_BUCKET, "lock-single", List.of());
        assertEquals("GOVERNANCE", header(stored, "x-amz-object-lock-mode"));
        Instant until = Instant.parse(header(stored, "x-amz-object-lock-retain-until-date"));
        assertFalse(until.isBefore(before.plus(Duration.ofDays(1))), until::toString);
        assertTrue(until.isBefore(Instant.now().plus(Duration.ofDays(1)).plusSeconds(60)), until::toString);
    }

    /**
     * RGW 16 takes the lock headers on CreateMultipartUpload and drops them: the completed object
     * has no retention until the plugin, reading that from the HEAD, sets it with PutObjectRetention.
     */
    @Test
    void aLockedMultipartBackupGetsTheRetentionRgwDroppedAndComesBack() throws Exception {
        byte[] data = data(MULTIPART);
        Instant before = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        assertArrayEquals(data, roundTrip(config("lock", LOCKED_BUCKET, lockOptions()), "lock-multi", data));
        HttpHeaders stored = head(LOCKED_BUCKET, "lock-multi", List.of());
        assertEquals("GOVERNANCE", header(stored, "x-amz-object-lock-mode"));
        Instant until = Instant.parse(header(stored, "x-amz-object-lock-retain-until-date"));
        assertFalse(until.isBefore(before.plus(Duration.ofDays(1))), until::toString);
    }

    /**
     * A backup under Object Lock is deleted neither by delete_backup (refused whole) nor by prune
     * (skipped), and nothing of it goes: on a real store whose locks hold.
     */
    @Test
    void aLockedBackupIsLeftWholeByDeleteBackupAndByPrune() throws Exception {
        Path config = config("lock-catalog", LOCKED_BUCKET, Map.of("object_lock_mode", "GOVERNANCE",
                "object_lock_retain_days", "1"));
        String old = "20230101010101";
        String newer = "20230202020202";
        for (String ts : List.of(old, newer)) {
            Path dir = Files.createDirectories(work.resolve("catalog/backups/" + ts.substring(0, 8) + "/" + ts));
            ok(plugin.run(data(SINGLE_PART), "backup_data", config.toString(),
                    dir.resolve("gpbackup_0_" + ts + "_16384").toString()));
            Path report = Files.writeString(dir.resolve("gpbackup_" + ts + "_report"),
                    "Greenplum Database Backup Report\n\nbackup status:         Success\n");
            ok(plugin.run("backup_file", config.toString(), report.toString()));
        }
        String oldPrefix = FOLDER + "/backups/" + old.substring(0, 8) + "/" + old + "/";
        List<String> oldKeys = raw.keys(LOCKED_BUCKET, oldPrefix);
        assertEquals(2, oldKeys.size(), oldKeys::toString);

        Result refused = plugin.run("delete_backup", config.toString(), old);
        assertFalse(refused.exitCode() == 0, refused::toString);
        assertEquals(1, refused.stderr().lines().count(), refused.stderr());
        assertTrue(refused.stderr().contains("nothing was deleted"), refused.stderr());
        assertEquals(oldKeys, raw.keys(LOCKED_BUCKET, oldPrefix));

        Result pruned = plugin.run("prune", config.toString(), "--keep-last", "1", "--yes");
        assertTrue(pruned.stdoutText().contains(old), pruned::toString);
        assertEquals(oldKeys, raw.keys(LOCKED_BUCKET, oldPrefix), pruned::toString);
    }

    private static Map<String, String> lockOptions() {
        return Map.of("object_lock_mode", "GOVERNANCE", "object_lock_retain_days", "1");
    }
}
