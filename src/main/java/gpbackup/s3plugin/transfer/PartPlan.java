package gpbackup.s3plugin.transfer;

/**
 * The sizes of the parts of a transfer, both directions planned here. An upload's parts start
 * small, so that an ordinary table gets many parts in flight and little memory, and double every
 * {@code partsPerSize} parts, so that the 10,000 parts S3 allows still reach far; no part exceeds
 * {@code largestPart}, which is the configured part size or half the memory budget, whichever is
 * smaller (two parts must fit: one being read, one being sent). A download's pieces all have
 * one size.
 *
 * @param firstPart    size of parts 1 to {@code partsPerSize}
 * @param largestPart  the size parts grow to and stay at
 * @param partsPerSize how many parts have each size before it doubles
 */
public record PartPlan(long firstPart, long largestPart, int partsPerSize) {
    /** Where parts start: big enough that a request's own cost is small beside its data. */
    static final long FIRST_PART = 8L << 20;
    /** S3 refuses parts (all but the last) below 5 MiB. */
    static final long MIN_PART = 5L << 20;
    /** S3 refuses parts above 5 GiB. */
    static final long MAX_PART = 5L << 30;
    /** Parts of one size before the size doubles. */
    static final int PARTS_PER_SIZE = 1000;
    /** A download's pieces are at most this large: small enough that many fit the budget, large beside a request's cost. */
    static final long MAX_PIECE = 8L << 20;

    public PartPlan {
        if (firstPart <= 0 || largestPart < firstPart || partsPerSize <= 0) {
            throw new IllegalArgumentException("bad part plan " + firstPart + ", " + largestPart + ", " + partsPerSize);
        }
    }

    /**
     * The plan for uploads under a memory budget.
     *
     * @param partSizeBound the configured {@code backup_multipart_chunksize}, an upper bound
     * @param budget         bytes of part buffers the process may hold
     */
    public static PartPlan forUpload(long partSizeBound, long budget) {
        long largest = Math.max(MIN_PART, Math.min(Math.min(partSizeBound, MAX_PART), wholeBlocks(budget / 2)));
        return new PartPlan(Math.min(FIRST_PART, largest), largest, PARTS_PER_SIZE);
    }

    /**
     * The plan for downloads: pieces of one size.
     *
     * @param pieceSizeBound the configured {@code restore_multipart_chunksize}, an upper bound
     */
    public static PartPlan forDownload(long pieceSizeBound) {
        long piece = Math.min(pieceSizeBound, MAX_PIECE);
        return new PartPlan(piece, piece, PARTS_PER_SIZE);
    }

    /** Size of part {@code number} (1-based); the stream's last part may be shorter. */
    long partSize(int number) {
        long size = firstPart;
        for (int doublings = (number - 1) / partsPerSize; doublings > 0 && size < largestPart; doublings--) {
            size *= 2;
        }
        return Math.min(size, largestPart);
    }

    /** The longest stream {@code maxParts} parts can carry. */
    long maxStreamSize(int maxParts) {
        long total = 0;
        for (int n = 1; n <= maxParts; n++) {
            total += partSize(n);
        }
        return total;
    }

    private static long wholeBlocks(long bytes) {
        return bytes / BufferPool.BLOCK_SIZE * BufferPool.BLOCK_SIZE;
    }
}
