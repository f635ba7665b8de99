package gpbackup.s3plugin.auth;

import gpbackup.s3plugin.digest.Digests;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import javax.crypto.Mac;

/**
 * Signs the chunks of one {@code aws-chunked} upload. Each chunk's signature chains on the one
 * before it (the request's seed signature for the first chunk), so signing returns the signer
 * for the next chunk rather than changing this one.
 */
public final class ChunkSigner {

    private static final String CHUNK_ALGORITHM = "AWS4-HMAC-SHA256-PAYLOAD";

    /** Never written after construction, so the signers of one chain share it. */
    private final byte[] signingKey;
    private final String amzDate;
    private final String scope;
    private final String previousSignature;

    ChunkSigner(byte[] signingKey, String amzDate, String scope, String previousSignature) {
        this(amzDate, scope, previousSignature, signingKey.clone());
    }

    private ChunkSigner(String amzDate, String scope, String previousSignature, byte[] sharedKey) {
        this.signingKey = sharedKey;
        this.amzDate = amzDate;
        this.scope = scope;
        this.previousSignature = previousSignature;
    }

    /** Signs the chunk made of the remaining bytes of {@code data}, in order, without moving their positions. */
    public SignedChunk sign(List<ByteBuffer> data) {
        MessageDigest digest = Digests.sha256();
        int length = hash(digest, data);
        String stringToSign = stringToSign(previousSignature, Digests.hex(digest.digest()));
        String signature = Digests.hex(Digests.hmacSha256(signingKey, stringToSign));
        return new SignedChunk(length, stringToSign, signature,
                new ChunkSigner(amzDate, scope, signature, signingKey));
    }

    /**
     * A fresh chain starting at this signer, for one pass over a body: each {@link Chain#next}
     * signs a chunk and advances. A retried or re-read body needs a new chain, hence "restart".
     */
    public Chain restart() {
        return new Chain(this);
    }

    private static int hash(MessageDigest digest, List<ByteBuffer> data) {
        long length = 0;
        for (ByteBuffer part : data) {
            ByteBuffer view = part.duplicate();
            length += view.remaining();
            digest.update(view);
        }
        return Math.toIntExact(length);
    }

    private String stringToSign(String previous, String chunkSha256) {
        return CHUNK_ALGORITHM + '\n' + amzDate + '\n' + scope + '\n' + previous + '\n'
                + Digests.EMPTY_SHA256 + '\n' + chunkSha256;
    }

    @Override
    public String toString() {
        return "ChunkSigner[scope=" + scope + "]";
    }

    /**
     * A cursor over the chunk signatures of one body stream, for callers that produce chunks one
     * after another. Mutable and not thread-safe by design: one per stream, on that stream's thread,
     * which lets it key its HMAC once and reuse one digest for every frame.
     */
    public static final class Chain {
        private final ChunkSigner start;
        private final MessageDigest digest = Digests.sha256();
        private final Mac mac;
        private String previousSignature;

        private Chain(ChunkSigner start) {
            this.start = start;
            this.mac = Digests.hmacSha256(start.signingKey);
            this.previousSignature = start.previousSignature;
        }

        /** Signs the next chunk, made of {@code data} in order (none for the final chunk), and returns its signature. */
        public String next(List<ByteBuffer> data) {
            hash(digest, data);
            String stringToSign = start.stringToSign(previousSignature, Digests.hex(digest.digest()));
            previousSignature = Digests.hex(mac.doFinal(stringToSign.getBytes(StandardCharsets.UTF_8)));
            return previousSignature;
        }

        @Override
        public String toString() {
            return "ChunkSigner.Chain[scope=" + start.scope + "]";
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
