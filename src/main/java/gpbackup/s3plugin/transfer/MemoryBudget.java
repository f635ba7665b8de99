package gpbackup.s3plugin.transfer;

/**
 * The bytes of part buffers a process may hold: the configured {@code memory_budget}, unless
 * the JVM heap is too small for it, in which case a share of the heap, so that a small heap
 * means smaller parts rather than an out-of-memory error hours into a backup.
 */
public record MemoryBudget(long bytes) {
    /** The share of the maximum heap part buffers may take; the rest is for everything else. */
    static final double HEAP_SHARE = 0.6;
    /** Two parts of S3's smallest size (one being read, one being sent) and some room: the least that works. */
    static final long MINIMUM = 16L << 20;

    /** The configured budget, lowered to the heap's share if need be, never below {@link #MINIMUM}. */
    public static MemoryBudget within(long configured, long maxHeap) {
        return new MemoryBudget(Math.max(MINIMUM, Math.min(configured, (long) (maxHeap * HEAP_SHARE))));
    }
}
