package gpbackup.s3plugin.transfer;

import java.util.function.LongSupplier;

/**
 * How many requests one transfer keeps in flight: a few at first, twice as many while doubling
 * makes the transfer faster, never more than its bound (the configured concurrency, and what
 * the memory budget holds). Where a few requests fill the link (loopback, a LAN) the window stays
 * small and so does the memory held; where one connection carries a fraction of the link (a
 * region away, a WAN) it grows until the link is full. aws-c-s3 sizes its connections from a
 * target throughput; here the throughput is found by trying.
 *
 * <p>A round is twice the window's pieces, so one slow answer does not decide. A round that is
 * not {@link #GAIN} faster than the one before the last doubling ends the search: the window goes
 * back to the smaller size, which did as well, and stays. Safe for the workers that report pieces
 * and the reader that asks the size at once.
 */
final class InFlightWindow {
    /** Where a window starts: enough to hide one request's latency on a fast link. */
    static final int START = 4;
    /** A doubling is kept when it brings at least this much more throughput. */
    static final double GAIN = 1.15;

    private final int bound;
    private final LongSupplier nanoTime;
    private int size;
    private boolean settled;
    private long roundStart;
    private long roundBytes;
    private int roundPieces;
    /** Bytes a nanosecond of the last round before the window doubled; 0 before any. */
    private double rateBefore;

    /** @param bound the most requests in flight, at least 1 */
    InFlightWindow(int bound, LongSupplier nanoTime) {
        this.bound = Math.max(1, bound);
        this.nanoTime = nanoTime;
        this.size = Math.min(START, this.bound);
        this.settled = size == this.bound;
        this.roundStart = nanoTime.getAsLong();
    }

    /** The requests to keep in flight now. */
    synchronized int size() {
        return size;
    }

    /** The most the window may grow to: the workers a transfer needs. */
    int bound() {
        return bound;
    }

    /** A piece of {@code bytes} has arrived (a download) or been stored (an upload). */
    synchronized void done(long bytes) {
        if (settled) {
            return;
        }
        roundBytes += bytes;
        if (++roundPieces < 2 * size) {
            return;
        }
        long now = nanoTime.getAsLong();
        double rate = roundBytes / (double) Math.max(1, now - roundStart);
        if (rateBefore > 0 && rate < rateBefore * GAIN) {
            size = Math.max(1, size / 2);
            settled = true;
        } else if (size < bound) {
            rateBefore = rate;
            size = Math.min(bound, size * 2);
        } else {
            settled = true;
        }
        roundStart = now;
        roundBytes = 0;
        roundPieces = 0;
    }
}
