package gpbackup.s3plugin.s3;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Guards the reading of one response body. The JDK HTTP client has no read timeout, so a
 * connection that a firewall dropped mid-download would block a restore forever; when no byte
 * arrives for the idle limit, the watchdog closes the body and interrupts the reading thread,
 * whose read then fails like any broken connection and is retried.
 *
 * <p>Used on the reading thread only: it is created there, and {@link #close()} there clears the
 * interrupt it may have caused, so the retry's next request is not cancelled by it.
 */
final class IdleWatchdog implements AutoCloseable {
    private final Thread reader = Thread.currentThread();
    private final long idleNanos;
    private final ScheduledFuture<?> check;
    private volatile long lastProgress = System.nanoTime();
    private InputStream body;
    private boolean closed;
    private boolean fired;

    IdleWatchdog(Duration idle, ScheduledExecutorService timer) {
        this.idleNanos = idle.toNanos();
        long period = Math.max(10, idle.toMillis() / 4);
        this.check = timer.scheduleAtFixedRate(this::check, period, period, TimeUnit.MILLISECONDS);
    }

    /** The body, counted as progress whenever it yields bytes. */
    synchronized InputStream watch(InputStream in) {
        body = in;
        return new FilterInputStream(in) {
            @Override
            public int read() throws IOException {
                int b = super.read();
                lastProgress = System.nanoTime();
                return b;
            }

            @Override
            public int read(byte[] buffer, int offset, int length) throws IOException {
                int n = super.read(buffer, offset, length);
                lastProgress = System.nanoTime();
                return n;
            }
        };
    }

    /** Whether the watchdog gave up on the body. */
    synchronized boolean fired() {
        return fired;
    }

    private synchronized void check() {
        if (closed || fired || System.nanoTime() - lastProgress < idleNanos) {
            return;
        }
        fired = true;
        try {
            if (body != null) {
                body.close();
            }
        } catch (IOException ignored) {
            // The interrupt below ends the read either way.
        }
        reader.interrupt();
    }

    @Override
    public synchronized void close() {
        closed = true;
        check.cancel(false);
        if (fired) {
            Thread.interrupted();
        }
    }
}
