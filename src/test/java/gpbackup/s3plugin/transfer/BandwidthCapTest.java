package gpbackup.s3plugin.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The max_bandwidth schedule, on a clock moved by hand: every wait is recorded, none is slept. */
class BandwidthCapTest {
    private static final long SECOND = 1_000_000_000L;
    private long now = 5 * SECOND;
    private final List<Long> waits = new ArrayList<>();
    /** 100 bytes a second; a wait moves the clock as a real sleep would. */
    private final BandwidthCap cap = new BandwidthCap(100, () -> now, nanos -> {
        waits.add(nanos);
        now += nanos;
    });

    @Test
    void theFirstRequestGoesAtOnceAndEachNextWaitsForTheBytesBeforeIt() throws InterruptedException {
        cap.take(100);
        cap.take(50);
        cap.take(100);
        assertEquals(List.of(SECOND, SECOND / 2), waits);
    }

    @Test
    void overManyRequestsTheBytesStayWithinTheRatePlusTheOneInFlight() throws InterruptedException {
        long start = now;
        for (int i = 0; i < 100; i++) {
            cap.take(1_000);
        }
        // 100 requests of 10 s each: the last starts after 99 of them have had their time.
        assertEquals(99 * 10 * SECOND, now - start);
    }

    @Test
    void timeLeftIdleIsNotBankedForABurstLater() throws InterruptedException {
        cap.take(100);
        now += 60 * SECOND;
        cap.take(100);
        cap.take(100);
        assertEquals(List.of(SECOND), waits, "after a minute idle only the first of two goes at once");
    }

    @Test
    void requestsThatOverlapShareTheRateInTheOrderTheyAsked() throws InterruptedException {
        // Three callers ask before any has waited: each is given the slot after the one before.
        BandwidthCap shared = new BandwidthCap(100, () -> now, waits::add);
        shared.take(100);
        shared.take(100);
        shared.take(100);
        assertEquals(List.of(SECOND, 2 * SECOND), waits);
    }

    @Test
    void bytesChargedAfterTheyMovedDelayTheNextRequest() throws InterruptedException {
        cap.charge(200);
        cap.take(10);
        assertEquals(List.of(2 * SECOND), waits);
    }
}
