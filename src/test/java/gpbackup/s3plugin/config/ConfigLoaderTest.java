package gpbackup.s3plugin.config;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gpbackup.s3plugin.leaks.TestSecrets;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ConfigLoaderTest {

    private static final long MIB = 1024L * 1024;
    private static final long GIB = 1024 * MIB;
    private static final String SOURCE = "/home/gpadmin/s3.yaml";

    private final ConfigLoader loader = new ConfigLoader(
            Map.of("HOME", "/home/gpadmin", "GPHOME", "/usr/local/greenplum-db")::get);

    /** A valid config with the given lines added under options (each indented by the caller's two spaces). */
    private static String configWith(String... optionLines) {
        StringBuilder yaml = new StringBuilder("""
                executablepath: /usr/local/greenplum-db/bin/gpbackup_s3_plugin
                options:
                  region: us-east-1
                  bucket: my-bucket
                  folder: test/backup
                """);
        for (String line : optionLines) {
            yaml.append("  ").append(line).append('\n');
        }
        return yaml.toString();
    }

    private PluginConfig parse(String yaml) {
        return loader.parse(yaml, SOURCE);
    }

    /** Parses text that must fail, and checks the message is one clean stderr line. */
    private String failure(String yaml) {
        ConfigException e = assertThrows(ConfigException.class, () -> parse(yaml));
        assertOneCleanLine(e.getMessage());
        assertTrue(e.getMessage().startsWith("invalid plugin config " + SOURCE + ": "), e.getMessage());
        return e.getMessage();
    }

    private static void assertOneCleanLine(String message) {
        assertAll(
                () -> assertFalse(message.contains("\n"), "newline in: " + message),
                () -> assertFalse(message.contains("\r"), "carriage return in: " + message),
                () -> assertFalse(message.contains("Exception"), "exception name in: " + message),
                () -> assertFalse(message.contains("org.yaml"), "class name in: " + message),
                () -> assertFalse(message.contains("^"), "snippet pointer in: " + message));
    }

    @Nested
    class ReadingValuesAsText {

        @ParameterizedTest(name = "encryption: {0} is off")
        @ValueSource(strings = {"off", "\"off\"", "OFF", "'Off'", "oFf"})
        void encryptionOffInAnyCaseOrQuotingTurnsItOff(String value) {
            assertFalse(parse(configWith("encryption: " + value)).encryption());
        }

        @ParameterizedTest(name = "encryption: {0} is on")
        @ValueSource(strings = {"no", "false", "on", "\"on\"", "yes", "true", "0", "\"\"", ""})
        void anyOtherEncryptionValueLeavesItOn(String value) {
            assertTrue(parse(configWith("encryption: " + value)).encryption());
        }

        @Test
        void encryptionIsOnWhenAbsent() {
            assertTrue(parse(configWith()).encryption());
        }

        @Test
        void yaml11LookalikesStayTheTextAsWritten() {
            PluginConfig config = parse("""
                    executablepath: /bin/plugin
                    options:
                      bucket: yes
                      folder: 010
                      region: 1e3
                      endpoint: 0x1F
                    """);
            assertEquals("yes", config.bucket());
            assertEquals("010", config.folder());
            assertEquals(Optional.of("1e3"), config.region());
            assertEquals(Optional.of("0x1F"), config.endpoint());
        }

        @Test
        void handWrittenAndGpbackupRewrittenFormsLoadTheSame() {
            PluginConfig handWritten = parse("""
                    # S3 plugin config for the nightly backup
                    executablepath: $GPHOME/bin/gpbackup_s3_plugin
                    options:
                      region: us-east-1
                      endpoint: 127.0.0.1:9000
                      aws_access_key_id: AKIAIOSFODNN7EXAMPLE
                      aws_secret_access_key: abc
                      bucket: my-bucket
                      folder: test/backup
                      encryption: off
                      restore_subset: on
                    """);
            PluginConfig rewritten = parse("""
                    executablepath: /usr/local/greenplum-db/bin/gpbackup_s3_plugin
                    options:
                      aws_access_key_id: AKIAIOSFODNN7EXAMPLE
                      aws_secret_access_key: abc
                      backup_plugin_version: 0.1.0
                      bucket: my-bucket
                      encryption: "off"
                      endpoint: 127.0.0.1:9000
                      folder: test/backup
                      pgport: "6000"
                      region: us-east-1
                      restore_subset: "on"
                    """);
            assertEquals(handWritten, rewritten);
            assertEquals(new PluginConfig("/usr/local/greenplum-db/bin/gpbackup_s3_plugin", "my-bucket",
                    "test/backup", Optional.of("us-east-1"), Optional.of("127.0.0.1:9000"), false,
                    Optional.of("AKIAIOSFODNN7EXAMPLE"), Optional.of("abc"), Optional.empty(), Optional.empty(),
                    new TransferSettings(500 * MIB, 16), new TransferSettings(500 * MIB, 16), 10, true,
                    Optional.empty(), 128 * MIB, new AgentSettings(true, Duration.ofMinutes(30)), StorageOptions.NONE,
                    Optional.empty(), OptionalLong.empty(), Optional.empty()),
                    rewritten);
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"folder:", "folder: \"\"", "folder: ''", "folder: ~", "folder: null"})
        void anEmptyOrNullValueCountsAsAbsent(String line) {
            String yaml = """
                    executablepath: /bin/plugin
                    options:
                      bucket: b
                      region: r
                    """ + "  " + line + "\n";
            assertEquals("invalid plugin config " + SOURCE + ": folder is required", failure(yaml));
        }

        @Test
        void quotedNullIsText() {
            assertEquals("null", parse("""
                    executablepath: /bin/plugin
                    options:
                      bucket: b
                      region: r
                      folder: "null"
                    """).folder());
        }

        @Test
        void emptyOptionsTakeTheirDefaults() {
            assertEquals(parse(configWith()), parse(configWith(
                    "backup_multipart_chunksize: \"\"", "restore_max_concurrent_requests:",
                    "max_request_retries: ~", "endpoint:", "restore_subset: \"\"")));
        }

        @Test
        void aByteOrderMarkIsIgnored() {
            assertEquals(parse(configWith()), parse("\uFEFF" + configWith()));
        }
    }

    @Nested
    class Defaults {

        @Test
        void unsetTuningOptionsTakeThePluginDefaults() {
            PluginConfig config = parse(configWith());
            assertEquals(new TransferSettings(500 * MIB, 16), config.backup());
            assertEquals(new TransferSettings(500 * MIB, 16), config.restore());
            assertEquals(10, config.maxRequestRetries());
            assertTrue(config.encryption());
            assertFalse(config.restoreSubset());
            assertEquals(Optional.empty(), config.endpoint());
            assertEquals(Optional.empty(), config.accessKeyId());
            assertEquals(Optional.empty(), config.secretAccessKey());
            assertEquals(Optional.empty(), config.httpProxy());
        }

        @Test
        void everyOptionIsRead() {
            PluginConfig config = parse("""
                    executablepath: /bin/plugin
                    options:
                      endpoint: https://minio.example.com:9000
                      aws_access_key_id: AKID
                      aws_secret_access_key: SECRET
                      bucket: b
                      folder: /backups/prod/
                      http_proxy: http://proxy:3128
                      backup_max_concurrent_requests: 16
                      backup_multipart_chunksize: 64MB
                      restore_max_concurrent_requests: 32
                      restore_multipart_chunksize: 1.5GB
                      max_request_retries: 0
                      ca_cert: /etc/ssl/minio.pem
                      agent: "off"
                      agent_idle_timeout: 90
                      memory_budget: 256MB
                      audit_log: /var/log/gpbackup/s3-audit.jsonl
                    """);
            assertEquals(new PluginConfig("/bin/plugin", "b", "/backups/prod", Optional.empty(),
                    Optional.of("https://minio.example.com:9000"), true, Optional.of("AKID"),
                    Optional.of("SECRET"), Optional.empty(), Optional.of("http://proxy:3128"),
                    new TransferSettings(64 * MIB, 16), new TransferSettings(1536 * MIB, 32), 0, false,
                    Optional.of("/etc/ssl/minio.pem"), 256 * MIB, new AgentSettings(false, Duration.ofSeconds(90)),
                    StorageOptions.NONE, Optional.of("/var/log/gpbackup/s3-audit.jsonl"), OptionalLong.empty(), Optional.empty()),
                    config);
        }
    }

    @Nested
    class Numbers {

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"backup_max_concurrent_requests", "restore_max_concurrent_requests",
                "max_request_retries"})
        void quotedAndUnquotedNumbersAreTheSame(String option) {
            PluginConfig plain = parse(configWith(option + ": 7"));
            assertEquals(plain, parse(configWith(option + ": \"7\"")));
            assertEquals(plain, parse(configWith(option + ": '7'")));
            assertEquals(plain, parse(configWith(option + ": +7")));
        }

        @ParameterizedTest(name = "{0}: {1}")
        @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
                backup_max_concurrent_requests  | 1   | 1
                backup_max_concurrent_requests  | 64  | 64
                restore_max_concurrent_requests | 1   | 1
                restore_max_concurrent_requests | 64  | 64
                max_request_retries             | 0   | 0
                max_request_retries             | 100 | 100
                """)
        void countsAtTheEdgesOfTheirRangeAreAccepted(String option, String text, int value) {
            PluginConfig config = parse(configWith(option + ": " + text));
            int read = switch (option) {
                case "backup_max_concurrent_requests" -> config.backup().concurrency();
                case "restore_max_concurrent_requests" -> config.restore().concurrency();
                default -> config.maxRequestRetries();
            };
            assertEquals(value, read);
        }

        @ParameterizedTest(name = "{0}: {1}")
        @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
                backup_max_concurrent_requests  | "six"  | "backup_max_concurrent_requests: ""six"" is not a whole number"
                backup_max_concurrent_requests  | "1.5"  | "backup_max_concurrent_requests: ""1.5"" is not a whole number"
                backup_max_concurrent_requests  | "0"    | "backup_max_concurrent_requests: ""0"" is out of range (allowed 1 to 64)"
                backup_max_concurrent_requests  | "65"   | "backup_max_concurrent_requests: ""65"" is out of range (allowed 1 to 64)"
                restore_max_concurrent_requests | "-1"   | "restore_max_concurrent_requests: ""-1"" is out of range (allowed 1 to 64)"
                restore_max_concurrent_requests | "99999999999999999999" | "restore_max_concurrent_requests: ""99999999999999999999"" is out of range (allowed 1 to 64)"
                max_request_retries             | "ten"  | "max_request_retries: ""ten"" is not a whole number"
                max_request_retries             | "101"  | "max_request_retries: ""101"" is out of range (allowed 0 to 100)"
                max_request_retries             | "-1"   | "max_request_retries: ""-1"" is out of range (allowed 0 to 100)"
                agent_idle_timeout              | "0"    | "agent_idle_timeout: ""0"" is out of range (allowed 1 to 86400)"
                agent_idle_timeout              | "1h"   | "agent_idle_timeout: ""1h"" is not a whole number"
                agent                           | "yes"  | "agent: ""yes"" must be on or off"
                """)
        void badCountsNameTheOptionAndTheText(String option, String text, String problem) {
            assertEquals("invalid plugin config " + SOURCE + ": " + problem,
                    failure(configWith(option + ": \"" + text + "\"")));
        }
    }

    @Nested
    class Sizes {

        @ParameterizedTest(name = "{0}")
        @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
                5MB        | 5242880
                5 MiB      | 5242880
                5242880    | 5242880
                10m        | 10485760
                1G         | 1073741824
                1.5GB      | 1610612736
                0.5GiB     | 536870912
                5120KB     | 5242880
                5GB        | 5368709120
                "5 gb"     | 5368709120
                """)
        void backupChunkSizeAcceptsEveryUnitAndDecimals(String text, long bytes) {
            assertEquals(bytes, parse(configWith("backup_multipart_chunksize: " + text)).backup().chunkSize());
        }

        @ParameterizedTest(name = "{0}")
        @CsvSource(delimiter = '|', textBlock = """
                1MB     | 1048576
                1024KB  | 1048576
                1048576 | 1048576
                5GB     | 5368709120
                """)
        void restoreChunkSizeMayBeFrom1MiBTo5GiB(String text, long bytes) {
            assertEquals(bytes, parse(configWith("restore_multipart_chunksize: " + text)).restore().chunkSize());
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"1048575", "5368709121"})
        void restoreChunkSizeOneByteOutsideTheBoundsIsRefused(String text) {
            assertTrue(failure(configWith("restore_multipart_chunksize: " + text))
                    .contains("restore_multipart_chunksize: \"" + text + "\" is "));
        }

        @ParameterizedTest(name = "{0}: \"{1}\"")
        @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
                backup_multipart_chunksize  | "12XB"  | "backup_multipart_chunksize: ""12XB"" is not a size: unknown unit 'XB' (use B, KB, MB, GB or TB; all are powers of 1024)"
                backup_multipart_chunksize  | "-5MB"  | "backup_multipart_chunksize: ""-5MB"" is not a size: a size cannot be negative"
                backup_multipart_chunksize  | "0"     | "backup_multipart_chunksize: ""0"" is below the minimum of 5MB (S3 multipart parts must be 5MB to 5GB)"
                backup_multipart_chunksize  | "1KB"   | "backup_multipart_chunksize: ""1KB"" is below the minimum of 5MB (S3 multipart parts must be 5MB to 5GB)"
                backup_multipart_chunksize  | "6GB"   | "backup_multipart_chunksize: ""6GB"" is above the maximum of 5GB (S3 multipart parts must be 5MB to 5GB)"
                backup_multipart_chunksize  | "   "   | "backup_multipart_chunksize: ""   "" is not a size: it is empty"
                backup_multipart_chunksize  | "1.5B"  | "backup_multipart_chunksize: ""1.5B"" is not a size: it is not a whole number of bytes"
                restore_multipart_chunksize | "512KB" | "restore_multipart_chunksize: ""512KB"" is below the minimum of 1MB (allowed 1MB to 5GB)"
                restore_multipart_chunksize | "6GB"   | "restore_multipart_chunksize: ""6GB"" is above the maximum of 5GB (allowed 1MB to 5GB)"
                restore_multipart_chunksize | "MB"    | "restore_multipart_chunksize: ""MB"" is not a size: it must start with a number such as 500 or 1.5"
                memory_budget               | "8MB"   | "memory_budget: ""8MB"" is below the minimum of 16MB (allowed 16MB to 64GB)"
                memory_budget               | "65GB"  | "memory_budget: ""65GB"" is above the maximum of 64GB (allowed 16MB to 64GB)"
                """)
        void badSizesNameTheOptionAndSayWhy(String option, String text, String problem) {
            assertEquals("invalid plugin config " + SOURCE + ": " + problem,
                    failure(configWith(option + ": \"" + text + "\"")));
        }
    }

    @Nested
    class MaxBandwidth {

        @ParameterizedTest(name = "{0}")
        @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
                200MB       | 209715200
                200MB/s     | 209715200
                "200 MB / s"| 209715200
                1.5GB/sec   | 1610612736
                1MB         | 1048576
                1TB/second  | 1099511627776
                """)
        void aSizeASecondInThePowersOf1024OfEverySize(String text, long bytesPerSecond) {
            assertEquals(bytesPerSecond, parse(configWith("max_bandwidth: " + text)).maxBandwidth().getAsLong());
        }

        @Test
        void unlimitedUnlessSet() {
            assertTrue(parse(configWith()).maxBandwidth().isEmpty());
        }

        @ParameterizedTest(name = "{0}")
        @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
                "fast"   | "max_bandwidth: ""fast"" is not a size"
                "-5MB"   | "max_bandwidth: ""-5MB"" is not a size: a size cannot be negative"
                "0"      | "max_bandwidth: ""0"" is out of range (allowed 1MB to 1TB a second)"
                "512KB"  | "max_bandwidth: ""512KB"" is out of range (allowed 1MB to 1TB a second)"
                "2TB/s"  | "max_bandwidth: ""2TB/s"" is out of range (allowed 1MB to 1TB a second)"
                "200MB/h"| "max_bandwidth: ""200MB/h"" is not a size"
                """)
        void aBadValueIsOneLineNamingTheOption(String text, String expected) {
            assertTrue(failure(configWith("max_bandwidth: \"" + text + "\"")).contains(expected),
                    failure(configWith("max_bandwidth: \"" + text + "\"")));
        }
    }

    @Nested
    class Rules {

        @ParameterizedTest(name = "folder {0} becomes {1}")
        @CsvSource(delimiter = '|', textBlock = """
                test/backup    | test/backup
                test/backup/   | test/backup
                test/backup/// | test/backup
                /test/backup/  | /test/backup
                /test          | /test
                """)
        void folderLosesTrailingSlashesButKeepsALeadingOne(String written, String folder) {
            assertEquals(folder, parse("""
                    executablepath: /bin/plugin
                    options:
                      bucket: b
                      region: r
                    """ + "  folder: " + written + "\n").folder());
        }

        @ParameterizedTest(name = "folder {0}")
        @ValueSource(strings = {"/", "'///'"})
        void aFolderOfOnlySlashesIsRejected(String written) {
            String message = failure("""
                    executablepath: /bin/plugin
                    options:
                      bucket: b
                      region: r
                    """ + "  folder: " + written + "\n");
            assertTrue(message.endsWith("must name a folder, not only slashes"), message);
        }

        @Test
        void endpointAloneIsEnough() {
            PluginConfig config = parse("""
                    executablepath: /bin/plugin
                    options:
                      endpoint: localhost:9000
                      bucket: b
                      folder: f
                    """);
            assertEquals(Optional.empty(), config.region());
            assertEquals(Optional.of("localhost:9000"), config.endpoint());
        }

        @Test
        void bucketFolderAndRegionOrEndpointAreRequired() {
            assertEquals("invalid plugin config " + SOURCE
                    + ": bucket is required; folder is required; region or endpoint is required",
                    failure("executablepath: /bin/plugin\noptions:\n  encryption: on\n"));
        }

        @Test
        void emptyOptionsMappingNamesEverythingMissing() {
            assertEquals("invalid plugin config " + SOURCE
                    + ": bucket is required; folder is required; region or endpoint is required",
                    failure("executablepath: /bin/plugin\noptions:\n"));
        }

        @Test
        void accessKeyIdWithoutSecretIsRejected() {
            assertEquals("invalid plugin config " + SOURCE
                    + ": aws_access_key_id is set but aws_secret_access_key is not",
                    failure(configWith("aws_access_key_id: AKID")));
        }

        @Test
        void secretWithoutAccessKeyIdIsRejected() {
            assertEquals("invalid plugin config " + SOURCE
                    + ": aws_secret_access_key is set but aws_access_key_id is not",
                    failure(configWith("aws_secret_access_key: abc")));
        }

        @Test
        void sessionTokenGoesWithBothKeysAndIsNeverPrinted() {
            PluginConfig config = parse(configWith("aws_access_key_id: ASIAID", "aws_secret_access_key: abc",
                    "aws_session_token: IQoJb3JpZ2luX2VjEXAMPLETOKEN"));
            assertEquals(Optional.of("IQoJb3JpZ2luX2VjEXAMPLETOKEN"), config.sessionToken());
            assertFalse(config.toString().contains("IQoJb3JpZ2luX2VjEXAMPLETOKEN"), config.toString());
            assertEquals("invalid plugin config " + SOURCE + ": aws_session_token is set but aws_access_key_id and"
                    + " aws_secret_access_key are not both set",
                    failure(configWith("aws_session_token: IQoJb3JpZ2luX2VjEXAMPLETOKEN")));
        }

        @ParameterizedTest(name = "restore_subset: {0} is {1}")
        @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
                on      | true
                "on"    | true
                off     | false
                "off"   | false
                ``      | false
                """)
        void restoreSubsetIsOnOrOff(String value, boolean subset) {
            assertEquals(subset, parse(configWith("restore_subset: " + value)).restoreSubset());
        }

        @Test
        void restoreSubsetIsOffWhenAbsent() {
            assertFalse(parse(configWith()).restoreSubset());
        }

        @ParameterizedTest(name = "restore_subset: {0}")
        @ValueSource(strings = {"yes", "true", "1", "enabled", "ON", "On", "OFF"})
        void restoreSubsetRejectsAnythingButLowerCaseOnAndOff(String value) {
            // gprestore turns subset restores on only for the exact text "on"; "ON" would do nothing.
            assertEquals("invalid plugin config " + SOURCE + ": restore_subset: \"" + value + "\" must be on or off,"
                    + " in lower case (gprestore recognises only 'on')",
                    failure(configWith("restore_subset: " + value)));
        }

        @Test
        void gpbackupAddedOptionsAreAcceptedAndIgnored() {
            assertEquals(parse(configWith()), parse(configWith("pgport: 6000", "backup_plugin_version: 1.0.0")));
        }

        @Test
        void caCertIsKeptAsAPath() {
            assertEquals(java.util.Optional.of("/etc/ssl/ca.pem"),
                    parse(configWith("ca_cert: /etc/ssl/ca.pem")).caCert());
        }

        @Test
        void anUnknownOptionIsNamed() {
            assertEquals("invalid plugin config " + SOURCE + ": unknown option 'compression'",
                    failure(configWith("compression: gzip")));
        }

        @Test
        void aMisspeltOptionGetsASuggestion() {
            assertEquals("invalid plugin config " + SOURCE
                    + ": unknown option 'backup_multipart_chunk_size' (did you mean 'backup_multipart_chunksize'?)",
                    failure(configWith("backup_multipart_chunk_size: 100MB")));
        }

        @Test
        void anUnknownOptionIsReportedEvenWhenEmpty() {
            assertEquals("invalid plugin config " + SOURCE + ": unknown option 'compression'",
                    failure(configWith("compression:")));
        }

        @Test
        void allProblemsAreReportedTogetherOnOneLine() {
            String message = failure("""
                    executablepath: /bin/plugin
                    executable_path: /bin/other
                    options:
                      folder: /
                      aws_access_key_id: AKID
                      regoin: us-east-1
                      backup_multipart_chunksize: 12XB
                      restore_max_concurrent_requests: six
                      restore_subset: yes
                    """);
            assertEquals("invalid plugin config " + SOURCE + ": "
                    + "unknown top-level key 'executable_path' (did you mean 'executablepath'?)"
                    + " (only executablepath and options are allowed); "
                    + "unknown option 'regoin' (did you mean 'region'?); "
                    + "bucket is required; "
                    + "folder \"/\" must name a folder, not only slashes; "
                    + "region or endpoint is required; "
                    + "aws_access_key_id is set but aws_secret_access_key is not; "
                    + "backup_multipart_chunksize: \"12XB\" is not a size: unknown unit 'XB'"
                    + " (use B, KB, MB, GB or TB; all are powers of 1024); "
                    + "restore_max_concurrent_requests: \"six\" is not a whole number; "
                    + "restore_subset: \"yes\" must be on or off, in lower case (gprestore recognises only 'on')",
                    message);
        }
    }

    @Nested
    class ExecutablePath {

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"$HOME/bin/gpbackup_s3_plugin", "${HOME}/bin/gpbackup_s3_plugin",
                "\"${HOME}/bin/gpbackup_s3_plugin\""})
        void homeIsExpandedFromTheInjectedEnvironment(String written) {
            assertEquals("/home/gpadmin/bin/gpbackup_s3_plugin",
                    parse("executablepath: " + written + "\noptions:\n  bucket: b\n  folder: f\n  region: r\n")
                            .executablePath());
        }

        @Test
        void anUnsetVariableExpandsToNothing() {
            assertEquals("/bin/plugin", parse("executablepath: $NOT_SET/bin/plugin\noptions:\n"
                    + "  bucket: b\n  folder: f\n  region: r\n").executablePath());
        }

        @Test
        void aPathThatExpandsToNothingIsRejected() {
            assertEquals("invalid plugin config " + SOURCE
                    + ": executablepath \"$NOT_SET\" is empty once environment variables are expanded",
                    failure("executablepath: $NOT_SET\noptions:\n  bucket: b\n  folder: f\n  region: r\n"));
        }

        @Test
        void theAuditLogIsOffUnlessSetAndExpandsHome() {
            assertEquals(Optional.empty(), parse(configWith()).auditLog());
            assertEquals(Optional.of("/home/gpadmin/gpAdminLogs/s3-audit.jsonl"),
                    parse(configWith("audit_log: $HOME/gpAdminLogs/s3-audit.jsonl")).auditLog());
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"audit.jsonl", "$NOT_SET", "/var/log/"})
        void anAuditLogThatIsNotAnAbsoluteFilePathIsRejected(String written) {
            assertTrue(failure(configWith("audit_log: " + written))
                    .contains("audit_log \"" + written + "\" must be an absolute file path"));
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"options:\n  bucket: b\n  folder: f\n  region: r\n",
                "executablepath:\noptions:\n  bucket: b\n  folder: f\n  region: r\n",
                "executablepath: ''\noptions:\n  bucket: b\n  folder: f\n  region: r\n"})
        void executablePathIsRequired(String yaml) {
            assertEquals("invalid plugin config " + SOURCE + ": executablepath is required", failure(yaml));
        }

        @Test
        void executablePathMustBeASingleValue() {
            assertEquals("invalid plugin config " + SOURCE + ": executablepath must be a single value, not a list",
                    failure("executablepath: [/bin/a, /bin/b]\noptions:\n  bucket: b\n  folder: f\n  region: r\n"));
        }
    }

    @Nested
    class BrokenFiles {

        @Test
        void tabIndentationIsNamedWithItsLine() {
            assertEquals("invalid plugin config " + SOURCE
                    + ": tabs are not allowed for indentation, use spaces (line 4, column 1)",
                    failure("executablepath: /bin/plugin\noptions:\n  bucket: b\n\tfolder: f\n"));
        }

        @Test
        void aTabAfterAColonIsNamedWithItsLine() {
            assertEquals("invalid plugin config " + SOURCE + ": a tab is not allowed here, use spaces (line 3, column 10)",
                    failure("executablepath: /bin/plugin\noptions:\n  bucket:\tb\n"));
        }

        @Test
        void badYamlIsOneLineWithLineAndColumn() {
            assertEquals("invalid plugin config " + SOURCE
                    + ": not valid YAML: mapping values are not allowed here (line 4, column 10)",
                    failure("executablepath: /bin/plugin\noptions:\n  bucket: b\n   folder: f\n"));
        }

        @Test
        void anUnclosedQuoteSaysWhereTheValueStarted() {
            assertEquals("invalid plugin config " + SOURCE + ": not valid YAML: found unexpected end of stream"
                    + " (line 4, column 1) while scanning a quoted scalar that starts at line 3, column 11",
                    failure("executablepath: /bin/plugin\noptions:\n  bucket: 'b\n"));
        }

        @Test
        void twoDocumentsAreRejected() {
            assertEquals("invalid plugin config " + SOURCE + ": not valid YAML: expected a single document"
                    + " in the stream, but found another document (line 2, column 1)",
                    failure("executablepath: /bin/plugin\n---\noptions:\n"));
        }

        @Test
        void anUnknownTopLevelKeyIsRejectedAsGpbackupDoes() {
            assertEquals("invalid plugin config " + SOURCE
                    + ": unknown top-level key 'retries' (only executablepath and options are allowed)",
                    failure(configWith() + "retries: 3\n"));
        }

        @Test
        void aListAsOptionValueNamesTheOption() {
            assertEquals("invalid plugin config " + SOURCE + ": option 'bucket' must be a single value, not a list",
                    failure("executablepath: /bin/plugin\noptions:\n  bucket: [a, b]\n  folder: f\n  region: r\n"));
        }

        @Test
        void anUnknownOptionWithAListValueIsNamedForBoth() {
            assertEquals("invalid plugin config " + SOURCE + ": option 'tags' must be a single value, not a list;"
                    + " unknown option 'tags'", failure(configWith("tags: [a, b]")));
        }

        @Test
        void aRejectedValueIsNotAlsoCalledMissing() {
            assertEquals("invalid plugin config " + SOURCE
                    + ": option 'aws_secret_access_key' must be a single value, not a list",
                    failure(configWith("aws_access_key_id: AKID", "aws_secret_access_key: [a, b]")));
        }

        @Test
        void aMappingAsOptionValueNamesTheOption() {
            assertEquals("invalid plugin config " + SOURCE + ": option 'region' must be a single value, not a mapping",
                    failure(configWith().replace("region: us-east-1", "region:\n    name: us-east-1")));
        }

        @Test
        void optionsThatAreNotAMappingAreRejected() {
            assertTrue(failure("executablepath: /bin/plugin\noptions: bucket=b\n")
                    .contains("options must be a mapping of option names to values, not a single value"));
        }

        @Test
        void aDuplicateOptionIsRejectedWithItsLine() {
            assertEquals("invalid plugin config " + SOURCE + ": duplicate option 'bucket' (line 6)",
                    failure(configWith("bucket: other")));
        }

        @Test
        void aDuplicateTopLevelKeyIsRejected() {
            assertEquals("invalid plugin config " + SOURCE + ": duplicate top-level key 'executablepath' (line 6)",
                    failure(configWith() + "executablepath: /bin/other\n"));
        }

        @Test
        void anAliasExplosionIsStoppedByTheLimits() {
            assertTrue(failure("a: &a [x, x, x, x, x, x, x, x, x]\n"
                    + "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                    + "c: [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n").contains("not valid YAML"));
        }

        @ParameterizedTest(name = "empty file #{index}")
        @ValueSource(strings = {"", "\n\n", "# nothing but a comment\n", "---\n", "~\n"})
        void anEmptyFileIsRejected(String yaml) {
            assertEquals("invalid plugin config " + SOURCE + ": the file is empty", failure(yaml));
        }

        @ParameterizedTest(name = "{0}")
        @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
                "just text"       | a single value
                "- a\\n- b"        | a list
                """)
        void aFileThatIsNotAMappingIsRejected(String yaml, String kind) {
            assertEquals("invalid plugin config " + SOURCE
                    + ": the file must be a mapping with executablepath and options, not " + kind,
                    failure(yaml.replace("\\n", "\n")));
        }

        @Test
        void aControlCharacterIsNamedWithItsLine() {
            assertEquals("invalid plugin config " + SOURCE
                    + ": the file contains the control character U+0007, which YAML does not allow (line 3)",
                    failure("executablepath: /bin/plugin\noptions:\n  bucket: a\u0007b\n"));
        }

        @Test
        void aValueWithALineBreakCannotBreakTheMessageLine() {
            String message = failure(configWith("max_request_retries: \"1\\n2\""));
            assertTrue(message.contains("max_request_retries: \"1\\n2\" is not a whole number"), message);
        }
    }

    @Nested
    class ReadingFiles {

        @TempDir
        Path dir;

        @Test
        void aFileLoadsLikeItsText() throws IOException {
            Path file = dir.resolve("s3.yaml");
            Files.writeString(file, configWith("encryption: off"), StandardCharsets.UTF_8);
            assertEquals(loader.parse(configWith("encryption: off"), file.toString()), loader.load(file));
        }

        @Test
        void problemsNameTheFile() throws IOException {
            Path file = dir.resolve("s3.yaml");
            Files.writeString(file, "executablepath: /bin/plugin\noptions:\n");
            ConfigException e = assertThrows(ConfigException.class, () -> loader.load(file));
            assertEquals("invalid plugin config " + file + ": bucket is required; folder is required;"
                    + " region or endpoint is required", e.getMessage());
        }

        @Test
        void aMissingFileIsNamed() {
            Path file = dir.resolve("missing.yaml");
            ConfigException e = assertThrows(ConfigException.class, () -> loader.load(file));
            assertEquals("cannot read plugin config " + file + ": the file does not exist", e.getMessage());
        }

        @Test
        void aDirectoryIsNamed() {
            ConfigException e = assertThrows(ConfigException.class, () -> loader.load(dir));
            assertEquals("cannot read plugin config " + dir + ": it is a directory", e.getMessage());
        }

        @Test
        void anEmptyFileIsNamed() throws IOException {
            Path file = Files.createFile(dir.resolve("empty.yaml"));
            ConfigException e = assertThrows(ConfigException.class, () -> loader.load(file));
            assertEquals("invalid plugin config " + file + ": the file is empty", e.getMessage());
        }

        @Test
        void aFileThatIsNotUtf8IsNamed() throws IOException {
            Path file = dir.resolve("latin1.yaml");
            Files.write(file, configWith("folder: caf\u00e9").getBytes(StandardCharsets.ISO_8859_1));
            ConfigException e = assertThrows(ConfigException.class, () -> loader.load(file));
            assertEquals("invalid plugin config " + file + ": the file is not UTF-8 text", e.getMessage());
        }

        @Test
        void aHugeFileIsRefusedBeforeReading() throws IOException {
            Path file = dir.resolve("huge.yaml");
            Files.write(file, new byte[1024 * 1024 + 1]);
            ConfigException e = assertThrows(ConfigException.class, () -> loader.load(file));
            assertEquals("invalid plugin config " + file + ": the file is larger than 1 MiB", e.getMessage());
        }
    }

    @Nested
    class Secrets {

        private static final String SECRET = TestSecrets.CONFIG_SECRET_KEY;

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {
                "executablepath: /bin/plugin\noptions:\n  aws_secret_access_key: SECRET\n",
                "executablepath: /bin/plugin\noptions:\n  aws_secret_access_key: SECRET\n  aws_secret_access_key: SECRET\n",
                "executablepath: /bin/plugin\noptions:\n  aws_secret_key: SECRET\n",
                "executablepath: /bin/plugin\noptions:\n  aws_secret_access_key: [SECRET]\n",
                "executablepath: /bin/plugin\noptions:\n  aws_secret_access_key: SECRET\n   bucket: b\n",
                "executablepath: /bin/plugin\noptions:\n  aws_secret_access_key:\tSECRET\n",
                "executablepath: /bin/plugin\noptions:\n\taws_secret_access_key: SECRET\n",
                "executablepath: /bin/plugin\noptions:\n  aws_secret_access_key: 'SECRET\n",
                "executablepath: /bin/plugin\noptions:\n  aws_secret_access_key: \"\\xSECRET\"\n",
                "executablepath: /bin/plugin\noptions:\n  aws_secret_access_key: \"\\uSECRET\"\n",
                "executablepath: /bin/plugin\noptions:\n  aws_secret_access_key: \"\\qSECRET\"\n",
                "executablepath: /bin/plugin\noptions:\n  aws_secret_access_key: *SECRET\n",
                "executablepath: /bin/plugin\noptions:\n  aws_secret_access_key: !SECRET!x SECRET\n",
                "executablepath: /bin/plugin\noptions:\n  aws_secret_access_key: !<SECRET SECRET\n",
                "executablepath: /bin/plugin\noptions:\n  aws_secret_access_key: |SECRET\n",
                "executablepath: /bin/plugin\noptions:\n  aws_secret_access_key: SECRET\u0000\n",
                "executablepath: /bin/plugin\noptions:\n  http_proxy: http://user:SECRET@proxy:3128\n"})
        void theSecretNeverAppearsInAnErrorMessage(String template) {
            String yaml = template.replace("SECRET", SECRET);
            ConfigException e = assertThrows(ConfigException.class, () -> parse(yaml));
            assertOneCleanLine(e.getMessage());
            assertFalse(e.getMessage().contains(SECRET), e.getMessage());
            assertFalse(e.getMessage().contains(SECRET.substring(0, 8)), e.getMessage());
            assertFalse(e.getMessage().contains(SECRET.substring(SECRET.length() - 8)), e.getMessage());
        }

        @Test
        void theSecretAndProxyNeverAppearInToString() {
            PluginConfig config = parse(configWith("aws_access_key_id: AKID",
                    "aws_secret_access_key: " + SECRET, "http_proxy: http://user:proxypass@proxy:3128"));
            assertEquals(Optional.of(SECRET), config.secretAccessKey());
            assertFalse(config.toString().contains(SECRET), config.toString());
            assertFalse(config.toString().contains("proxypass"), config.toString());
            assertTrue(config.toString().contains("secretAccessKey=****"), config.toString());
        }
    }
}
