package gpbackup.s3plugin.s3;

import gpbackup.s3plugin.digest.Digests;
import java.util.Base64;

/**
 * An SSE-C key as S3 takes it: the 256-bit key and its MD5, both base64. A secret: never
 * printed, so {@link #toString()} shows neither.
 */
public record SseCustomerKey(String keyBase64, String keyMd5Base64) {
    /** The only algorithm SSE-C offers. */
    public static final String ALGORITHM = "AES256";
    public static final int KEY_BYTES = 32;

    /** The headers' values for a raw key of exactly 32 bytes. */
    public static SseCustomerKey of(byte[] key) {
        if (key.length != KEY_BYTES) {
            throw new IllegalArgumentException("an SSE-C key has 32 bytes, not " + key.length);
        }
        byte[] md5 = Digests.md5().digest(key);
        return new SseCustomerKey(Base64.getEncoder().encodeToString(key), Base64.getEncoder().encodeToString(md5));
    }

    @Override
    public String toString() {
        return "SseCustomerKey[****]";
    }
}
