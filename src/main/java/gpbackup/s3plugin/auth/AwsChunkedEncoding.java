package gpbackup.s3plugin.auth;

import java.nio.charset.StandardCharsets;

/**
 * Byte layout of an {@code aws-chunked} body with signed chunks
 * ({@code x-amz-content-sha256: STREAMING-AWS4-HMAC-SHA256-PAYLOAD}):
 * <pre>
 *   hex(n);chunk-signature=&lt;64 hex&gt;\r\n &lt;n bytes&gt; \r\n      one per data chunk
 *   0;chunk-signature=&lt;64 hex&gt;\r\n \r\n                       the final, empty chunk
 * </pre>
 * The request also carries {@code Content-Encoding: aws-chunked},
 * {@code x-amz-decoded-content-length: <object bytes>} and a {@code Content-Length} of the
 * encoded total, which {@link #encodedLength} computes before the first byte is streamed.
 */
public final class AwsChunkedEncoding {

    /** S3: every chunk but the last must hold at least 8 KiB. */
    public static final int MIN_CHUNK_SIZE = 8 * 1024;

    /** The {@code Content-Encoding} value of a chunk-signed body. */
    public static final String CONTENT_ENCODING = "aws-chunked";

    private static final String SIGNATURE_EXTENSION = ";chunk-signature=";
    private static final int SIGNATURE_HEX_LENGTH = 64;
    private static final int CRLF_LENGTH = 2;

    private AwsChunkedEncoding() {
    }

    /** {@code hex(dataLength);chunk-signature=<signature>\r\n} in ASCII. */
    public static byte[] chunkHeader(int dataLength, String signature) {
        if (dataLength < 0) {
            throw new IllegalArgumentException("chunk length must not be negative");
        }
        if (signature.length() != SIGNATURE_HEX_LENGTH) {
            throw new IllegalArgumentException("chunk signature must be 64 hex characters");
        }
        return (Integer.toHexString(dataLength) + SIGNATURE_EXTENSION + signature + "\r\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    /** The {@code \r\n} that follows every chunk's data, the empty final chunk's included. */
    public static byte[] chunkEnd() {
        return new byte[] {'\r', '\n'};
    }

    /** Encoded size of one chunk carrying {@code dataLength} bytes: header, data and closing CRLF. */
    public static long encodedChunkLength(int dataLength) {
        if (dataLength < 0) {
            throw new IllegalArgumentException("chunk length must not be negative");
        }
        return Integer.toHexString(dataLength).length() + SIGNATURE_EXTENSION.length() + SIGNATURE_HEX_LENGTH
                + CRLF_LENGTH + (long) dataLength + CRLF_LENGTH;
    }

    /**
     * {@code Content-Length} of an object of {@code decodedLength} bytes sent as full chunks of
     * {@code chunkSize}, then the remainder (if any), then the empty final chunk.
     */
    public static long encodedLength(long decodedLength, int chunkSize) {
        if (decodedLength < 0) {
            throw new IllegalArgumentException("decoded length must not be negative");
        }
        if (chunkSize < MIN_CHUNK_SIZE) {
            throw new IllegalArgumentException("chunk size must be at least " + MIN_CHUNK_SIZE + " bytes (S3 minimum)");
        }
        long fullChunks = decodedLength / chunkSize;
        int remainder = (int) (decodedLength % chunkSize);
        long length = fullChunks * encodedChunkLength(chunkSize);
        if (remainder > 0) {
            length += encodedChunkLength(remainder);
        }
        return length + encodedChunkLength(0);
    }
}
