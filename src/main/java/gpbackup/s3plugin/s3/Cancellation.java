package gpbackup.s3plugin.s3;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A switch shared by the requests of one transfer. Once thrown, a request not yet sent never
 * goes out, and every request in flight is torn down (its exchange cancelled, its body closed),
 * so a failed transfer stops talking to the server instead of finishing work nobody wants.
 */
public final class Cancellation {
    private final Set<Runnable> stops = new LinkedHashSet<>();
    private boolean cancelled;

    /** Throws the switch; idempotent, and safe from any thread. */
    public void cancel() {
        List<Runnable> toRun;
        synchronized (this) {
            if (cancelled) {
                return;
            }
            cancelled = true;
            toRun = new ArrayList<>(stops);
            stops.clear();
        }
        toRun.forEach(Runnable::run);
    }

    public synchronized boolean isCancelled() {
        return cancelled;
    }

    /**
     * Runs {@code start} and registers {@code stop} for as long as the returned handle is open,
     * atomically with the check, so nothing starts after {@link #cancel()}.
     *
     * @return false when the switch was already thrown; then {@code start} did not run
     */
    synchronized boolean startUnlessCancelled(Runnable start, Runnable stop) {
        if (cancelled) {
            return false;
        }
        start.run();
        stops.add(stop);
        return true;
    }

    /** Forgets {@code stop}; the request it belongs to has ended. */
    synchronized void forget(Runnable stop) {
        stops.remove(stop);
    }
}
