package gpbackup.s3plugin.s3;

import gpbackup.s3plugin.auth.AwsChunkedEncoding;
import java.io.IOException;
import java.io.InputStream;

/**
 * Encodes a body as {@code aws-chunked} with a signature per chunk
 * ({@code STREAMING-AWS4-HMAC-SHA256-PAYLOAD}), lazily, as the HTTP client reads it.
 *
 * <p>Why: a body sent with one whole-payload hash must be hashed before the first byte goes out,
 * and some S3-compatible servers (S3Proxy) refuse such bodies above 128 MiB. Chunk signing
 * streams parts of any size that S3 allows.
 */
final class AwsChunkedInputStream extends InputStream {

    /** Signs one chunk, chaining from the previous chunk's signature. */
    @FunctionalInterface
    interface ChunkSignatures {
        String next(byte[] data, int offset, int length);
    }

    private final InputStream data;
    private final ChunkSignatures signatures;
    private final byte[] chunk;
    private byte[] pending = new byte[0];
    private int pendingPos;
    private boolean finalChunkSent;

    AwsChunkedInputStream(InputStream data, int chunkSize, ChunkSignatures signatures) {
        this.data = data;
        this.signatures = signatures;
        this.chunk = new byte[chunkSize];
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) == -1 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] out, int offset, int length) throws IOException {
        if (length == 0) {
            return 0;
        }
        if (pendingPos == pending.length && !fill()) {
            return -1;
        }
        int n = Math.min(length, pending.length - pendingPos);
        System.arraycopy(pending, pendingPos, out, offset, n);
        pendingPos += n;
        return n;
    }

    private boolean fill() throws IOException {
        if (finalChunkSent) {
            return false;
        }
        int filled = data.readNBytes(chunk, 0, chunk.length);
        byte[] headerBytes = AwsChunkedEncoding.chunkHeader(filled, signatures.next(chunk, 0, filled));
        pending = new byte[headerBytes.length + filled + 2];
        System.arraycopy(headerBytes, 0, pending, 0, headerBytes.length);
        System.arraycopy(chunk, 0, pending, headerBytes.length, filled);
        pending[pending.length - 2] = '\r';
        pending[pending.length - 1] = '\n';
        pendingPos = 0;
        finalChunkSent = filled == 0;
        return true;
    }

    @Override
    public void close() throws IOException {
        data.close();
    }
}
