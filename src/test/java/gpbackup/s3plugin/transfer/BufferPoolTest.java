package gpbackup.s3plugin.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The buffer pool serves reservations in the order they came, and gives its memory back when idle. */
class BufferPoolTest {
    private static final int BLOCK = BufferPool.BLOCK_SIZE;
    private static final long WAIT_SECONDS = 20;

    private static BufferPool.Ticket reserve(BufferPool pool, long bytes) {
        try {
            return pool.reserve(bytes, () -> false).orElseThrow();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Waits until {@code reservations} reservations wait in the pool's queue. */
    private static void awaitQueued(BufferPool pool, int reservations) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (pool.waiting() < reservations) {
            assertTrue(System.nanoTime() < deadline, "only " + pool.waiting() + " reservations ever queued");
            Thread.sleep(1);
        }
    }

    @Test
    void aLargeReservationAheadOfAThousandSmallOnesIsServedFirst() throws Exception {
        BufferPool pool = new BufferPool(8L * BLOCK);
        BufferPool.Ticket held = reserve(pool, BLOCK);
        CompletableFuture<BufferPool.Ticket> large = CompletableFuture.supplyAsync(() -> reserve(pool, 8L * BLOCK));
        awaitQueued(pool, 1);

        // Seven blocks are free, and each small one needs one; in an unfair pool they would all pass the large one.
        AtomicInteger servedBeforeLarge = new AtomicInteger();
        ExecutorService smallOnes = Executors.newFixedThreadPool(8);
        List<CompletableFuture<Void>> small = new ArrayList<>();
        try {
            for (int i = 0; i < 1000; i++) {
                small.add(CompletableFuture.runAsync(() -> {
                    BufferPool.Ticket ticket = reserve(pool, BLOCK);
                    if (!large.isDone()) {
                        servedBeforeLarge.incrementAndGet();
                    }
                    ticket.release();
                }, smallOnes));
            }
            held.release();
            large.get(WAIT_SECONDS, TimeUnit.SECONDS).release();
            CompletableFuture.allOf(small.toArray(new CompletableFuture[0])).get(WAIT_SECONDS, TimeUnit.SECONDS);
        } finally {
            smallOnes.shutdownNow();
        }
        assertEquals(0, servedBeforeLarge.get(), "small reservations passed the large one that came before them");
    }

    @Test
    void aTryDoesNotPassAWaitingReservation() throws Exception {
        BufferPool pool = new BufferPool(4L * BLOCK);
        BufferPool.Ticket held = reserve(pool, BLOCK);
        CompletableFuture<BufferPool.Ticket> large = CompletableFuture.supplyAsync(() -> reserve(pool, 4L * BLOCK));
        awaitQueued(pool, 1);

        assertTrue(pool.tryReserve(BLOCK).isEmpty(), "three blocks are free, but the large reservation is first");
        held.release();
        BufferPool.Ticket whole = large.get(WAIT_SECONDS, TimeUnit.SECONDS);
        assertTrue(pool.tryReserve(BLOCK).isEmpty());
        whole.release();
        assertTrue(pool.tryReserve(4L * BLOCK).isPresent());
    }

    @Test
    void aStoppedWaiterLetsTheNextInLineGoAhead() throws Exception {
        BufferPool pool = new BufferPool(2L * BLOCK);
        BufferPool.Ticket held = reserve(pool, BLOCK);
        AtomicBoolean stop = new AtomicBoolean();
        CompletableFuture<Optional<BufferPool.Ticket>> stopped = CompletableFuture.supplyAsync(() -> {
            try {
                return pool.reserve(2L * BLOCK, stop::get);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        awaitQueued(pool, 1);
        CompletableFuture<BufferPool.Ticket> next = CompletableFuture.supplyAsync(() -> reserve(pool, BLOCK));
        // Queued behind the stopped one, it is served only if stopping that one signals it.
        awaitQueued(pool, 2);

        stop.set(true);
        pool.wakeWaiters();
        assertTrue(stopped.get(WAIT_SECONDS, TimeUnit.SECONDS).isEmpty());
        next.get(WAIT_SECONDS, TimeUnit.SECONDS).release();
        held.release();
    }

    @Test
    void anIdlePoolGivesItsBlocksBack() throws Exception {
        CountedPool counted = new CountedPool(4L * BLOCK, Duration.ofMillis(50));
        BufferPool.Ticket ticket = reserve(counted.pool(), 3L * BLOCK);
        for (int i = 0; i < 3; i++) {
            ticket.block();
        }
        ticket.release();
        assertEquals(3, counted.blocksAllocated());

        // Nothing is reserved now; after the idle time the pool drops its blocks and they can be collected.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (counted.blocksReachable() > 0) {
            assertTrue(System.nanoTime() < deadline, "the idle pool kept " + counted.blocksReachable() + " blocks");
            System.gc();
            Thread.sleep(10);
        }
        BufferPool.Ticket again = reserve(counted.pool(), BLOCK);
        again.block();
        again.release();
        assertEquals(4, counted.blocksAllocated(), "a reservation after the idle time gets a fresh block");
    }

    @Test
    void aBusyPoolKeepsItsBlocks() throws Exception {
        CountedPool counted = new CountedPool(4L * BLOCK, Duration.ofMillis(1));
        BufferPool.Ticket busy = reserve(counted.pool(), BLOCK);
        for (int i = 0; i < 50; i++) {
            BufferPool.Ticket ticket = reserve(counted.pool(), 2L * BLOCK);
            ticket.block();
            ticket.block();
            ticket.release();
            Thread.sleep(2);
        }
        busy.release();
        assertEquals(2, counted.blocksAllocated(), "blocks were dropped while a ticket was out");
    }
}
