package gpbackup.s3plugin.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gpbackup.s3plugin.leaks.TestSecrets;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The storage options (spec/config.md, "Storage"): each accepted as S3 spells it, each bad value one clear problem. */
class StorageOptionsConfigTest {
    private static final String SOURCE = "/home/gpadmin/s3.yaml";
    private static final byte[] KEY = TestSecrets.sseCustomerKey();
    private static final String KEY_BASE64 = Base64.getEncoder().encodeToString(KEY);

    @TempDir
    Path dir;

    private final Map<String, String> environment = new java.util.HashMap<>(Map.of("HOME", "/home/gpadmin"));

    private static String configWith(String... optionLines) {
        return configAt("region: us-east-1", optionLines);
    }

    /** A config whose first option line says where the store is: a region (AWS) or an endpoint. */
    private static String configAt(String where, String... optionLines) {
        StringBuilder yaml = new StringBuilder("""
                executablepath: /usr/local/greenplum-db/bin/gpbackup_s3_plugin
                options:
                  bucket: my-bucket
                  folder: test/backup
                """).append("  ").append(where).append('\n');
        for (String line : optionLines) {
            yaml.append("  ").append(line).append('\n');
        }
        return yaml.toString();
    }

    private StorageOptions storage(String... optionLines) {
        return new ConfigLoader(environment::get).parse(configWith(optionLines), SOURCE).storage();
    }

    private String failure(String... optionLines) {
        ConfigException e = assertThrows(ConfigException.class,
                () -> new ConfigLoader(environment::get).parse(configWith(optionLines), SOURCE));
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertFalse(e.getMessage().contains(KEY_BASE64), e.getMessage());
        assertFalse(e.getMessage().contains(new String(KEY, StandardCharsets.US_ASCII)), e.getMessage());
        return e.getMessage().substring(("invalid plugin config " + SOURCE + ": ").length());
    }

    private Path keyFile(byte[] content, String permissions) throws IOException {
        Path file = dir.resolve("sse-c.key");
        Files.write(file, content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(permissions));
        return file;
    }

    @Test
    void noStorageOptionsMeanTheBucketsDefaults() {
        assertEquals(StorageOptions.NONE, storage());
    }

    @Test
    void kmsWithKeyContextAndBucketKey() {
        StorageOptions options = storage("server_side_encryption: aws:kms",
                "sse_kms_key_id: arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
                "sse_kms_encryption_context: project=dw, env = prod",
                "sse_bucket_key: ON");
        assertEquals(Optional.of("aws:kms"), options.serverSideEncryption());
        assertEquals(Optional.of("arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"),
                options.kmsKeyId());
        assertEquals(Map.of("project", "dw", "env", "prod"), options.kmsEncryptionContext());
        assertEquals(Optional.of(true), options.bucketKey());
    }

    @ParameterizedTest
    @ValueSource(strings = {"1234abcd-12ab-34cd-56ef-1234567890ab", "mrk-1234abcd12ab34cd56ef1234567890ab",
            "alias/backup-key", "arn:aws:kms:eu-west-1:111122223333:alias/backup_key",
            "arn:aws-us-gov:kms:us-gov-west-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab"})
    void kmsKeyIdsOfEveryShapeAreTaken(String id) {
        assertEquals(Optional.of(id), storage("server_side_encryption: aws:kms", "sse_kms_key_id: " + id).kmsKeyId());
    }

    @ParameterizedTest
    @ValueSource(strings = {"my-key", "1234abcd-12ab-34cd-56ef", "alias/", "arn:aws:kms:us-east-1:1111:key/x",
            "arn:aws:s3:::bucket", "alias/bad key"})
    void malformedKmsKeyIdsAreRefused(String id) {
        String problem = failure("server_side_encryption: aws:kms", "sse_kms_key_id: '" + id + "'");
        assertTrue(problem.startsWith("sse_kms_key_id: \"" + id + "\" is not a KMS key id"), problem);
    }

    @Test
    void aPlainKeyNameOnAwsSaysWhereSuchNamesWork() {
        assertEquals("sse_kms_key_id: \"my-backup-key\" is not a KMS key id (a UUID or mrk-…), an alias"
                + " (alias/NAME) or an ARN (arn:aws:kms:REGION:ACCOUNT:key/ID or …:alias/NAME); plain key names"
                + " are taken only with the endpoint of an S3-compatible store",
                failure("server_side_encryption: aws:kms", "sse_kms_key_id: my-backup-key"));
    }

    /** Ceph's Vault, KMIP and testing backends and MinIO's KES name keys as their admin chose. */
    @ParameterizedTest
    @ValueSource(strings = {"my-backup-key", "gpbackup", "testkey-1", "vault/transit:key_2",
            "1234abcd-12ab-34cd-56ef-1234567890ab", "alias/backup-key"})
    void anS3CompatibleStoreTakesAnyKeyName(String id) {
        String config = configAt("endpoint: https://ceph.example.com:8443", "server_side_encryption: aws:kms",
                "sse_kms_key_id: '" + id + "'");
        StorageOptions options = new ConfigLoader(environment::get).parse(config, SOURCE).storage();
        assertEquals(Optional.of(id), options.kmsKeyId());
    }

    @ParameterizedTest
    @ValueSource(strings = {"my key", "key\\tname", " ", "key\\u0007", "ключ"})
    void anS3CompatibleStoreRefusesKeyNamesThatCannotBeAHeader(String id) {
        String config = configAt("endpoint: minio.local:9000", "server_side_encryption: aws:kms",
                "sse_kms_key_id: \"" + id + "\"");
        ConfigException e = assertThrows(ConfigException.class,
                () -> new ConfigLoader(environment::get).parse(config, SOURCE));
        String problem = e.getMessage().substring(("invalid plugin config " + SOURCE + ": ").length());
        assertFalse(problem.contains("\n"), problem);
        assertTrue(problem.startsWith("sse_kms_key_id: \"") && problem.endsWith("\" is not a KMS key name (printable"
                + " ASCII characters without spaces, such as my-backup-key)"), problem);
    }

    /** An endpoint at amazonaws.com (regional, FIPS, VPC) is AWS's KMS, which knows only its own shapes. */
    @ParameterizedTest
    @ValueSource(strings = {"s3.eu-west-1.amazonaws.com", "https://s3-fips.us-east-1.amazonaws.com/",
            "https://bucket.vpce-1a2b3c4d-5e6f.s3.us-east-1.vpce.amazonaws.com:443", "S3.CN-NORTH-1.AMAZONAWS.COM.CN"})
    void anAwsEndpointKeepsAwsKeyShapes(String endpoint) {
        String config = configAt("endpoint: " + endpoint, "server_side_encryption: aws:kms",
                "sse_kms_key_id: my-backup-key");
        ConfigException e = assertThrows(ConfigException.class,
                () -> new ConfigLoader(environment::get).parse(config, SOURCE));
        assertTrue(e.getMessage().contains("sse_kms_key_id: \"my-backup-key\" is not a KMS key id"), e.getMessage());
    }

    @Test
    void aKeyNameStillNeedsKmsOnAnS3CompatibleStore() {
        String config = configAt("endpoint: minio.local:9000", "sse_kms_key_id: my-backup-key");
        ConfigException e = assertThrows(ConfigException.class,
                () -> new ConfigLoader(environment::get).parse(config, SOURCE));
        assertEquals("invalid plugin config " + SOURCE + ": sse_kms_key_id needs server_side_encryption: aws:kms",
                e.getMessage());
    }

    @Test
    void sseS3IsAes256InAnyCase() {
        assertEquals(Optional.of("AES256"), storage("server_side_encryption: aes256").serverSideEncryption());
    }

    @Test
    void unknownServerSideEncryptionIsRefused() {
        assertEquals("server_side_encryption: \"aws:kms:dsse\" must be AES256 (SSE-S3) or aws:kms (SSE-KMS);"
                + " for SSE-C set sse_customer_key_file or sse_customer_key_env",
                failure("server_side_encryption: aws:kms:dsse"));
    }

    @Test
    void kmsOptionsWithoutKmsAreRefused() {
        assertEquals("sse_kms_key_id needs server_side_encryption: aws:kms; sse_bucket_key needs"
                + " server_side_encryption: aws:kms", failure("server_side_encryption: AES256",
                "sse_kms_key_id: alias/k", "sse_bucket_key: on"));
        assertEquals("sse_kms_encryption_context needs server_side_encryption: aws:kms",
                failure("sse_kms_encryption_context: a=b"));
    }

    @Test
    void malformedEncryptionContextIsRefused() {
        assertTrue(failure("server_side_encryption: aws:kms", "sse_kms_encryption_context: a=b,c")
                .startsWith("sse_kms_encryption_context: \"c\" is not name=value"));
        assertTrue(failure("server_side_encryption: aws:kms", "sse_kms_encryption_context: a=b,a=c")
                .startsWith("sse_kms_encryption_context: 'a' is given twice"));
    }

    @Test
    void anEncryptionContextAsAYamlMappingIsRefusedAsGpbackupWould() {
        assertTrue(failure("server_side_encryption: aws:kms", "sse_kms_encryption_context: {a: b}")
                .contains("option 'sse_kms_encryption_context' must be a single value, not a mapping"));
    }

    @Test
    void customerKeyFromAnOwnerOnlyFileOfRawBytes() throws IOException {
        Path file = keyFile(KEY, "rw-------");
        CustomerKey key = storage("sse_customer_key_file: " + file).customerKey().orElseThrow();
        assertEquals(KEY_BASE64, key.base64());
        assertEquals("file " + file, key.source());
    }

    @Test
    void customerKeyFromAFileOfBase64WithANewline() throws IOException {
        Path file = keyFile((KEY_BASE64 + "\n").getBytes(StandardCharsets.US_ASCII), "r--------");
        assertEquals(KEY_BASE64, storage("sse_customer_key_file: " + file).customerKey().orElseThrow().base64());
    }

    @Test
    void customerKeyFromTheNamedEnvironmentVariable() {
        environment.put("GP_SSE_C_KEY", KEY_BASE64);
        CustomerKey key = storage("sse_customer_key_env: GP_SSE_C_KEY").customerKey().orElseThrow();
        assertEquals(KEY_BASE64, key.base64());
        assertEquals("environment variable GP_SSE_C_KEY", key.source());
    }

    @Test
    void aKeyOf31BytesIsRefused() throws IOException {
        byte[] short31 = java.util.Arrays.copyOf(KEY, 31);
        Path file = keyFile(short31, "rw-------");
        assertEquals("sse_customer_key_file \"" + file + "\": the file holds 31 bytes; SSE-C needs a key of 32 raw"
                + " bytes or 32 bytes in base64 (44 characters)", failure("sse_customer_key_file: " + file));
        keyFile(Base64.getEncoder().encode(short31), "rw-------");
        assertEquals("sse_customer_key_file \"" + file + "\": the key has 31 bytes; SSE-C needs 32 (256 bits)",
                failure("sse_customer_key_file: " + file));
        environment.put("GP_SSE_C_KEY", Base64.getEncoder().encodeToString(short31));
        assertEquals("sse_customer_key_env \"GP_SSE_C_KEY\": the key has 31 bytes; SSE-C needs 32 (256 bits)",
                failure("sse_customer_key_env: GP_SSE_C_KEY"));
    }

    @Test
    void aKeyFileThatIsMissingIsRefused() {
        Path file = dir.resolve("missing.key");
        assertEquals("sse_customer_key_file \"" + file + "\": does not exist", failure("sse_customer_key_file: " + file));
    }

    @ParameterizedTest
    @ValueSource(strings = {"rw-r--r--", "rw----r--", "rw-r-----", "rw--w----"})
    void aKeyFileOthersMayReadIsRefused(String permissions) throws IOException {
        Path file = keyFile(KEY, permissions);
        assertEquals("sse_customer_key_file \"" + file + "\": group or others may read or write it; make it"
                + " readable by its owner only (chmod 600)", failure("sse_customer_key_file: " + file));
    }

    @Test
    void aKeyFileOfNeitherRawBytesNorBase64IsRefusedWithoutQuotingIt() throws IOException {
        Path file = keyFile("not a key at all, and not base64!".getBytes(StandardCharsets.US_ASCII), "rw-------");
        String problem = failure("sse_customer_key_file: " + file);
        assertEquals("sse_customer_key_file \"" + file + "\": the file holds 33 bytes; SSE-C needs a key of 32 raw"
                + " bytes or 32 bytes in base64 (44 characters)", problem);
    }

    @Test
    void anUnsetKeyVariableIsRefused() {
        assertEquals("sse_customer_key_env \"NO_SUCH_VAR\": the environment variable is not set",
                failure("sse_customer_key_env: NO_SUCH_VAR"));
    }

    @Test
    void sseCustomerKeyExcludesServerSideEncryptionAndTheOtherKeySource() throws IOException {
        Path file = keyFile(KEY, "rw-------");
        environment.put("K", KEY_BASE64);
        assertTrue(failure("server_side_encryption: AES256", "sse_customer_key_env: K")
                .startsWith("server_side_encryption and SSE-C"));
        assertEquals("sse_customer_key_file and sse_customer_key_env exclude each other: set one",
                failure("sse_customer_key_file: " + file, "sse_customer_key_env: K"));
    }

    @Test
    void theKeyItselfCannotBeWrittenInTheConfig() {
        assertTrue(failure("sse_customer_key: " + KEY_BASE64).startsWith("unknown option 'sse_customer_key'"));
    }

    @Test
    void theCustomerKeyIsMaskedInThePrintedConfig() throws IOException {
        Path file = keyFile(KEY, "rw-------");
        PluginConfig config = new ConfigLoader(environment::get).parse(configWith("sse_customer_key_file: " + file),
                SOURCE);
        assertFalse(config.toString().contains(KEY_BASE64), config.toString());
        assertTrue(config.toString().contains("CustomerKey[source=file " + file + ", key=****]"), config.toString());
        assertFalse(config.storage().toString().contains(KEY_BASE64));
    }

    @Test
    void storageClassIsOneOfS3s() {
        assertEquals(Optional.of("GLACIER_IR"), storage("storage_class: glacier_ir").storageClass());
        assertEquals("storage_class: \"COLD\" is not an S3 storage class (valid: STANDARD, REDUCED_REDUNDANCY,"
                + " STANDARD_IA, ONEZONE_IA, INTELLIGENT_TIERING, GLACIER, DEEP_ARCHIVE, GLACIER_IR, OUTPOSTS, SNOW,"
                + " EXPRESS_ONEZONE)", failure("storage_class: COLD"));
    }

    @Test
    void objectLockNeedsAModeAndAtLeastOneDay() {
        StorageOptions options = storage("object_lock_mode: governance", "object_lock_retain_days: 30");
        assertEquals(Optional.of("GOVERNANCE"), options.objectLockMode());
        assertEquals(30, options.objectLockRetainDays());
        assertEquals("object_lock_mode needs object_lock_retain_days (how many days each object stays locked)",
                failure("object_lock_mode: COMPLIANCE"));
        assertEquals("object_lock_retain_days needs object_lock_mode (GOVERNANCE or COMPLIANCE)",
                failure("object_lock_retain_days: 7"));
        assertEquals("object_lock_mode: \"LEGAL\" must be GOVERNANCE or COMPLIANCE",
                failure("object_lock_mode: LEGAL", "object_lock_retain_days: 7"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "-1", "-30", "36501"})
    void retainDaysOutOfRangeAreRefused(String days) {
        assertEquals("object_lock_retain_days: \"" + days + "\" is out of range (allowed 1 to 36500 days)",
                failure("object_lock_mode: COMPLIANCE", "object_lock_retain_days: '" + days + "'"));
    }

    @Test
    void retainDaysMustBeANumber() {
        assertEquals("object_lock_retain_days: \"30d\" is not a whole number of days",
                failure("object_lock_mode: COMPLIANCE", "object_lock_retain_days: 30d"));
    }
}
