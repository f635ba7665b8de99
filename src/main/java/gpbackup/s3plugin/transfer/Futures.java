package gpbackup.s3plugin.transfer;

import gpbackup.s3plugin.PluginException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/** Waiting for workers: what a failed future failed with, and the two ways the transfer classes wait. */
final class Futures {
    private Futures() {
    }

    /**
     * The result of {@code future}; an interrupt ends the wait, so a stopped directory transfer
     * stops here too.
     *
     * @param what the transfer, for the message when the wait is interrupted or fails oddly
     */
    static <T> T join(Future<T> future, String what) {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PluginException(what + " interrupted", e);
        } catch (ExecutionException e) {
            throw failure(e, what);
        }
    }

    /**
     * The result of {@code future}, waited for even if this thread is interrupted meanwhile, for
     * what must be seen to its end once started (an upload's creation, completion or abort, the
     * last requests of a failed download); the interrupt is kept for what comes next.
     */
    static <T> T joinUninterruptibly(Future<T> future, String what) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return future.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    throw failure(e, what);
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * The failure to throw for {@code e}: the worker's own unchecked exception, so that an
     * {@code S3Exception} keeps its message and status; an {@link Error} is rethrown at once;
     * anything else becomes a {@link PluginException} saying that {@code what} failed.
     */
    static RuntimeException failure(ExecutionException e, String what) {
        Throwable cause = e.getCause();
        if (cause instanceof RuntimeException r) {
            return r;
        }
        if (cause instanceof Error error) {
            throw error;
        }
        return new PluginException(what + " failed: " + cause, cause);
    }
}
