package gpbackup.s3plugin.transfer;

import gpbackup.s3plugin.config.TransferSettings;

/**
 * How much of the JVM heap transfers may hold in part buffers. The defaults inherited from the
 * Go plugin (500 MB parts, 6 at a time) need about 3.5 GB; where the heap is smaller, fewer parts
 * are kept in flight rather than failing with an out-of-memory error hours into a backup.
 */
public record MemoryBudget(long bytes) {
    /** The share of the maximum heap given to part buffers; the rest is for everything else. */
    static final double HEAP_SHARE = 0.6;

    public static MemoryBudget ofHeap() {
        return new MemoryBudget((long) (Runtime.getRuntime().maxMemory() * HEAP_SHARE));
    }

    /**
     * The settings with concurrency lowered, if needed, so that {@code concurrency + spareBuffers}
     * parts fit the budget; never below one part in flight.
     *
     * @param spareBuffers buffers held besides those in flight (the uploader reads one part ahead)
     */
    public TransferSettings fit(TransferSettings settings, int spareBuffers) {
        long parts = bytes / settings.chunkSize() - spareBuffers;
        int concurrency = (int) Math.max(1, Math.min(settings.concurrency(), parts));
        return concurrency == settings.concurrency() ? settings
                : new TransferSettings(settings.chunkSize(), concurrency);
    }
}
