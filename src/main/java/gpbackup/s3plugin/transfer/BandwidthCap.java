package gpbackup.s3plugin.transfer;

import java.util.function.LongSupplier;

/**
 * {@code max_bandwidth}: bytes per second that every transfer holding this cap takes together, so
 * a DBA keeps part of the network for the database. One per process, or one per host agent for all
 * the calls it serves.
 *
 * <p>A request takes its bytes before it starts, from a schedule: each gets the next free slot of
 * {@code bytes / rate} and waits for the slot's start. Over any stretch of time the bytes started
 * stay within the rate plus the request in flight; a single request still runs at the link's speed,
 * so the cap is an average over a few requests (a second or two at 8 MiB pieces and 200 MB/s).
 */
public final class BandwidthCap {
    /** Waits, interruptibly; a seam so the schedule is tested without time passing. */
    @FunctionalInterface
    public interface Sleeper {
        void sleepNanos(long nanos) throws InterruptedException;
    }

    private final long bytesPerSecond;
    private final LongSupplier nanoTime;
    private final Sleeper sleeper;
    /** When, by {@code nanoTime}, the schedule is next free; guarded by this. */
    private long nextFree;
    private boolean started;

    public BandwidthCap(long bytesPerSecond) {
        this(bytesPerSecond, System::nanoTime, nanos -> Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000)));
    }

    BandwidthCap(long bytesPerSecond, LongSupplier nanoTime, Sleeper sleeper) {
        if (bytesPerSecond <= 0) {
            throw new IllegalArgumentException("a bandwidth is positive");
        }
        this.bytesPerSecond = bytesPerSecond;
        this.nanoTime = nanoTime;
        this.sleeper = sleeper;
    }

    /** Waits until {@code bytes} may start moving. */
    public void take(long bytes) throws InterruptedException {
        long wait;
        synchronized (this) {
            long now = nanoTime.getAsLong();
            // A schedule left idle does not bank time for a burst later.
            long slot = started && nextFree - now > 0 ? nextFree : now;
            started = true;
            nextFree = slot + nanosFor(bytes);
            wait = slot - now;
        }
        if (wait > 0) {
            sleeper.sleepNanos(wait);
        }
    }

    /** Counts bytes that already moved (a body whose length was known only once it had come), delaying the next taker. */
    public synchronized void charge(long bytes) {
        long now = nanoTime.getAsLong();
        long slot = started && nextFree - now > 0 ? nextFree : now;
        started = true;
        nextFree = slot + nanosFor(bytes);
    }

    private long nanosFor(long bytes) {
        // bytes * 1e9 / rate without overflow for any size a request can have (under 2^53 bytes).
        return (long) (bytes * 1e9 / bytesPerSecond);
    }
}
