package gpbackup.s3plugin.digest;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The JDK's digests (SHA-256, MD5) and HMAC-SHA256, with the lowercase hex SigV4 and S3 write. A leaf
 * package of its own: the signer, the S3 client, the transfer engine and the checks all hash, and none of
 * them should need another's package for it.
 */
public final class Digests {

    /** sha256 of zero bytes: the payload hash of an empty body and a field of every chunk string to sign. */
    public static final String EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    private Digests() {
    }

    /** A new digest by its JDK name; every JDK has SHA-256 and MD5. */
    public static MessageDigest named(String jdkName) {
        try {
            return MessageDigest.getInstance(jdkName);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no " + jdkName, e);
        }
    }

    public static MessageDigest sha256() {
        return named("SHA-256");
    }

    public static MessageDigest md5() {
        return named("MD5");
    }

    public static String sha256Hex(String text) {
        return hex(sha256().digest(text.getBytes(StandardCharsets.UTF_8)));
    }

    public static String sha256Hex(byte[] data, int offset, int length) {
        MessageDigest digest = sha256();
        digest.update(data, offset, length);
        return hex(digest.digest());
    }

    public static byte[] hmacSha256(byte[] key, String data) {
        return hmacSha256(key).doFinal(data.getBytes(StandardCharsets.UTF_8));
    }

    /** An HMAC-SHA256 keyed once; {@link Mac#doFinal} resets it for the next message under the same key. */
    public static Mac hmacSha256(byte[] key) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac;
        } catch (GeneralSecurityException e) {
            // Deliberately no cause detail beyond the type: the key must not leak into a message.
            throw new IllegalStateException("HmacSHA256 is unavailable in this JDK: " + e.getClass().getSimpleName());
        }
    }

    public static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }
}
