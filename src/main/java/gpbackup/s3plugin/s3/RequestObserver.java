package gpbackup.s3plugin.s3;

/**
 * Told of every S3 request once it has ended, retries included: the seam an audit trail hangs on.
 * Called on the thread that sent the request, possibly many at once; it must not throw or block
 * for long, and it must never see a secret (a {@link RequestRecord} holds none).
 */
@FunctionalInterface
public interface RequestObserver {
    /** Observes nothing: requests of a client nobody audits. */
    RequestObserver NONE = record -> { };

    void ended(RequestRecord record);
}
