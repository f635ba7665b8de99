package gpbackup.s3plugin.seal;

import static gpbackup.s3plugin.seal.SealFixtures.concat;
import static gpbackup.s3plugin.seal.SealFixtures.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import javax.crypto.AEADBadTagException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The frame cipher against the AES-256 test cases with 96-bit IVs of McGrew and Viega's GCM specification
 * (cases 13 to 16; 17 and 18 use other IV lengths, which frames never do).
 */
class FrameCipherTest {

    @ParameterizedTest(name = "GCM spec test case {0}")
    @CsvSource(delimiter = '|', textBlock = """
            13 | 0000000000000000000000000000000000000000000000000000000000000000 | 000000000000000000000000 | '' | '' | '' \
               | 530f8afbc74536b9a963b4f1c4cb738b
            14 | 0000000000000000000000000000000000000000000000000000000000000000 | 000000000000000000000000 | '' \
               | 00000000000000000000000000000000 | cea7403d4d606b6e074ec5d3baf39d18 | d0d1c8a799996bf0265b98b5d48ab919
            15 | feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308 | cafebabefacedbaddecaf888 | '' \
               | d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255 \
               | 522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad \
               | b094dac5d93471bdec1a502270e3cc6c
            16 | feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308 | cafebabefacedbaddecaf888 \
               | feedfacedeadbeeffeedfacedeadbeefabaddad2 \
               | d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39 \
               | 522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662 \
               | 76fc6ece0f4e1768cddf8853bb2d551b
            """)
    void sealsAndOpensTheSpecVectors(int testCase, String key, String iv, String aad, String plaintext, String ciphertext,
            String tag) throws Exception {
        FrameCipher cipher = new FrameCipher(hex(key), new byte[7], new byte[0]);
        byte[] p = hex(plaintext);
        byte[] sealed = new byte[p.length + 16];
        assertEquals(sealed.length, cipher.seal(hex(iv), hex(aad), p, 0, p.length, sealed, 0));
        assertArrayEquals(concat(hex(ciphertext), hex(tag)), sealed);

        byte[] opened = new byte[p.length];
        assertEquals(p.length, cipher.open(hex(iv), hex(aad), sealed, 0, sealed.length, opened, 0));
        assertArrayEquals(p, opened);

        sealed[sealed.length - 1] ^= 1;
        assertThrows(AEADBadTagException.class, () -> cipher.open(hex(iv), hex(aad), sealed, 0, sealed.length, opened, 0));
    }

    /** Cases 13 and 14 have the all-zero nonce: prefix 0, frame 0, not last; so they run through the frame path too. */
    @Test
    void theFramePathBuildsTheNonceFromPrefixIndexAndFlag() throws Exception {
        FrameCipher cipher = new FrameCipher(new byte[32], new byte[7], new byte[0]);
        byte[] sealed = new byte[32];
        assertEquals(16, cipher.sealFrame(0, false, new byte[0], 0, 0, sealed, 0));
        assertArrayEquals(hex("530f8afbc74536b9a963b4f1c4cb738b"), Arrays.copyOf(sealed, 16));
        // A new cipher: the JDK refuses to encrypt twice in a row under one key and nonce, a guard we keep.
        assertThrows(IllegalStateException.class, () -> cipher.sealFrame(0, false, new byte[16], 0, 16, sealed, 0));
        FrameCipher again = new FrameCipher(new byte[32], new byte[7], new byte[0]);
        assertEquals(32, again.sealFrame(0, false, new byte[16], 0, 16, sealed, 0));
        assertArrayEquals(hex("cea7403d4d606b6e074ec5d3baf39d18d0d1c8a799996bf0265b98b5d48ab919"), sealed);

        byte[] opened = new byte[16];
        assertEquals(16, cipher.openFrame(0, false, sealed, 0, 32, opened, 0));
        assertThrows(AEADBadTagException.class, () -> cipher.openFrame(0, true, sealed, 0, 32, opened, 0));
        assertThrows(AEADBadTagException.class, () -> cipher.openFrame(1, false, sealed, 0, 32, opened, 0));
    }

    @Test
    void theNonceIsPrefixThenIndexThenFlag() {
        byte[] nonce = hex("a0a1a2a3a4a5a6" + "0000000000");
        FrameCipher.frameNonce(nonce, 0x01020304L, true);
        assertArrayEquals(hex("a0a1a2a3a4a5a6" + "01020304" + "01"), nonce);
        FrameCipher.frameNonce(nonce, 0xFFFFFFFEL, false);
        assertArrayEquals(hex("a0a1a2a3a4a5a6" + "fffffffe" + "00"), nonce);
    }
}
