package gpbackup.s3plugin.progress;

/**
 * What a long command tells a person watching it: bytes done of a total, shown as a live line
 * with rate and ETA when stderr is a terminal. Under gpbackup stderr is never a terminal, and its
 * restore helper reads any stderr output as an error, so there it prints nothing, ever.
 */
public interface Progress extends AutoCloseable {

    /** {@code bytes} more are done. */
    void advance(long bytes);

    /**
     * Wipes the live line, if one is drawn, so that a line printed next on stdout (the same
     * terminal) starts at its left edge instead of over the progress; the next advance draws
     * the progress again, under that line.
     */
    default void clear() {
    }

    /** Ends the live line; prints nothing further. */
    @Override
    void close();

    /** Shows nothing: stderr is not a terminal, or nobody watches. */
    static Progress silent() {
        return Silent.INSTANCE;
    }

    /** The progress that shows nothing. */
    enum Silent implements Progress {
        INSTANCE;

        @Override
        public void advance(long bytes) {
        }

        @Override
        public void close() {
        }
    }
}
