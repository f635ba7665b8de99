package gpbackup.s3plugin.s3;

import gpbackup.s3plugin.auth.AwsChunkedEncoding;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Encodes a body as {@code aws-chunked} with a signature per chunk
 * ({@code STREAMING-AWS4-HMAC-SHA256-PAYLOAD}), as a list of buffers: per chunk its header, views
 * of its data in the body's own buffers (no copy), and the closing CRLF.
 *
 * <p>Why: some S3-compatible servers (S3Proxy) refuse a body signed by one whole-payload hash
 * above 128 MiB; chunk signing carries parts of any size S3 allows.
 */
final class AwsChunkedBody {
    private static final byte[] CRLF = AwsChunkedEncoding.chunkEnd();

    /** Signs one chunk, chaining from the previous chunk's signature. */
    @FunctionalInterface
    interface ChunkSignatures {
        String next(List<ByteBuffer> data);
    }

    private AwsChunkedBody() {
    }

    /** The encoded body: chunks of {@code chunkSize} bytes, the remainder, then the empty final chunk. */
    static List<ByteBuffer> encode(List<ByteBuffer> body, int chunkSize, ChunkSignatures signatures) {
        List<ByteBuffer> wire = new ArrayList<>();
        List<ByteBuffer> chunk = new ArrayList<>();
        int filled = 0;
        for (ByteBuffer buffer : body) {
            ByteBuffer rest = buffer.duplicate();
            while (rest.hasRemaining()) {
                int n = Math.min(rest.remaining(), chunkSize - filled);
                ByteBuffer view = rest.slice();
                view.limit(n);
                rest.position(rest.position() + n);
                chunk.add(view);
                filled += n;
                if (filled == chunkSize) {
                    append(wire, chunk, filled, signatures);
                    chunk = new ArrayList<>();
                    filled = 0;
                }
            }
        }
        if (filled > 0) {
            append(wire, chunk, filled, signatures);
        }
        append(wire, List.of(), 0, signatures);
        return wire;
    }

    private static void append(List<ByteBuffer> wire, List<ByteBuffer> data, int length, ChunkSignatures signatures) {
        wire.add(ByteBuffer.wrap(AwsChunkedEncoding.chunkHeader(length, signatures.next(data))));
        wire.addAll(data);
        wire.add(ByteBuffer.wrap(CRLF));
    }
}
