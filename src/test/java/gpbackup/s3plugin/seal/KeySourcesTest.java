package gpbackup.s3plugin.seal;

import static gpbackup.s3plugin.seal.SealFixtures.key;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeySourcesTest {
    @TempDir
    Path dir;

    private static String base64(MasterKey key) {
        return Base64.getEncoder().encodeToString(key.bytes());
    }

    private Path keyFile(byte[] content, String mode) throws IOException {
        Path file = dir.resolve("cse.key");
        Files.write(file, content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
        return file;
    }

    private Path keyFile(String content) throws IOException {
        return keyFile(content.getBytes(StandardCharsets.US_ASCII), "rw-------");
    }

    @Test
    void readsThirtyTwoRawBytes() throws Exception {
        KeyRing ring = KeySources.fromFile(keyFile(key(1).bytes(), "r--------"));
        assertEquals(List.of(key(1)), ring.keys());
    }

    @Test
    void readsOneBase64KeyPerLineSkippingBlankLinesAndComments() throws Exception {
        Path file = keyFile("# current key, since 2024-05\n" + base64(key(1)) + "\n\n   \n"
                + "  # the one before\r\n" + "  " + base64(key(2)) + "  \r\n");
        KeyRing ring = KeySources.fromFile(file);
        assertEquals(List.of(key(1), key(2)), ring.keys());
        assertEquals(key(1), ring.sealingKey());
    }

    @Test
    void refusesAShortKeyWithoutShowingIt() throws Exception {
        String shortKey = Base64.getEncoder().encodeToString(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16});
        Path file = keyFile("# comment\n" + shortKey + "\n");
        SealException e = assertThrows(SealException.class, () -> KeySources.fromFile(file));
        assertEquals("key file " + file + " line 2 decodes to 16 bytes; a key is exactly 32 bytes, base64-encoded"
                + " (44 characters)", e.getMessage());
        assertFalse(e.getMessage().contains(shortKey));
    }

    @Test
    void refusesALineThatIsNotBase64WithoutShowingIt() throws Exception {
        Path file = keyFile(base64(key(1)) + "\nnot-a-key!\n");
        SealException e = assertThrows(SealException.class, () -> KeySources.fromFile(file));
        assertEquals("key file " + file + " line 2 is not base64: a key is 32 bytes, base64-encoded (44 characters,"
                + " e.g. from: head -c 32 /dev/urandom | base64)", e.getMessage());
    }

    @Test
    void refusesARawKeyWithANewlineAfterIt() throws Exception {
        byte[] content = SealFixtures.concat(key(1).bytes(), new byte[] {'\n'});
        Path file = keyFile(content, "rw-------");
        SealException e = assertThrows(SealException.class, () -> KeySources.fromFile(file));
        assertEquals("key file " + file + " line 1 is not base64: a key is 32 bytes, base64-encoded (44 characters,"
                + " e.g. from: head -c 32 /dev/urandom | base64)", e.getMessage());
    }

    @Test
    void refusesAFileOfOnlyComments() throws Exception {
        Path file = keyFile("# no key yet\n\n");
        SealException e = assertThrows(SealException.class, () -> KeySources.fromFile(file));
        assertEquals("key file " + file + " holds no key: it must be exactly 32 raw bytes, or one base64-encoded"
                + " 32-byte key per line", e.getMessage());
    }

    @Test
    void refusesAWorldReadableFile() throws Exception {
        Path file = keyFile(key(1).bytes(), "rw-r--r--");
        SealException e = assertThrows(SealException.class, () -> KeySources.fromFile(file));
        assertEquals("key file " + file + " has mode 0644, open to its group or others; it must be owner-only:"
                + " chmod 600 " + file, e.getMessage());
    }

    @Test
    void refusesAGroupReadableFile() throws Exception {
        Path file = keyFile(key(1).bytes(), "rw-r-----");
        SealException e = assertThrows(SealException.class, () -> KeySources.fromFile(file));
        assertEquals("key file " + file + " has mode 0640, open to its group or others; it must be owner-only:"
                + " chmod 600 " + file, e.getMessage());
    }

    @Test
    void refusesAGroupWritableFile() throws Exception {
        Path file = keyFile(key(1).bytes(), "rw--w----");
        SealException e = assertThrows(SealException.class, () -> KeySources.fromFile(file));
        assertEquals("key file " + file + " has mode 0620, open to its group or others; it must be owner-only:"
                + " chmod 600 " + file, e.getMessage());
    }

    @Test
    void refusesAMissingFile() {
        Path file = dir.resolve("absent.key");
        SealException e = assertThrows(SealException.class, () -> KeySources.fromFile(file));
        assertEquals("key file " + file + " does not exist", e.getMessage());
    }

    @Test
    void refusesADirectory() {
        SealException e = assertThrows(SealException.class, () -> KeySources.fromFile(dir));
        assertEquals("key file " + dir + " is a directory", e.getMessage());
    }

    @Test
    void readsTwoKeysFromAnEnvironmentValueByCommaOrNewline() {
        String comma = base64(key(1)) + ", " + base64(key(2));
        assertEquals(List.of(key(1), key(2)), KeySources.fromEnvironment("CSE_KEYS", Map.of("CSE_KEYS", comma)::get).keys());
        String lines = base64(key(2)) + "\n" + base64(key(1)) + "\n";
        assertEquals(List.of(key(2), key(1)), KeySources.fromEnvironment("CSE_KEYS", Map.of("CSE_KEYS", lines)::get).keys());
    }

    @Test
    void refusesAnUnsetOrEmptyOrBadEnvironmentValue() {
        SealException unset = assertThrows(SealException.class, () -> KeySources.fromEnvironment("CSE_KEYS", Map.<String, String>of()::get));
        assertEquals("environment variable CSE_KEYS is not set; it must hold one or more base64-encoded 32-byte keys,"
                + " separated by commas or newlines", unset.getMessage());
        SealException empty = assertThrows(SealException.class, () -> KeySources.fromEnvironment("CSE_KEYS", Map.of("CSE_KEYS", " ")::get));
        assertEquals("environment variable CSE_KEYS is empty; it must hold one or more base64-encoded 32-byte keys,"
                + " separated by commas or newlines", empty.getMessage());
        String value = base64(key(1)) + "," + base64(key(2)).substring(4);
        SealException bad = assertThrows(SealException.class, () -> KeySources.fromEnvironment("CSE_KEYS", Map.of("CSE_KEYS", value)::get));
        assertEquals("environment variable CSE_KEYS key 2 decodes to 29 bytes; a key is exactly 32 bytes, base64-encoded"
                + " (44 characters)", bad.getMessage());
        assertFalse(bad.getMessage().contains(base64(key(2)).substring(4)));
    }
}
