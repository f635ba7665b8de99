package gpbackup.s3plugin.serving;

import gpbackup.s3plugin.transfer.BufferPool;
import gpbackup.s3plugin.transfer.StreamWait;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * How the host agent shares itself among relayed calls (spec/agent.md, "Sharing"): at most
 * {@link #callsAtOnce()} calls run at once and later ones wait in arrival order; each running call
 * has a part-buffer pool of its own, of {@code memory_budget} (what the same call would hold in a
 * process of its own), so a call alone runs exactly as fast as standalone, and a call whose reader
 * stalls holds its own pool only, never another's. The number at once is what the heap's share
 * for buffers holds, at most {@link #MAX_CALLS_AT_ONCE}. A call that has waited {@link #PATIENCE}
 * while every running call is {@link #STALLED} on its client is told to run on its own, so stalled
 * readers never hold up a fresh call for longer than that.
 */
final class CallShares {
    /** The most calls one agent runs at once, however large its heap. */
    static final int MAX_CALLS_AT_ONCE = 32;
    /** The share of the agent's heap that part buffers of all its calls together may take. */
    static final double HEAP_SHARE = 0.6;
    /** A running call whose read of stdin or write to stdout has waited this long is stalled. */
    static final Duration STALLED = Duration.ofSeconds(5);
    /** How long a call waits behind stalled calls only before it is sent to run on its own. */
    static final Duration PATIENCE = Duration.ofSeconds(2);
    /** How often a waiting call looks at its client and at the running calls. */
    private static final long LOOK_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

    private final long share;
    private final int callsAtOnce;
    private final LongSupplier nanoTime;
    private final Runnable collect;
    private final ReentrantLock lock = new ReentrantLock();
    /** Calls waiting for a place, oldest first; only the first may take one. */
    private final Deque<Condition> waiting = new ArrayDeque<>();
    private final Set<Share> running = new LinkedHashSet<>();
    private final Deque<BufferPool> idlePools = new ArrayDeque<>();
    /** A pool dropped its blocks while calls ran; the collection waits until none runs. */
    private boolean collectionOwed;

    /**
     * @param nanoTime the clock of waits and stalls
     * @param collect  requests the garbage collection that frees dropped blocks' native memory
     */
    CallShares(long share, int callsAtOnce, LongSupplier nanoTime, Runnable collect) {
        this.share = share;
        this.callsAtOnce = callsAtOnce;
        this.nanoTime = nanoTime;
        this.collect = collect;
    }

    /** The rule: each call's share is its budget; the calls at once are as many shares as the heap holds. */
    static CallShares forBudget(long memoryBudget, long maxHeap) {
        int fitting = (int) Math.min(MAX_CALLS_AT_ONCE, (long) (maxHeap * HEAP_SHARE) / Math.max(1, memoryBudget));
        return new CallShares(memoryBudget, Math.max(1, fitting), System::nanoTime, System::gc);
    }

    int callsAtOnce() {
        return callsAtOnce;
    }

    long share() {
        return share;
    }

    /**
     * Waits, in arrival order, for a place among the calls at once; the pool is the call's until
     * the share is closed. Empty when the call is to run on its own instead: its client is gone,
     * or it has waited {@link #PATIENCE} while every running call was {@link #STALLED}.
     *
     * @param queued     told, before the wait, when the call must wait; it must not block (it is
     *                   run under the lock of every call's place)
     * @param clientGone asked while the call waits
     */
    Optional<Share> acquire(Runnable queued, BooleanSupplier clientGone) throws InterruptedException {
        lock.lock();
        try {
            if (waiting.isEmpty() && running.size() < callsAtOnce) {
                return Optional.of(start());
            }
            Condition me = lock.newCondition();
            waiting.add(me);
            long since = nanoTime.getAsLong();
            try {
                queued.run();
                while (waiting.peek() != me || running.size() >= callsAtOnce) {
                    if (clientGone.getAsBoolean() || runsOnItsOwn(nanoTime.getAsLong() - since)) {
                        return Optional.empty();
                    }
                    me.awaitNanos(LOOK_NANOS);
                }
                return Optional.of(start());
            } finally {
                // Placed, sent away or interrupted: the next in line may go ahead now.
                waiting.remove(me);
                signalFirst();
            }
        } finally {
            lock.unlock();
        }
    }

    /** The rule for a waiting call: it has waited long enough, and no running call moves its client's data. */
    private boolean runsOnItsOwn(long waitedNanos) {
        if (waitedNanos < PATIENCE.toNanos() || running.isEmpty()) {
            return false;
        }
        long now = nanoTime.getAsLong();
        return running.stream().allMatch(call -> call.streams.waitedNanos(now) >= STALLED.toNanos());
    }

    private Share start() {
        BufferPool pool = idlePools.poll();
        Share placed = new Share(pool != null ? pool : new BufferPool(share, this::collectWhenQuiet));
        running.add(placed);
        return placed;
    }

    private void signalFirst() {
        Condition first = waiting.peek();
        if (first != null) {
            first.signal();
        }
    }

    /**
     * An idle pool dropped its blocks: their native memory is freed by a garbage collection, which
     * would pause the transfers of calls running now, so it is requested only when none runs.
     */
    void collectWhenQuiet() {
        lock.lock();
        try {
            if (!running.isEmpty()) {
                collectionOwed = true;
                return;
            }
            collectionOwed = false;
        } finally {
            lock.unlock();
        }
        collect.run();
    }

    /** One running call's place, part buffers and the wait of its client's stream. */
    final class Share implements AutoCloseable {
        private final BufferPool pool;
        private final StreamWait streams = new StreamWait(nanoTime);
        private boolean closed;

        private Share(BufferPool pool) {
            this.pool = pool;
        }

        BufferPool pool() {
            return pool;
        }

        /** Times the call's reads of its stdin and writes to its stdout: a long wait there is a stall. */
        StreamWait streams() {
            return streams;
        }

        @Override
        public void close() {
            boolean collectNow;
            lock.lock();
            try {
                if (closed) {
                    return;
                }
                closed = true;
                running.remove(this);
                // At most one pool per place is kept: its blocks are reused by the next call.
                if (idlePools.size() < callsAtOnce) {
                    idlePools.push(pool);
                }
                signalFirst();
                collectNow = collectionOwed && running.isEmpty();
                collectionOwed &= !collectNow;
            } finally {
                lock.unlock();
            }
            if (collectNow) {
                // Off the call's thread: its client waits for the answer, not for a collection.
                Thread collector = new Thread(collect, "buffer-collection");
                collector.setDaemon(true);
                collector.start();
            }
        }
    }
}
