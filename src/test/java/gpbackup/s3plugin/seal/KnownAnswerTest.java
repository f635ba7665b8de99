package gpbackup.s3plugin.seal;

import static gpbackup.s3plugin.seal.SealFixtures.NAME;
import static gpbackup.s3plugin.seal.SealFixtures.hex;
import static gpbackup.s3plugin.seal.SealFixtures.key;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Fixed key (bytes 00..1f), salt (20..3f), nonce prefix (a0..a6), name and frame size 4096, the plaintext
 * pattern of {@link Sealing#pattern}: the sealed bytes stored in src/test/resources/seal/kat-&lt;length&gt;.hex.
 */
class KnownAnswerTest {
    private static final byte[] SALT = hex("202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f");
    private static final byte[] PREFIX = hex("a0a1a2a3a4a5a6");
    private static final int FRAME = 4096;

    static byte[] expected(int length) throws IOException {
        try (InputStream in = KnownAnswerTest.class.getResourceAsStream("/seal/kat-" + length + ".hex")) {
            return hex(new String(in.readAllBytes(), StandardCharsets.US_ASCII));
        }
    }

    private static SealedHeader header() {
        return SealedHeader.of(FRAME, key(0).fingerprint(), SALT, PREFIX, new byte[0]);
    }

    @ParameterizedTest(name = "{0} bytes")
    @ValueSource(ints = {0, 1, 4095, 4096, 4097, 3 * 4096 + 5})
    void sealsToTheStoredBytesAndOpensBack(int length) throws Exception {
        byte[] plaintext = Sealing.pattern(length);
        byte[] expected = expected(length);
        assertEquals(header().layout().sealedLength(length), expected.length);
        for (int seed = 0; seed < 3; seed++) {
            assertArrayEquals(expected, Sealing.seal(plaintext, header(), key(0), NAME, new Random(seed)));
        }
        assertArrayEquals(plaintext, Sealing.open(expected, KeyRing.of(key(0)), NAME, new Random(1)));
    }

    @Test
    void theKeyFingerprintOfTheFixedKey() {
        assertEquals("8c2ee478e76b1ab4", key(0).fingerprint().toString());
    }

    /**
     * Opens the four-frame file with nothing but javax.crypto and the rules of spec/sealed-format.md, so the
     * document and the code cannot drift apart unnoticed.
     */
    @Test
    void anIndependentReaderOfTheSpecOpensTheStoredObject() throws Exception {
        byte[] object = expected(3 * 4096 + 5);
        ByteBuffer b = ByteBuffer.wrap(object);
        byte[] magic = new byte[8];
        b.get(magic);
        assertEquals("GPS3SEAL", new String(magic, StandardCharsets.US_ASCII));
        assertEquals(1, b.get());
        int frameSize = b.getInt();
        byte[] fingerprint = new byte[8];
        byte[] salt = new byte[32];
        byte[] prefix = new byte[7];
        b.get(fingerprint).get(salt).get(prefix);
        int envelopeLength = b.getShort() & 0xFFFF;
        int headerLength = 62 + envelopeLength;
        byte[] header = Arrays.copyOf(object, headerLength);

        Mac extract = Mac.getInstance("HmacSHA256");
        extract.init(new SecretKeySpec(salt, "HmacSHA256"));
        byte[] prk = extract.doFinal(hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"));
        Mac expand = Mac.getInstance("HmacSHA256");
        expand.init(new SecretKeySpec(prk, "HmacSHA256"));
        expand.update(("gpbackup_s3_plugin seal v1 " + NAME).getBytes(StandardCharsets.UTF_8));
        byte[] dataKey = expand.doFinal(new byte[] {1}); // T(1) is all of L = 32

        ByteArrayOutputStream plaintext = new ByteArrayOutputStream();
        int at = headerLength;
        for (int frame = 0; at < object.length; frame++) {
            int sealedLength = Math.min(frameSize + 16, object.length - at);
            boolean last = at + sealedLength == object.length;
            byte[] nonce = ByteBuffer.allocate(12).put(prefix).putInt(frame).put((byte) (last ? 1 : 0)).array();
            Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
            gcm.init(Cipher.DECRYPT_MODE, new SecretKeySpec(dataKey, "AES"), new GCMParameterSpec(128, nonce));
            gcm.updateAAD(header);
            plaintext.write(gcm.doFinal(object, at, sealedLength));
            at += sealedLength;
        }
        assertArrayEquals(Sealing.pattern(3 * 4096 + 5), plaintext.toByteArray());
    }
}
