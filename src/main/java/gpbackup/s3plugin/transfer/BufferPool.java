package gpbackup.s3plugin.transfer;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The memory of every part and piece of a process: 1 MiB blocks of native memory under one hard
 * limit. Native (direct) blocks go to a socket, a pipe or a file without the JDK copying them into
 * a native buffer first, and response bytes land in them with one copy. A part or piece first
 * reserves the blocks it may need (a ticket), before it is read or requested, so memory can never
 * overshoot however many transfers share the pool; blocks are allocated only as data arrives and
 * are reused, not reallocated, once a ticket is released.
 *
 * <p>Reservations are served first come, first served: one that must wait queues, and nothing
 * (neither a later, smaller reservation nor a {@link #tryReserve}) passes it, so a large part is
 * never starved by a stream of small pieces; it waits only for tickets taken before it to be
 * released. When the pool has been idle (nothing reserved) for a while, its cached blocks are
 * dropped, so a long-lived host agent gives the memory back between backups.
 */
public final class BufferPool {
    /** Bytes in one block. */
    public static final int BLOCK_SIZE = 1 << 20;
    /** Idle time after which cached blocks are dropped: long beside the gap between two tables' calls. */
    static final Duration IDLE_RELEASE = Duration.ofSeconds(10);

    private final int maxBlocks;
    private final long idleNanos;
    private final Supplier<ByteBuffer> newBlock;
    private final Runnable collect;
    private final ReentrantLock lock = new ReentrantLock();
    /** Reservations waiting for room, oldest first; only the first may take room. */
    private final Deque<Condition> queue = new ArrayDeque<>();
    private final Deque<ByteBuffer> free = new ArrayDeque<>();
    private final Condition idleChanged = lock.newCondition();
    private int reserved;
    private long lastRelease;
    private boolean releaserRunning;

    /**
     * A pool of at most {@code limitBytes}, rounded down to whole blocks, and at least one block,
     * for a process of one command: its dropped blocks go with the process, which ends soon, so no
     * garbage collection is requested for them. (Requested, each pool's stop-the-world collection
     * paused every transfer of the JVM: in a test JVM running hundreds of commands, a dozen a
     * second, which made unrelated requests miss their timeouts.)
     */
    public BufferPool(long limitBytes) {
        this(limitBytes, () -> { });
    }

    /**
     * @param collect run when the idle pool has dropped its blocks, whose native memory a garbage
     *                collection frees; the host agent, with a pool per call, decides there whether
     *                a collection would pause other calls
     */
    public BufferPool(long limitBytes, Runnable collect) {
        this(limitBytes, IDLE_RELEASE, () -> ByteBuffer.allocateDirect(BLOCK_SIZE), collect);
    }

    /** @param newBlock allocates one block of {@link #BLOCK_SIZE} bytes */
    BufferPool(long limitBytes, Duration idleRelease, Supplier<ByteBuffer> newBlock, Runnable collect) {
        this.maxBlocks = (int) Math.max(1, Math.min(Integer.MAX_VALUE, limitBytes / BLOCK_SIZE));
        this.idleNanos = idleRelease.toNanos();
        this.newBlock = newBlock;
        this.collect = collect;
    }

    /** The most bytes the pool ever holds. */
    public long limit() {
        return (long) maxBlocks * BLOCK_SIZE;
    }

    /** {@code bytes} rounded up to whole blocks, and at least one block: the room they take. */
    static long wholeBlocks(long bytes) {
        return Math.max(1, (bytes + BLOCK_SIZE - 1) / BLOCK_SIZE) * BLOCK_SIZE;
    }

    /**
     * Reserves room for {@code bytes}, after every reservation that waits already, waiting while
     * the pool is full.
     *
     * @param stop checked whenever this reservation could go ahead or {@link #wakeWaiters()} is
     *             called; when it says true, the wait ends without a ticket
     * @return the ticket, or empty when {@code stop} ended the wait
     * @throws IllegalArgumentException when {@code bytes} exceeds the whole pool
     */
    Optional<Ticket> reserve(long bytes, BooleanSupplier stop) throws InterruptedException {
        int blocks = blocksFor(bytes);
        lock.lock();
        try {
            if (queue.isEmpty() && fits(blocks)) {
                return Optional.of(grant(blocks));
            }
            Condition me = lock.newCondition();
            queue.add(me);
            try {
                while (queue.peek() != me || !fits(blocks)) {
                    if (stop.getAsBoolean()) {
                        return Optional.empty();
                    }
                    me.await();
                }
                return Optional.of(grant(blocks));
            } finally {
                // Served, stopped or interrupted: the next in line may go ahead now.
                queue.remove(me);
                signalFirst();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Reserves room for {@code bytes} if there is room now and no reservation waits before it. */
    Optional<Ticket> tryReserve(long bytes) {
        int blocks = blocksFor(bytes);
        lock.lock();
        try {
            return queue.isEmpty() && fits(blocks) ? Optional.of(grant(blocks)) : Optional.empty();
        } finally {
            lock.unlock();
        }
    }

    /** Makes every waiting {@link #reserve} look at its stop condition again. */
    void wakeWaiters() {
        lock.lock();
        try {
            queue.forEach(Condition::signal);
        } finally {
            lock.unlock();
        }
    }

    private int blocksFor(long bytes) {
        long blocks = Math.max(1, (bytes + BLOCK_SIZE - 1) / BLOCK_SIZE);
        if (blocks > maxBlocks) {
            throw new IllegalArgumentException(bytes + " bytes do not fit a buffer pool of " + limit() + " bytes");
        }
        return (int) blocks;
    }

    private boolean fits(int blocks) {
        return reserved + blocks <= maxBlocks;
    }

    private Ticket grant(int blocks) {
        reserved += blocks;
        return new Ticket(blocks);
    }

    private void signalFirst() {
        Condition first = queue.peek();
        if (first != null) {
            first.signal();
        }
    }

    private ByteBuffer take() {
        lock.lock();
        try {
            ByteBuffer block = free.poll();
            return block != null ? block.clear() : newBlock.get();
        } finally {
            lock.unlock();
        }
    }

    private void giveBack(List<ByteBuffer> blocks, int reservedBlocks) {
        lock.lock();
        try {
            blocks.forEach(free::push);
            reserved -= reservedBlocks;
            lastRelease = System.nanoTime();
            signalFirst();
            if (reserved == 0 && !free.isEmpty()) {
                idleChanged.signal();
                if (!releaserRunning) {
                    releaserRunning = true;
                    Thread releaser = new Thread(this::releaseWhenIdle, "buffer-pool-release");
                    releaser.setDaemon(true);
                    releaser.start();
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Runs on a thread of its own while blocks are cached: once the pool has been idle for
     * {@link #IDLE_RELEASE}, drops them and ends. A dropped block's native memory is freed by its
     * cleaner when a garbage collection finds the buffer unreachable; an idle process allocates
     * too little to cause one soon, so one is requested here (in a host agent, through
     * {@code collect}, only once no call runs: a full collection would pause their transfers). A
     * new reservation allocates fresh blocks.
     */
    private void releaseWhenIdle() {
        boolean dropped = false;
        lock.lock();
        try {
            while (!free.isEmpty()) {
                long idleFor = System.nanoTime() - lastRelease;
                if (reserved > 0) {
                    idleChanged.await();
                } else if (idleFor < idleNanos) {
                    idleChanged.awaitNanos(idleNanos - idleFor);
                } else {
                    free.clear();
                    dropped = true;
                }
            }
        } catch (InterruptedException e) {
            // Only this class starts the thread and nothing interrupts it; end quietly if something does.
        } finally {
            releaserRunning = false;
            lock.unlock();
        }
        if (dropped) {
            collect.run();
        }
    }

    /** Room reserved in the pool for one part or piece; used by one thread at a time, released once. */
    final class Ticket {
        private final int blocks;
        private final List<ByteBuffer> taken = new ArrayList<>();
        private int handedOut;
        private boolean released;

        private Ticket(int blocks) {
            this.blocks = blocks;
        }

        /** Bytes this ticket may hold. */
        long capacity() {
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
        void release() {
            if (!released) {
                released = true;
                giveBack(taken, blocks);
                taken.clear();
            }
        }
    }
}
