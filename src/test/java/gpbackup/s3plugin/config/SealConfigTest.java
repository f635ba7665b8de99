package gpbackup.s3plugin.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gpbackup.s3plugin.leaks.TestSecrets;
import gpbackup.s3plugin.seal.KeyRing;
import gpbackup.s3plugin.seal.MasterKey;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Client-side encryption in the config (spec/config.md, "Client-side encryption"): keys read at load, one line per problem. */
class SealConfigTest {
    private static final String SOURCE = "/home/gpadmin/s3.yaml";
    private static final MasterKey KEY = MasterKey.of(TestSecrets.cseKey());
    private static final MasterKey OLD_KEY = MasterKey.of(TestSecrets.cseOldKey());
    private static final String KEY_BASE64 = Base64.getEncoder().encodeToString(TestSecrets.cseKey());
    private static final String OLD_KEY_BASE64 = Base64.getEncoder().encodeToString(TestSecrets.cseOldKey());

    @TempDir
    Path dir;

    private final Map<String, String> environment = new HashMap<>(Map.of("HOME", "/home/gpadmin"));

    private static String configWith(String... optionLines) {
        StringBuilder yaml = new StringBuilder("""
                executablepath: /usr/local/greenplum-db/bin/gpbackup_s3_plugin
                options:
                  bucket: my-bucket
                  folder: test/backup
                  region: us-east-1
                """);
        for (String line : optionLines) {
            yaml.append("  ").append(line).append('\n');
        }
        return yaml.toString();
    }

    private PluginConfig load(String... optionLines) {
        return new ConfigLoader(environment::get).parse(configWith(optionLines), SOURCE);
    }

    private String failure(String... optionLines) {
        ConfigException e = assertThrows(ConfigException.class, () -> load(optionLines));
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertFalse(e.getMessage().contains(KEY_BASE64), e.getMessage());
        assertFalse(e.getMessage().contains(new String(TestSecrets.cseKey(), StandardCharsets.US_ASCII)), e.getMessage());
        return e.getMessage().substring(("invalid plugin config " + SOURCE + ": ").length());
    }

    private Path keyFile(String content, String permissions) throws IOException {
        return keyFile(content.getBytes(StandardCharsets.US_ASCII), permissions);
    }

    private Path keyFile(byte[] content, String permissions) throws IOException {
        Path file = dir.resolve("cse.key");
        Files.write(file, content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(permissions));
        return file;
    }

    @Test
    void offByDefault() {
        assertEquals(Optional.empty(), load().sealingKeys());
        assertEquals(Optional.empty(), load("client_side_encryption: off").sealingKeys());
    }

    @Test
    void aKeyFileOfSeveralKeysIsARingWhoseFirstKeySeals() throws Exception {
        Path file = keyFile("# new key first\n" + KEY_BASE64 + "\n" + OLD_KEY_BASE64 + "\n", "rw-------");
        KeyRing ring = load("client_side_encryption: on", "cse_key_file: " + file).sealingKeys().orElseThrow();
        assertEquals(List.of(KEY, OLD_KEY), ring.keys());
        assertEquals(KEY, ring.sealingKey());
    }

    @Test
    void aKeyFileOfThirtyTwoRawBytesAndOnInAnyCase() throws Exception {
        Path file = keyFile(TestSecrets.cseKey(), "r--------");
        assertEquals(List.of(KEY), load("client_side_encryption: ON", "cse_key_file: " + file).sealingKeys()
                .orElseThrow().keys());
    }

    @Test
    void theKeyFilePathIsExpandedAsExecutablepathIs() throws Exception {
        Path file = keyFile(KEY_BASE64 + "\n", "rw-------");
        environment.put("KEYS", file.getParent().toString());
        assertEquals(List.of(KEY), load("client_side_encryption: on", "cse_key_file: $KEYS/cse.key").sealingKeys()
                .orElseThrow().keys());
    }

    @Test
    void keysFromAnEnvironmentVariable() {
        environment.put("GP_CSE_KEYS", KEY_BASE64 + "," + OLD_KEY_BASE64);
        assertEquals(List.of(KEY, OLD_KEY), load("client_side_encryption: on", "cse_key_env: GP_CSE_KEYS")
                .sealingKeys().orElseThrow().keys());
    }

    @Test
    void theKeysNeverShowInTheConfigsText() throws Exception {
        Path file = keyFile(KEY_BASE64 + "\n", "rw-------");
        String text = load("client_side_encryption: on", "cse_key_file: " + file).toString();
        assertTrue(text.contains("clientSideEncryption=on"), text);
        assertFalse(text.contains(KEY_BASE64), text);
        assertFalse(text.contains(KEY.fingerprint().toString()), text);
    }

    @Test
    void onWithoutAKeySourceNamesBothOptions() {
        assertEquals("client_side_encryption: on needs the master keys: set cse_key_file (an owner-only file) or"
                + " cse_key_env (an environment variable)", failure("client_side_encryption: on"));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"cse_key_file", "cse_key_env"})
    void aKeySourceWithoutOnNamesBothOptions(String option) {
        assertEquals(option + " is set but client_side_encryption is not on: set client_side_encryption: on to seal"
                + " backups with it, or remove " + option, failure(option + ": /etc/gpbackup/cse.key"));
        assertEquals(option + " is set but client_side_encryption is not on: set client_side_encryption: on to seal"
                + " backups with it, or remove " + option,
                failure("client_side_encryption: off", option + ": /etc/gpbackup/cse.key"));
    }

    @Test
    void notOnOrOff() {
        assertEquals("client_side_encryption: \"yes\" must be on or off", failure("client_side_encryption: \"yes\""));
    }

    @Test
    void aMissingKeyFile() {
        Path file = dir.resolve("missing.key");
        assertEquals("cse_key_file: key file " + file + " does not exist",
                failure("client_side_encryption: on", "cse_key_file: " + file));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"rw-r-----", "rw----r--", "rw-rw-rw-"})
    void aKeyFileOpenToGroupOrOthers(String permissions) throws Exception {
        Path file = keyFile(KEY_BASE64 + "\n", permissions);
        String problem = failure("client_side_encryption: on", "cse_key_file: " + file);
        assertTrue(problem.startsWith("cse_key_file: key file " + file + " has mode 0"), problem);
        assertTrue(problem.endsWith(", open to its group or others; it must be owner-only: chmod 600 " + file), problem);
    }

    @Test
    void aShortKey() throws Exception {
        Path file = keyFile(Base64.getEncoder().encodeToString(new byte[16]) + "\n", "rw-------");
        assertEquals("cse_key_file: key file " + file + " line 1 decodes to 16 bytes; a key is exactly 32 bytes,"
                + " base64-encoded (44 characters)", failure("client_side_encryption: on", "cse_key_file: " + file));
    }

    @Test
    void aRelativeKeyFile() {
        assertEquals("cse_key_file \"keys/cse.key\" must be an absolute file path",
                failure("client_side_encryption: on", "cse_key_file: keys/cse.key"));
    }

    @Test
    void anUnsetVariable() {
        assertEquals("cse_key_env: environment variable GP_CSE_KEYS is not set; it must hold one or more"
                + " base64-encoded 32-byte keys, separated by commas or newlines",
                failure("client_side_encryption: on", "cse_key_env: GP_CSE_KEYS"));
    }

    @Test
    void bothSourcesExcludeEachOther() {
        environment.put("GP_CSE_KEYS", KEY_BASE64);
        assertEquals("cse_key_file and cse_key_env exclude each other: set one (a key file holds several keys, one"
                + " per line, for rotation)", failure("client_side_encryption: on", "cse_key_file: /k",
                "cse_key_env: GP_CSE_KEYS"));
    }

    @Test
    void theFrameSizeIsNotAnOption() {
        assertTrue(failure("cse_frame_size: 1MB").startsWith("unknown option 'cse_frame_size'"));
    }
}
