package gpbackup.s3plugin.config;

/** How one direction of transfer is cut up: part size in bytes and parts in flight at once. */
public record TransferSettings(long chunkSize, int concurrency) {
    public TransferSettings {
        if (chunkSize <= 0 || concurrency <= 0) {
            throw new IllegalArgumentException("chunk size and concurrency must be positive");
        }
    }
}
