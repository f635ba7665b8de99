package gpbackup.s3plugin.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/** The agent's sharing rule (spec/agent.md, "Sharing"). */
class CallSharesTest {
    private static final long MIB = 1 << 20;
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    private final AtomicLong now = new AtomicLong(1000 * SECOND);
    private final AtomicInteger collections = new AtomicInteger();
    private final Semaphore collected = new Semaphore(0);

    private CallShares shares(int callsAtOnce) {
        return new CallShares(16 * MIB, callsAtOnce, now::get, () -> {
            collections.incrementAndGet();
            collected.release();
        });
    }

    private static CallShares.Share place(CallShares shares) throws InterruptedException {
        return shares.acquire(() -> { }, () -> false).orElseThrow();
    }

    /** A call that waits for a place on a thread of its own; {@link #looks} counts how often it looked around. */
    private static final class Waiter {
        final CountDownLatch queued = new CountDownLatch(1);
        final AtomicInteger looks = new AtomicInteger();
        volatile boolean clientGone;
        final CompletableFuture<Optional<CallShares.Share>> result = new CompletableFuture<>();

        Waiter(CallShares shares) throws InterruptedException {
            BooleanSupplier gone = () -> {
                looks.incrementAndGet();
                return clientGone;
            };
            Thread thread = new Thread(() -> {
                try {
                    result.complete(shares.acquire(queued::countDown, gone));
                } catch (Throwable e) {
                    result.completeExceptionally(e);
                }
            });
            thread.start();
            queued.await();
        }

        /** Returns once the waiter has looked at the running calls twice more, so it saw what is now. */
        void looksAgain() throws InterruptedException {
            int seen = looks.get();
            while (looks.get() < seen + 2) {
                Thread.sleep(10);
            }
        }

        Optional<CallShares.Share> outcome() throws Exception {
            return result.get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void eachCallGetsTheWholeBudgetAndTheHeapDecidesHowManyRunAtOnce() {
        CallShares big = CallShares.forBudget(128 * MIB, 16L * 1024 * MIB);
        assertEquals(128 * MIB, big.share(), "a call alone has what it has standalone");
        assertEquals(CallShares.MAX_CALLS_AT_ONCE, big.callsAtOnce());
        CallShares small = CallShares.forBudget(128 * MIB, 1024 * MIB);
        assertEquals(128 * MIB, small.share());
        assertEquals(4, small.callsAtOnce(), "60% of a 1 GiB heap holds four 128 MiB pools");
        assertEquals(1, CallShares.forBudget(128 * MIB, 64 * MIB).callsAtOnce(), "never fewer than one");
    }

    @Test
    void aRunningCallsPoolIsItsOwnAndIsReusedAfterIt() throws Exception {
        CallShares shares = shares(2);
        CallShares.Share first = place(shares);
        CallShares.Share second = place(shares);
        assertNotSame(first.pool(), second.pool(), "two running calls never share buffers");
        first.close();
        try (CallShares.Share third = place(shares)) {
            assertSame(first.pool(), third.pool(), "blocks are reused, not reallocated");
        }
        second.close();
    }

    @Test
    void callsBeyondTheLimitRunInArrivalOrder() throws Exception {
        CallShares shares = shares(1);
        CallShares.Share holder = place(shares);
        List<Integer> order = Collections.synchronizedList(new ArrayList<>());
        List<Thread> waiters = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            int number = i;
            CountDownLatch queued = new CountDownLatch(1);
            Thread waiter = new Thread(() -> {
                try (CallShares.Share share = shares.acquire(queued::countDown, () -> false).orElseThrow()) {
                    order.add(number);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            waiter.start();
            // Told "queued" means in the queue, not merely started.
            queued.await();
            waiters.add(waiter);
        }
        holder.close();
        for (Thread waiter : waiters) {
            waiter.join(10_000);
        }
        assertEquals(List.of(0, 1, 2, 3, 4, 5), order);
    }

    @Test
    void aCallThatWaitedWhileEveryRunningCallIsStalledRunsOnItsOwn() throws Exception {
        CallShares shares = shares(2);
        CallShares.Share stalled = place(shares);
        CallShares.Share alsoStalled = place(shares);
        // Both wait on their clients' pipes (their readers stopped) from now on.
        stalled.streams().begin();
        alsoStalled.streams().begin();
        Waiter fresh = new Waiter(shares);
        now.addAndGet(CallShares.STALLED.toNanos());
        assertEquals(Optional.empty(), fresh.outcome(), "sent to run on its own");
        stalled.close();
        alsoStalled.close();
    }

    @Test
    void aCallWaitsInLineWhileARunningCallStillMovesData() throws Exception {
        CallShares shares = shares(2);
        CallShares.Share stalled = place(shares);
        CallShares.Share busy = place(shares);
        stalled.streams().begin();
        // The other one's writes return: its reader reads, it is only slow.
        busy.streams().begin();
        busy.streams().end();
        Waiter next = new Waiter(shares);
        now.addAndGet(3600 * SECOND);
        next.looksAgain();
        assertFalse(next.result.isDone(), "still in line after an hour");
        busy.close();
        Optional<CallShares.Share> placed = next.outcome();
        assertTrue(placed.isPresent(), "it takes the place freed");
        placed.get().close();
        stalled.close();
    }

    @Test
    void aCallWaitsItsPatienceOutBeforeItIsSentAway() throws Exception {
        CallShares shares = shares(1);
        CallShares.Share stalled = place(shares);
        stalled.streams().begin();
        now.addAndGet(3600 * SECOND);
        Waiter next = new Waiter(shares);
        next.looksAgain();
        assertFalse(next.result.isDone(), "a call that just came waits first: the stalled call may move again");
        now.addAndGet(CallShares.PATIENCE.toNanos());
        assertEquals(Optional.empty(), next.outcome());
        stalled.close();
    }

    @Test
    void aWaitingCallWhoseClientExitedLeavesTheLine() throws Exception {
        CallShares shares = shares(1);
        CallShares.Share holder = place(shares);
        Waiter orphan = new Waiter(shares);
        Waiter next = new Waiter(shares);
        orphan.clientGone = true;
        assertEquals(Optional.empty(), orphan.outcome());
        holder.close();
        Optional<CallShares.Share> placed = next.outcome();
        assertTrue(placed.isPresent(), "the next in line takes the place");
        placed.get().close();
    }

    @Test
    void droppedBlocksAreCollectedOnlyWhenNoCallRuns() throws Exception {
        CallShares shares = shares(2);
        shares.collectWhenQuiet();
        assertEquals(1, collections.get(), "nothing runs: collected at once");
        CallShares.Share running = place(shares);
        shares.collectWhenQuiet();
        assertEquals(1, collections.get(), "a collection would pause the running call");
        running.close();
        assertTrue(collected.tryAcquire(2, 30, TimeUnit.SECONDS), "collected once the last call ended");
        assertEquals(2, collections.get());
    }
}
