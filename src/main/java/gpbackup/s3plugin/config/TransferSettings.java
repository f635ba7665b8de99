package gpbackup.s3plugin.config;

/**
 * How one direction of transfer is cut up: the configured {@code *_multipart_chunksize} (named
 * after the option; an upload's part size, a download's piece size, each an upper bound) and
 * requests in flight at once.
 */
public record TransferSettings(long chunkSize, int concurrency) {
    public TransferSettings {
        if (chunkSize <= 0 || concurrency <= 0) {
            throw new IllegalArgumentException("size and concurrency must be positive");
        }
    }
}
