package gpbackup.s3plugin.s3;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

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
    private final LongSupplier nanoTime;
    private final ScheduledFuture<?> check;
    private volatile long lastProgress;
    private InputStream body;
    private boolean closed;
    private boolean fired;

    IdleWatchdog(Duration idle, ScheduledExecutorService timer) {
        this(idle, timer, System::nanoTime);
    }

    /** @param nanoTime the monotonic clock; tests pass one they move by hand */
    IdleWatchdog(Duration idle, ScheduledExecutorService timer, LongSupplier nanoTime) {
        this.idleNanos = idle.toNanos();
        this.nanoTime = nanoTime;
        this.lastProgress = nanoTime.getAsLong();
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
                lastProgress = nanoTime.getAsLong();
                return b;
            }

            @Override
            public int read(byte[] buffer, int offset, int length) throws IOException {
                int n = super.read(buffer, offset, length);
                lastProgress = nanoTime.getAsLong();
                return n;
            }
        };
    }

    /** Whether the watchdog gave up on the body. */
    synchronized boolean fired() {
        return fired;
    }

    /** Run by the timer; gives up on the body once it has been silent for the idle limit. */
    synchronized void check() {
        if (closed || fired || nanoTime.getAsLong() - lastProgress < idleNanos) {
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
