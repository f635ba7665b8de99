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
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
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

    /**
     * Reserves on a thread of its own and returns once that reservation waits in the pool's queue:
     * parked on a condition, which in the pool only a queued reservation awaits.
     */
    private static CompletableFuture<Optional<BufferPool.Ticket>> queued(BufferPool pool, long bytes,
                                                                         BooleanSupplier stop)
            throws InterruptedException {
        CompletableFuture<Optional<BufferPool.Ticket>> ticket = new CompletableFuture<>();
        Thread reserving = new Thread(() -> {
            try {
                ticket.complete(pool.reserve(bytes, stop));
            } catch (InterruptedException | RuntimeException e) {
                ticket.completeExceptionally(e);
            }
        });
        reserving.setDaemon(true);
        reserving.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (!(LockSupport.getBlocker(reserving) instanceof Condition)) {
            assertTrue(System.nanoTime() < deadline, "the reservation never queued");
            Thread.sleep(1);
        }
        return ticket;
    }

    private static CompletableFuture<BufferPool.Ticket> queued(BufferPool pool, long bytes)
            throws InterruptedException {
        return queued(pool, bytes, () -> false).thenApply(Optional::orElseThrow);
    }

    @Test
    void aLargeReservationAheadOfAThousandSmallOnesIsServedFirst() throws Exception {
        BufferPool pool = new BufferPool(8L * BLOCK);
        BufferPool.Ticket held = reserve(pool, BLOCK);
        CompletableFuture<BufferPool.Ticket> large = queued(pool, 8L * BLOCK);

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
        CompletableFuture<BufferPool.Ticket> large = queued(pool, 4L * BLOCK);

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
        CompletableFuture<Optional<BufferPool.Ticket>> stopped = queued(pool, 2L * BLOCK, stop::get);
        // Queued behind the stopped one, it is served only if stopping that one signals it.
        CompletableFuture<BufferPool.Ticket> next = queued(pool, BLOCK);

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
