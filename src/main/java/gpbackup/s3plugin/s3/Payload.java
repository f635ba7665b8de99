package gpbackup.s3plugin.s3;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A request body held in memory. It can be opened again for every retry, and knows its
 * length up front because S3 wants Content-Length before the first byte.
 */
public interface Payload {

    /** Bytes in the body. */
    long length();

    /** A fresh stream over the whole body. */
    InputStream open();

    /** An empty body. */
    static Payload empty() {
        return of(new byte[0]);
    }

    /** A body over a whole array, which must not change afterwards. */
    static Payload of(byte[] bytes) {
        return new Payload() {
            @Override
            public long length() {
                return bytes.length;
            }

            @Override
            public InputStream open() {
                return new ByteArrayInputStream(bytes);
            }
        };
    }

    /** Lower-case hex SHA-256 of the body, as SigV4 signs it. */
    static String sha256Hex(Payload payload) {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
        byte[] buffer = new byte[64 * 1024];
        try (InputStream in = payload.open()) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
