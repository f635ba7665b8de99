package gpbackup.s3plugin.transfer;

import gpbackup.s3plugin.PluginException;
import java.util.concurrent.ExecutionException;

/** What a failed future failed with, for the transfer classes that wait on workers. */
final class Futures {
    private Futures() {
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
