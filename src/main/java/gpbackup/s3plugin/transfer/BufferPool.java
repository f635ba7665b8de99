package gpbackup.s3plugin.transfer;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * The part buffers of one process: 1 MiB blocks of native memory under one hard limit. Native
 * (direct) blocks go to a socket, a pipe or a file without the JDK copying them into a native
 * buffer first, and response bytes land in them with one copy. A part or piece first
 * reserves the blocks it may need (a ticket), before it is read or requested, so memory can
 * never overshoot however many transfers share the pool; blocks are allocated only as data
 * arrives and are reused, not reallocated, once a ticket is released.
 */
public final class BufferPool {
    /** Bytes in one block. */
    public static final int BLOCK_SIZE = 1 << 20;

    private final int maxBlocks;
    private final Deque<ByteBuffer> free = new ArrayDeque<>();
    private int reserved;
    private int created;

    /** A pool of at most {@code limitBytes}, rounded down to whole blocks, and at least one block. */
    public BufferPool(long limitBytes) {
        this.maxBlocks = (int) Math.max(1, Math.min(Integer.MAX_VALUE, limitBytes / BLOCK_SIZE));
    }

    /** The most bytes the pool ever holds. */
    public long limit() {
        return (long) maxBlocks * BLOCK_SIZE;
    }

    /** Blocks ever allocated; never above {@link #limit()} / {@link #BLOCK_SIZE}. */
    public synchronized int blocksAllocated() {
        return created;
    }

    /**
     * Reserves room for {@code bytes}, waiting while the pool is full.
     *
     * @param stop checked whenever the pool changes or {@link #wakeWaiters()} is called; when it
     *             says true, the wait ends without a ticket
     * @return the ticket, or empty when {@code stop} ended the wait
     * @throws IllegalArgumentException when {@code bytes} exceeds the whole pool
     */
    public Optional<Ticket> reserve(long bytes, BooleanSupplier stop) throws InterruptedException {
        int blocks = blocksFor(bytes);
        synchronized (this) {
            while (reserved + blocks > maxBlocks) {
                if (stop.getAsBoolean()) {
                    return Optional.empty();
                }
                wait();
            }
            reserved += blocks;
        }
        return Optional.of(new Ticket(blocks));
    }

    /** Reserves room for {@code bytes} if there is room now. */
    public synchronized Optional<Ticket> tryReserve(long bytes) {
        int blocks = blocksFor(bytes);
        if (reserved + blocks > maxBlocks) {
            return Optional.empty();
        }
        reserved += blocks;
        return Optional.of(new Ticket(blocks));
    }

    /** Makes every waiting {@link #reserve} look at its stop condition again. */
    public synchronized void wakeWaiters() {
        notifyAll();
    }

    private int blocksFor(long bytes) {
        long blocks = Math.max(1, (bytes + BLOCK_SIZE - 1) / BLOCK_SIZE);
        if (blocks > maxBlocks) {
            throw new IllegalArgumentException(bytes + " bytes do not fit a buffer pool of " + limit() + " bytes");
        }
        return (int) blocks;
    }

    private synchronized ByteBuffer take() {
        ByteBuffer block = free.poll();
        if (block == null) {
            block = ByteBuffer.allocateDirect(BLOCK_SIZE);
            created++;
        }
        return block.clear();
    }

    private synchronized void giveBack(List<ByteBuffer> blocks, int reservedBlocks) {
        blocks.forEach(free::push);
        reserved -= reservedBlocks;
        notifyAll();
    }

    /** Room reserved in the pool for one part or piece; used by one thread at a time, released once. */
    public final class Ticket {
        private final int blocks;
        private final List<ByteBuffer> taken = new ArrayList<>();
        private int handedOut;
        private boolean released;

        private Ticket(int blocks) {
            this.blocks = blocks;
        }

        /** Bytes this ticket may hold. */
        public long capacity() {
            return (long) blocks * BLOCK_SIZE;
        }

        /** The next block of the reserved room: one taken before, after a {@link #rewind()}, else a new one. */
        ByteBuffer block() {
            if (released || handedOut == blocks) {
                throw new IllegalStateException("no reserved block left");
            }
            if (handedOut == taken.size()) {
                taken.add(take());
            }
            return taken.get(handedOut++).clear();
        }

        /** Starts handing out the same blocks again, for a retried read that starts over. */
        void rewind() {
            handedOut = 0;
        }

        /** Returns the blocks for reuse; the data in them must no longer be used. */
        public void release() {
            if (!released) {
                released = true;
                giveBack(taken, blocks);
                taken.clear();
            }
        }
    }
}
