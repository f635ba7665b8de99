package gpbackup.s3plugin.auth;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.List;

/**
 * Signs the chunks of one {@code aws-chunked} upload. Each chunk's signature chains on the one
 * before it (the request's seed signature for the first chunk), so signing returns the signer
 * for the next chunk rather than changing this one.
 */
public final class ChunkSigner {

    private static final String CHUNK_ALGORITHM = "AWS4-HMAC-SHA256-PAYLOAD";

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

        @Override
        public String toString() {
            return "SignedChunk[length=" + length + "]";
        }
    }
}
