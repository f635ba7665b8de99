package gpbackup.s3plugin.seal;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-256-GCM over the frames of one object: the data key derived from the master key, the header's salt and
 * the object's name; nonce = prefix(7) || frame index (uint32) || last flag; associated data = the header.
 * One per stream: it holds one {@link Cipher}, which is not safe to share between threads.
 */
final class FrameCipher {
    static final String TRANSFORMATION = "AES/GCM/NoPadding";
    static final int NONCE_LENGTH = 12;
    static final int TAG_BITS = 128;
    static final String INFO_PREFIX = "gpbackup_s3_plugin seal v1 ";

    private final Cipher cipher;
    private final SecretKeySpec key;
    private final byte[] aad;
    private final byte[] nonce = new byte[NONCE_LENGTH];

    /**
     * @param dataKey     the 32-byte AES key
     * @param noncePrefix the header's 7 bytes, the start of every frame's nonce
     * @param aad         the associated data of every frame: the encoded header
     */
    FrameCipher(byte[] dataKey, byte[] noncePrefix, byte[] aad) {
        if (dataKey.length != MasterKey.LENGTH || noncePrefix.length != SealedHeader.NONCE_PREFIX_LENGTH) {
            throw new IllegalArgumentException("a 32-byte key and a 7-byte nonce prefix");
        }
        try {
            this.cipher = Cipher.getInstance(TRANSFORMATION);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK has no " + TRANSFORMATION, e);
        }
        this.key = new SecretKeySpec(dataKey, "AES");
        this.aad = aad;
        System.arraycopy(noncePrefix, 0, nonce, 0, noncePrefix.length);
    }

    /** The cipher of one object's frames. */
    static FrameCipher forObject(SealedHeader header, MasterKey key, String objectName) {
        return new FrameCipher(dataKey(key, header.salt(), objectName), header.noncePrefix(), header.associatedData());
    }

    /** HKDF-SHA256(ikm = master key, salt, info = "gpbackup_s3_plugin seal v1 " || name, L = 32). */
    static byte[] dataKey(MasterKey key, byte[] salt, String objectName) {
        return Hkdf.derive(key.bytes(), salt, info(objectName), MasterKey.LENGTH);
    }

    static byte[] info(String objectName) {
        return (INFO_PREFIX + objectName).getBytes(StandardCharsets.UTF_8);
    }

    /** Seals frame {@code index} into {@code out}: ciphertext then tag, {@code length + 16} bytes. */
    int sealFrame(long index, boolean last, byte[] in, int offset, int length, byte[] out, int outOffset) {
        setFrameNonce(index, last);
        return seal(nonce, aad, in, offset, length, out, outOffset);
    }

    /**
     * Opens frame {@code index} (ciphertext and tag, {@code length} bytes) into {@code out}; nothing is written to
     * {@code out} unless the tag checks. Returns the plaintext length.
     */
    int openFrame(long index, boolean last, byte[] in, int offset, int length, byte[] out, int outOffset)
            throws AEADBadTagException {
        setFrameNonce(index, last);
        return open(nonce, aad, in, offset, length, out, outOffset);
    }

    private void setFrameNonce(long index, boolean last) {
        if (index < 0 || index >= SealedLayout.MAX_FRAMES) {
            throw new IllegalArgumentException("frame index " + index + " is beyond 32 bits");
        }
        frameNonce(nonce, index, last);
    }

    /** Writes index (uint32, big-endian) and the last flag into bytes 7..11 of a nonce whose prefix is set. */
    static void frameNonce(byte[] nonce, long index, boolean last) {
        int at = SealedHeader.NONCE_PREFIX_LENGTH;
        nonce[at] = (byte) (index >>> 24);
        nonce[at + 1] = (byte) (index >>> 16);
        nonce[at + 2] = (byte) (index >>> 8);
        nonce[at + 3] = (byte) index;
        nonce[at + 4] = (byte) (last ? 1 : 0);
    }

    /** AES-256-GCM encryption with a given 12-byte nonce and associated data, as the frames and the NIST vectors use it. */
    int seal(byte[] iv, byte[] associatedData, byte[] in, int offset, int length, byte[] out, int outOffset) {
        try {
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, iv));
            cipher.updateAAD(associatedData);
            return cipher.doFinal(in, offset, length, out, outOffset);
        } catch (GeneralSecurityException e) {
            // Only a broken JDK or a repeated nonce, which the frame indexes rule out, get here.
            throw new IllegalStateException("AES-GCM sealing failed: " + e.getClass().getSimpleName());
        }
    }

    /** AES-256-GCM decryption; {@code out} gets nothing when the tag does not check. */
    int open(byte[] iv, byte[] associatedData, byte[] in, int offset, int length, byte[] out, int outOffset)
            throws AEADBadTagException {
        try {
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, iv));
            cipher.updateAAD(associatedData);
            return cipher.doFinal(in, offset, length, out, outOffset);
        } catch (AEADBadTagException e) {
            throw e;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM opening failed: " + e.getClass().getSimpleName());
        }
    }
}
