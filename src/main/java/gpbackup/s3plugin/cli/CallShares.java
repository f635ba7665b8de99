package gpbackup.s3plugin.cli;

import gpbackup.s3plugin.transfer.BufferPool;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.Semaphore;

/**
 * How the host agent shares itself among relayed calls (spec/agent.md, "Sharing"): at most
 * {@link #callsAtOnce()} calls run at once and later ones wait in arrival order; each running call
 * has a part-buffer pool of its own, of {@code memory_budget} (what the same call would hold in a
 * process of its own), so a call alone runs exactly as fast as standalone, and a call whose reader
 * stalls holds its own pool only, never another's. The number at once is what the heap's share
 * for buffers holds, at most {@link #MAX_CALLS_AT_ONCE}.
 */
final class CallShares {
    /** The most calls one agent runs at once, however large its heap. */
    static final int MAX_CALLS_AT_ONCE = 32;
    /** The share of the agent's heap that part buffers of all its calls together may take. */
    static final double HEAP_SHARE = 0.6;

    private final long share;
    private final int callsAtOnce;
    private final Semaphore slots;
    private final Deque<BufferPool> idlePools = new ArrayDeque<>();

    CallShares(long share, int callsAtOnce) {
        this.share = share;
        this.callsAtOnce = callsAtOnce;
        this.slots = new Semaphore(callsAtOnce, true);
    }

    /** The rule: each call's share is its budget; the calls at once are as many shares as the heap holds. */
    static CallShares forBudget(long memoryBudget, long maxHeap) {
        int fitting = (int) Math.min(MAX_CALLS_AT_ONCE, (long) (maxHeap * HEAP_SHARE) / Math.max(1, memoryBudget));
        return new CallShares(memoryBudget, Math.max(1, fitting));
    }

    int callsAtOnce() {
        return callsAtOnce;
    }

    long share() {
        return share;
    }

    /** Waits, in arrival order, for a place among the calls at once; the pool is the call's until it is closed. */
    Share acquire() throws InterruptedException {
        slots.acquire();
        BufferPool pool;
        synchronized (this) {
            pool = idlePools.poll();
        }
        return new Share(pool != null ? pool : new BufferPool(share));
    }

    /** One running call's place and part buffers. */
    final class Share implements AutoCloseable {
        private final BufferPool pool;
        private boolean closed;

        private Share(BufferPool pool) {
            this.pool = pool;
        }

        BufferPool pool() {
            return pool;
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            synchronized (CallShares.this) {
                // At most one pool per place is kept: its blocks are reused by the next call.
                if (idlePools.size() < callsAtOnce) {
                    idlePools.push(pool);
                }
            }
            slots.release();
        }
    }
}
