package gpbackup.s3plugin.seal;

import gpbackup.s3plugin.digest.Digests;
import javax.crypto.Mac;

/** HKDF with HMAC-SHA256 (RFC 5869), from the JDK's HmacSHA256. */
public final class Hkdf {
    private static final int HASH_LENGTH = 32;

    private Hkdf() {
    }

    /** HKDF-Extract: PRK = HMAC(salt, ikm); an empty salt stands for 32 zero bytes, as the RFC says. */
    public static byte[] extract(byte[] salt, byte[] ikm) {
        return Digests.hmacSha256(salt.length == 0 ? new byte[HASH_LENGTH] : salt).doFinal(ikm);
    }

    /** HKDF-Expand: the first {@code length} bytes of T(1) || T(2) || …, T(i) = HMAC(prk, T(i-1) || info || i). */
    public static byte[] expand(byte[] prk, byte[] info, int length) {
        if (length < 0 || length > 255 * HASH_LENGTH) {
            throw new IllegalArgumentException("HKDF-SHA256 gives 0 to " + 255 * HASH_LENGTH + " bytes, not " + length);
        }
        Mac mac = Digests.hmacSha256(prk);
        byte[] okm = new byte[length];
        byte[] t = new byte[0];
        for (int i = 1, done = 0; done < length; i++) {
            mac.update(t);
            mac.update(info);
            mac.update((byte) i);
            t = mac.doFinal();
            int n = Math.min(t.length, length - done);
            System.arraycopy(t, 0, okm, done, n);
            done += n;
        }
        return okm;
    }

    /** Extract then expand. */
    public static byte[] derive(byte[] ikm, byte[] salt, byte[] info, int length) {
        return expand(extract(salt, ikm), info, length);
    }
}
