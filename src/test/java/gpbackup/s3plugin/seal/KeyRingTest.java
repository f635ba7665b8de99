package gpbackup.s3plugin.seal;

import static gpbackup.s3plugin.seal.SealFixtures.NAME;
import static gpbackup.s3plugin.seal.SealFixtures.key;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class KeyRingTest {

    @Test
    void theFingerprintIsTheFirstEightBytesOfTheLabelledSha256() throws Exception {
        MasterKey key = key(0);
        MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
        sha256.update("gpbackup_s3_plugin key fingerprint v1".getBytes(StandardCharsets.US_ASCII));
        byte[] digest = sha256.digest(HexFormat.of().parseHex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"));
        assertEquals(HexFormat.of().formatHex(digest, 0, 8), key.fingerprint().toString());
        assertEquals(16, key.fingerprint().toString().length());
        assertEquals(key.fingerprint(), KeyFingerprint.parse(key.fingerprint().toString()));
    }

    @Test
    void aKeyShowsOnlyItsFingerprint() {
        MasterKey key = key(0);
        String shown = key.toString() + KeyRing.of(key);
        assertEquals("MasterKey[fingerprint=" + key.fingerprint() + "]", key.toString());
        assertFalse(shown.contains("000102030405"));
        assertFalse(shown.contains(Base64.getEncoder().encodeToString(key.bytes())));
        assertThrows(IllegalArgumentException.class, () -> MasterKey.of(new byte[16]));
    }

    @Test
    void theFirstKeySealsAndAnyOpensByFingerprint() {
        MasterKey current = key(1);
        MasterKey previous = key(2);
        KeyRing ring = KeyRing.of(current, previous);
        assertSame(current, ring.sealingKey());
        assertSame(previous, ring.require(previous.fingerprint(), NAME));
        assertSame(current, ring.require(current.fingerprint(), NAME));
        assertNotEquals(current.fingerprint(), previous.fingerprint());
        assertEquals(List.of(current, previous, key(3)), ring.followedBy(KeyRing.of(key(3))).keys());
    }

    @Test
    void aMissingKeyIsOneLineNamingItsFingerprint() {
        KeyRing ring = KeyRing.of(key(1), key(2));
        KeyFingerprint wanted = key(9).fingerprint();
        SealException e = assertThrows(SealException.class, () -> ring.require(wanted, NAME));
        assertEquals(NAME + " is sealed with key " + wanted + ", which is not among the configured keys ("
                + key(1).fingerprint() + ", " + key(2).fingerprint() + "); add that key to the key file or variable,"
                + " after the current key", e.getMessage());
    }
}
