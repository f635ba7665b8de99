package gpbackup.s3plugin.auth;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** SHA-256 and HMAC-SHA256 from the JDK, with the lowercase hex SigV4 writes. */
final class Digests {

    /** sha256 of zero bytes: the payload hash of an empty body and a field of every chunk string to sign. */
    static final String EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    private static final char[] HEX_LOWER = "0123456789abcdef".toCharArray();

    private Digests() {
    }

    static String sha256Hex(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        return sha256Hex(bytes, 0, bytes.length);
    }

    static String sha256Hex(byte[] data, int offset, int length) {
        MessageDigest digest = sha256();
        digest.update(data, offset, length);
        return hex(digest.digest());
    }

    static byte[] hmacSha256(byte[] key, String data) {
        return hmacSha256(key).doFinal(data.getBytes(StandardCharsets.UTF_8));
    }

    /** An HMAC-SHA256 keyed once; {@link Mac#doFinal} resets it for the next message under the same key. */
    static Mac hmacSha256(byte[] key) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac;
        } catch (GeneralSecurityException e) {
            // Deliberately no cause detail beyond the type: the key must not leak into a message.
            throw new IllegalStateException("HmacSHA256 is unavailable in this JDK: " + e.getClass().getSimpleName());
        }
    }

    static String hex(byte[] bytes) {
        char[] out = new char[bytes.length * 2];
        for (int i = 0; i < bytes.length; i++) {
            out[2 * i] = HEX_LOWER[(bytes[i] >> 4) & 0x0F];
            out[2 * i + 1] = HEX_LOWER[bytes[i] & 0x0F];
        }
        return new String(out);
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is unavailable in this JDK", e);
        }
    }
}
