package gpbackup.s3plugin.transfer;

import gpbackup.s3plugin.s3.Payload;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Up to one part of data held in blocks of a {@link BufferPool}, so parts larger than a Java
 * array (S3 allows 5 GiB) fit, and blocks are taken only as data actually arrives. The SHA-256
 * that signs the part is computed while the data is read, while it is still in the CPU's cache.
 * The body is published as slices of the blocks, without a copy. Filled once by
 * {@link #readFrom}, then read-only until {@link #release()} hands the blocks back.
 */
public final class PartBuffer implements Payload {
    private final List<ByteBuffer> slices;
    private final long length;
    private final String sha256Hex;
    private final BufferPool.Ticket ticket;

    private PartBuffer(List<ByteBuffer> slices, long length, String sha256Hex, BufferPool.Ticket ticket) {
        this.slices = slices;
        this.length = length;
        this.sha256Hex = sha256Hex;
        this.ticket = ticket;
    }

    /**
     * Reads until {@code limit} bytes or end of stream, whichever comes first, into the room of
     * {@code ticket}, which must hold {@code limit} bytes and belongs to the part from now on.
     * Reading again with the same ticket (a retried download) starts over in the same blocks.
     * On failure the ticket is not released: the caller may retry with it.
     *
     * @param hashed whether to compute the SHA-256 on the way (an upload's part needs it, a download's piece not)
     */
    public static PartBuffer readFrom(InputStream in, long limit, BufferPool.Ticket ticket, boolean hashed)
            throws IOException {
        if (limit > ticket.capacity()) {
            throw new IllegalArgumentException("a part of " + limit + " bytes needs a larger ticket");
        }
        List<ByteBuffer> slices = new ArrayList<>();
        MessageDigest digest = hashed ? Payload.sha256() : null;
        long total = 0;
        ticket.rewind();
        while (total < limit) {
            int want = (int) Math.min(BufferPool.BLOCK_SIZE, limit - total);
            byte[] block = ticket.block();
            int got = 0;
            while (got < want) {
                int n = in.read(block, got, want - got);
                if (n < 0) {
                    break;
                }
                if (digest != null) {
                    digest.update(block, got, n);
                }
                got += n;
            }
            if (got > 0) {
                slices.add(ByteBuffer.wrap(block, 0, got).slice());
                total += got;
            }
            if (got < want) {
                break;
            }
        }
        return new PartBuffer(List.copyOf(slices), total,
                digest == null ? null : HexFormat.of().formatHex(digest.digest()), ticket);
    }

    @Override
    public long length() {
        return length;
    }

    @Override
    public List<ByteBuffer> buffers() {
        List<ByteBuffer> views = new ArrayList<>(slices.size());
        for (ByteBuffer slice : slices) {
            views.add(slice.duplicate());
        }
        return views;
    }

    @Override
    public String sha256Hex() {
        return sha256Hex != null ? sha256Hex : Payload.super.sha256Hex();
    }

    /** Writes the whole buffer. */
    public void writeTo(OutputStream out) throws IOException {
        for (ByteBuffer slice : slices) {
            out.write(slice.array(), slice.arrayOffset(), slice.remaining());
        }
    }

    /** Hands the blocks back to the pool; the part must not be used afterwards. */
    public void release() {
        ticket.release();
    }
}
