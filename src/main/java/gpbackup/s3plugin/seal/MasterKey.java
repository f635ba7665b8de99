package gpbackup.s3plugin.seal;

import gpbackup.s3plugin.digest.Digests;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * A 32-byte master key: the key that every object's data key is derived from (or, with a KMS, the data key
 * the envelope unwraps to). Its bytes stay inside this package; {@link #toString()} shows only the
 * fingerprint.
 */
public final class MasterKey {
    /** Bytes of a master key. */
    public static final int LENGTH = 32;

    private static final byte[] FINGERPRINT_LABEL =
            "gpbackup_s3_plugin key fingerprint v1".getBytes(StandardCharsets.US_ASCII);

    private final byte[] key;
    private final KeyFingerprint fingerprint;

    private MasterKey(byte[] key) {
        this.key = key;
        MessageDigest sha256 = Digests.sha256();
        sha256.update(FINGERPRINT_LABEL);
        sha256.update(key);
        this.fingerprint = KeyFingerprint.of(sha256.digest(), 0);
    }

    /** A key of exactly 32 bytes, copied. */
    public static MasterKey of(byte[] key) {
        if (key.length != LENGTH) {
            throw new IllegalArgumentException("a master key is " + LENGTH + " bytes, not " + key.length);
        }
        return new MasterKey(key.clone());
    }

    /** First 8 bytes of SHA-256("gpbackup_s3_plugin key fingerprint v1" || key). */
    public KeyFingerprint fingerprint() {
        return fingerprint;
    }

    /** The key itself, for the key derivation only. */
    byte[] bytes() {
        return key;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof MasterKey that && MessageDigest.isEqual(key, that.key);
    }

    @Override
    public int hashCode() {
        return fingerprint.hashCode();
    }

    @Override
    public String toString() {
        return "MasterKey[fingerprint=" + fingerprint + "]";
    }
}
