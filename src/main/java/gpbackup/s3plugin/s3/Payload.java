package gpbackup.s3plugin.s3;

import gpbackup.s3plugin.digest.Digests;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;

/**
 * A request body held in memory. It can be sent again for every retry, and knows its length
 * up front because S3 wants Content-Length before the first byte.
 */
public interface Payload {

    /** Bytes in the body. */
    long length();

    /** The body as buffers in order; each call returns fresh views, so a retry starts at the first byte. */
    List<ByteBuffer> buffers();

    /**
     * Lower-case hex SHA-256 of the body, as SigV4 signs it. This default reads the body once
     * more; a body filled from a stream computes it while filling and overrides this.
     */
    default String sha256Hex() {
        return Digests.hex(digest(Digests.sha256()));
    }

    /**
     * Base64 MD5 of the body, for {@code Content-MD5}: a second pass over the body, paid only where
     * S3 insists on that header (Object Lock).
     */
    default String md5Base64() {
        return Base64.getEncoder().encodeToString(digest(Digests.md5()));
    }

    private byte[] digest(MessageDigest digest) {
        buffers().forEach(digest::update);
        return digest.digest();
    }

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
            public List<ByteBuffer> buffers() {
                return List.of(ByteBuffer.wrap(bytes));
            }
        };
    }
}
