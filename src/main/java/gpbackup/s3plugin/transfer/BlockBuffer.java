package gpbackup.s3plugin.transfer;

import gpbackup.s3plugin.digest.Digests;
import gpbackup.s3plugin.s3.BodySink;
import gpbackup.s3plugin.s3.Payload;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

/**
 * Up to one part of data held in blocks of a {@link BufferPool}, so parts larger than a Java
 * array (S3 allows 5 GiB) fit, and blocks are taken only as data actually arrives. The SHA-256
 * that signs the part is computed while the data is read, while it is still in the CPU's cache.
 * The body is published as slices of the blocks, without a copy. Filled once, by
 * {@link #readFrom} or by a {@link Landing}, then read-only until {@link #close()} hands the
 * blocks back: the buffer owns its room in the pool from then on.
 */
final class BlockBuffer implements Payload, AutoCloseable {
    /** How much of an input stream is read (and hashed) at a time on its way into a block. */
    private static final int READ_SIZE = 64 * 1024;

    private final List<ByteBuffer> slices;
    private final long length;
    private final String sha256Hex;
    private final BufferPool.Ticket ticket;

    private BlockBuffer(List<ByteBuffer> slices, long length, String sha256Hex, BufferPool.Ticket ticket) {
        this.slices = slices;
        this.length = length;
        this.sha256Hex = sha256Hex;
        this.ticket = ticket;
    }

    /**
     * Reads until {@code limit} bytes or end of stream, whichever comes first, into the room of
     * {@code ticket}, which must hold {@code limit} bytes and belongs to the part from now on.
     * Reading again with the same ticket starts over in the same blocks. On failure the ticket
     * is not released: the caller may retry with it.
     *
     * @param hashed whether to compute the SHA-256 on the way (an upload's part needs it)
     */
    static BlockBuffer readFrom(InputStream in, long limit, BufferPool.Ticket ticket, boolean hashed)
            throws IOException {
        if (limit > ticket.capacity()) {
            throw new IllegalArgumentException("a part of " + limit + " bytes needs a larger ticket");
        }
        List<ByteBuffer> slices = new ArrayList<>();
        MessageDigest digest = hashed ? Digests.sha256() : null;
        // An InputStream reads only into arrays; the hash is taken there, in the cache, before the copy.
        byte[] chunk = new byte[(int) Math.min(READ_SIZE, Math.max(1, limit))];
        long total = 0;
        ticket.rewind();
        boolean ended = false;
        while (total < limit && !ended) {
            ByteBuffer block = ticket.block();
            int room = (int) Math.min(block.capacity(), limit - total);
            while (block.position() < room) {
                int n = in.read(chunk, 0, Math.min(chunk.length, room - block.position()));
                if (n < 0) {
                    ended = true;
                    break;
                }
                if (digest != null) {
                    digest.update(chunk, 0, n);
                }
                block.put(chunk, 0, n);
            }
            if (block.position() > 0) {
                slices.add(block.flip().slice());
                total += block.limit();
            }
        }
        return new BlockBuffer(List.copyOf(slices), total,
                digest == null ? null : Digests.hex(digest.digest()), ticket);
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

    /** Writes the whole buffer: straight from the blocks to a {@link DescriptorOutput}, else through a copy. */
    void writeTo(OutputStream out) throws IOException {
        if (out instanceof DescriptorOutput data) {
            data.write(buffers());
            return;
        }
        byte[] chunk = new byte[(int) Math.min(READ_SIZE, Math.max(1, length))];
        for (ByteBuffer slice : buffers()) {
            while (slice.hasRemaining()) {
                int n = Math.min(chunk.length, slice.remaining());
                slice.get(chunk, 0, n);
                out.write(chunk, 0, n);
            }
        }
    }

    /** Hands the blocks back to the pool, once however often called; the part must not be used afterwards. */
    @Override
    public void close() {
        ticket.release();
    }

    /**
     * Receives a response body into a ticket's blocks as the HTTP client delivers it: one copy,
     * from the client's buffer into the block. Each attempt starts over in the same blocks. The
     * landing owns the ticket until {@link #buffer()} hands it to the piece; closed before that, it
     * gives the room back, so a failed request frees its room by leaving a try-with-resources.
     */
    static final class Landing implements BodySink, AutoCloseable {
        private final BufferPool.Ticket ticket;
        private final List<ByteBuffer> filled = new ArrayList<>();
        private ByteBuffer current;
        private long expected;
        private long received;
        private boolean handedOver;

        /** Lands a response body in the room of {@code ticket}, which belongs to the landing from now on. */
        Landing(BufferPool.Ticket ticket) {
            this.ticket = ticket;
        }

        @Override
        public void begin(long length) throws IOException {
            if (length > ticket.capacity()) {
                throw new IOException("an answer of " + length + " bytes does not fit a piece of " + ticket.capacity());
            }
            ticket.rewind();
            filled.clear();
            current = null;
            expected = length;
            received = 0;
        }

        @Override
        public void accept(ByteBuffer bytes) {
            received += bytes.remaining();
            while (bytes.hasRemaining()) {
                if (current == null || !current.hasRemaining()) {
                    current = ticket.block();
                    filled.add(current);
                }
                if (bytes.remaining() <= current.remaining()) {
                    current.put(bytes);
                } else {
                    int end = bytes.limit();
                    bytes.limit(bytes.position() + current.remaining());
                    current.put(bytes);
                    bytes.limit(end);
                }
            }
        }

        /** The landed body as a part; the ticket now belongs to it. */
        BlockBuffer buffer() {
            if (received != expected) {
                throw new IllegalStateException("landed " + received + " of " + expected + " bytes");
            }
            List<ByteBuffer> slices = new ArrayList<>(filled.size());
            for (ByteBuffer block : filled) {
                slices.add(block.duplicate().flip().slice());
            }
            handedOver = true;
            return new BlockBuffer(List.copyOf(slices), received, null, ticket);
        }

        /** Gives the room back unless {@link #buffer()} has handed it to the piece. */
        @Override
        public void close() {
            if (!handedOver) {
                ticket.release();
            }
        }
    }
}
