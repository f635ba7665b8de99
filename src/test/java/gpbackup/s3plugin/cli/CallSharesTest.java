package gpbackup.s3plugin.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/** The agent's sharing rule (spec/agent.md, "Sharing"). */
class CallSharesTest {
    private static final long MIB = 1 << 20;

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
        CallShares shares = new CallShares(16 * MIB, 2);
        CallShares.Share first = shares.acquire();
        CallShares.Share second = shares.acquire();
        assertNotSame(first.pool(), second.pool(), "two running calls never share buffers");
        first.close();
        try (CallShares.Share third = shares.acquire()) {
            assertSame(first.pool(), third.pool(), "blocks are reused, not reallocated");
        }
        second.close();
    }

    @Test
    void callsBeyondTheLimitRunInArrivalOrder() throws Exception {
        CallShares shares = new CallShares(16 * MIB, 1);
        CallShares.Share holder = shares.acquire();
        List<Integer> order = Collections.synchronizedList(new ArrayList<>());
        List<Thread> waiters = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            int number = i;
            CountDownLatch queued = new CountDownLatch(1);
            Thread waiter = new Thread(() -> {
                queued.countDown();
                try (CallShares.Share share = shares.acquire()) {
                    order.add(number);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            waiter.start();
            queued.await();
            // Arrived means parked on the queue, not merely started.
            while (waiter.getState() != Thread.State.WAITING) {
                Thread.onSpinWait();
            }
            waiters.add(waiter);
        }
        holder.close();
        for (Thread waiter : waiters) {
            waiter.join(10_000);
        }
        assertEquals(List.of(0, 1, 2, 3, 4, 5), order);
    }
}
