package gpbackup.s3plugin.serving;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * What a plugin process does on SIGTERM, SIGINT or SIGHUP, which the JVM turns into its shutdown
 * sequence: runs {@code onSignal} (stop the work, so that an upload in flight is aborted rather
 * than left open, and answer whoever waits), unless the process is exiting because its work is
 * {@linkplain #finished() finished}. The JVM then exits with 128 + the signal's number.
 */
public final class SignalStop {
    /** How long the stopped work may take to abort its uploads and answer before the JVM exits. */
    public static final Duration PATIENCE = Duration.ofSeconds(20);

    private final CountDownLatch finished = new CountDownLatch(1);

    private SignalStop() {
    }

    /** @param patience how long to wait, after {@code onSignal}, for the work to finish */
    public static SignalStop install(Runnable onSignal, Duration patience) {
        SignalStop stop = new SignalStop();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (stop.finished.getCount() > 0) {
                onSignal.run();
                stop.awaitFinished(patience);
            }
        }, "stop-on-signal"));
        return stop;
    }

    /** The work is done: an exit from now on is the normal one. */
    public void finished() {
        finished.countDown();
    }

    private void awaitFinished(Duration patience) {
        try {
            finished.await(patience.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
