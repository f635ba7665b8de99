package gpbackup.s3plugin.auth;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Signs the chunks of one {@code aws-chunked} upload. Each chunk's signature chains on the one
 * before it (the request's seed signature for the first chunk), so signing returns the signer
 * for the next chunk rather than changing this one.
 */
public final class ChunkSigner {

    private static final String CHUNK_ALGORITHM = "AWS4-HMAC-SHA256-PAYLOAD";
    private static final String TRAILER_ALGORITHM = "AWS4-HMAC-SHA256-TRAILER";

    private final byte[] signingKey;
    private final String amzDate;
    private final String scope;
    private final String previousSignature;

    ChunkSigner(byte[] signingKey, String amzDate, String scope, String previousSignature) {
        this.signingKey = signingKey.clone();
        this.amzDate = amzDate;
        this.scope = scope;
        this.previousSignature = previousSignature;
    }

    /** Signs {@code length} bytes of {@code data} from {@code offset}; the array is only read. */
    public SignedChunk sign(byte[] data, int offset, int length) {
        MessageDigest digest = Digests.sha256();
        digest.update(data, offset, length);
        return signChunkHash(length, Digests.hex(digest.digest()));
    }

    /** Signs the remaining bytes of {@code data} without moving its position. */
    public SignedChunk sign(ByteBuffer data) {
        ByteBuffer view = data.duplicate();
        int length = view.remaining();
        MessageDigest digest = Digests.sha256();
        digest.update(view);
        return signChunkHash(length, Digests.hex(digest.digest()));
    }

    /** Signs the chunk made of the remaining bytes of {@code data}, in order, without moving their positions. */
    public SignedChunk sign(List<ByteBuffer> data) {
        MessageDigest digest = Digests.sha256();
        long length = 0;
        for (ByteBuffer part : data) {
            ByteBuffer view = part.duplicate();
            length += view.remaining();
            digest.update(view);
        }
        return signChunkHash(Math.toIntExact(length), Digests.hex(digest.digest()));
    }

    /** Signs the empty chunk that ends every {@code aws-chunked} body. */
    public SignedChunk signFinalChunk() {
        return signChunkHash(0, Digests.EMPTY_SHA256);
    }

    /**
     * Signs trailing headers sent after the final chunk ({@code ...-PAYLOAD-TRAILER} uploads).
     * Names are lower-cased; the hashed text is {@code name:value\n} per trailer (LF, not CRLF).
     * Call this on the signer returned with the final chunk.
     */
    public SignedTrailer signTrailer(List<Map.Entry<String, String>> trailers) {
        StringBuilder canonical = new StringBuilder();
        List<Map.Entry<String, String>> normalized = trailers.stream()
                .map(t -> Map.entry(t.getKey().trim().toLowerCase(Locale.ROOT), t.getValue().trim()))
                .toList();
        for (Map.Entry<String, String> t : normalized) {
            canonical.append(t.getKey()).append(':').append(t.getValue()).append('\n');
        }
        String stringToSign = TRAILER_ALGORITHM + '\n' + amzDate + '\n' + scope + '\n' + previousSignature + '\n'
                + Digests.sha256Hex(canonical.toString());
        return new SignedTrailer(normalized, stringToSign, signatureOf(stringToSign));
    }

    /**
     * A fresh chain starting at this signer, for one pass over a body: each {@link Chain#next}
     * signs a chunk and advances. A retried or re-read body needs a new chain, hence "restart".
     */
    public Chain restart() {
        return new Chain(this);
    }

    private SignedChunk signChunkHash(int length, String chunkSha256) {
        String stringToSign = CHUNK_ALGORITHM + '\n' + amzDate + '\n' + scope + '\n' + previousSignature + '\n'
                + Digests.EMPTY_SHA256 + '\n' + chunkSha256;
        String signature = signatureOf(stringToSign);
        return new SignedChunk(length, stringToSign, signature,
                new ChunkSigner(signingKey, amzDate, scope, signature));
    }

    private String signatureOf(String stringToSign) {
        return Digests.hex(Digests.hmacSha256(signingKey, stringToSign));
    }

    @Override
    public String toString() {
        return "ChunkSigner[scope=" + scope + "]";
    }

    /**
     * A cursor over the chunk signatures of one body stream, for callers that produce chunks one
     * after another. Mutable and not thread-safe by design: one per stream, on that stream's thread.
     */
    public static final class Chain {
        private ChunkSigner current;

        private Chain(ChunkSigner start) {
            this.current = start;
        }

        /** Signs the next chunk ({@code length} 0 for the final chunk) and returns its signature. */
        public String next(byte[] data, int offset, int length) {
            SignedChunk chunk = current.sign(data, offset, length);
            current = chunk.next();
            return chunk.signature();
        }

        /** Signs the next chunk, made of {@code data} in order (none for the final chunk), and returns its signature. */
        public String next(List<ByteBuffer> data) {
            SignedChunk chunk = current.sign(data);
            current = chunk.next();
            return chunk.signature();
        }

        @Override
        public String toString() {
            return "ChunkSigner.Chain[scope=" + current.scope + "]";
        }
    }

    /**
     * One signed chunk.
     *
     * @param length        bytes of data in the chunk
     * @param stringToSign  what was signed (for tests and debugging; holds no secret)
     * @param signature     the chunk signature, 64 lowercase hex
     * @param next          the signer for the chunk after this one
     */
    public record SignedChunk(int length, String stringToSign, String signature, ChunkSigner next) {

        /** {@code hex(length);chunk-signature=<signature>\r\n}, to be followed by the data and a CRLF. */
        public byte[] header() {
            return AwsChunkedEncoding.chunkHeader(length, signature);
        }

        @Override
        public String toString() {
            return "SignedChunk[length=" + length + "]";
        }
    }

    /**
     * Signed trailing headers.
     *
     * @param trailers     the trailers as sent, names lower-cased
     * @param stringToSign what was signed
     * @param signature    the {@code x-amz-trailer-signature} value
     */
    public record SignedTrailer(List<Map.Entry<String, String>> trailers, String stringToSign, String signature) {

        public SignedTrailer {
            trailers = List.copyOf(trailers);
        }

        /**
         * The trailer section that follows the final chunk's header line (which then has no
         * CRLF of its own): {@code name:value\r\n} per trailer,
         * {@code x-amz-trailer-signature:<sig>\r\n}, then the closing {@code \r\n}.
         */
        public byte[] encoded() {
            StringBuilder out = new StringBuilder();
            for (Map.Entry<String, String> t : trailers) {
                out.append(t.getKey()).append(':').append(t.getValue()).append("\r\n");
            }
            out.append("x-amz-trailer-signature:").append(signature).append("\r\n\r\n");
            return out.toString().getBytes(StandardCharsets.US_ASCII);
        }

        @Override
        public String toString() {
            return "SignedTrailer[names=" + trailers.stream().map(Map.Entry::getKey).toList() + "]";
        }
    }
}
