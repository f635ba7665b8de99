package gpbackup.s3plugin.s3;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Guards one request attempt by its progress, not its size. The JDK HTTP client has no read
 * timeout, and a whole-request timeout would have to grow with the body; instead every buffer
 * of the request body handed to the client, the arrival of the answer and every read of the
 * answer's body count as progress. When nothing moves for the idle limit the watchdog gives up:
 * it cancels the exchange (while sending or awaiting the answer) or closes the body and
 * interrupts the reading thread (while reading the answer), which then fails like any broken
 * connection and is retried.
 *
 * <p>Created, watched and closed on the requesting thread; {@link #close()} there clears the
 * interrupt it caused, so the retry's next request is not cancelled by it, and only that one: a
 * thread already interrupted by someone else is not interrupted again, and keeps its interrupt.
 */
final class IdleWatchdog implements AutoCloseable {
    private final Thread requester = Thread.currentThread();
    private final long idleNanos;
    private final LongSupplier nanoTime;
    private final ScheduledFuture<?> check;
    private volatile long lastProgress;
    private Future<?> exchange;
    private InputStream body;
    private boolean closed;
    private boolean fired;
    /** Whether this watchdog, not someone else, set the requester's interrupt flag. */
    private boolean interruptedRequester;

    /** @param nanoTime the monotonic clock, {@code System::nanoTime}; tests pass one they move by hand */
    IdleWatchdog(Duration idle, ScheduledExecutorService timer, LongSupplier nanoTime) {
        this.idleNanos = idle.toNanos();
        this.nanoTime = nanoTime;
        this.lastProgress = nanoTime.getAsLong();
        long period = Math.max(10, idle.toMillis() / 4);
        this.check = timer.scheduleAtFixedRate(this::check, period, period, TimeUnit.MILLISECONDS);
    }

    /** Something moved: a buffer was sent or the answer arrived. */
    void progress() {
        lastProgress = nanoTime.getAsLong();
    }

    /** The exchange under way, cancelled if it stalls before its answer arrives. */
    synchronized void sending(Future<?> pending) {
        exchange = pending;
        if (fired) {
            pending.cancel(true);
        }
    }

    /** The answer's body, counted as progress whenever it yields bytes. */
    synchronized InputStream watch(InputStream in) {
        exchange = null;
        body = in;
        progress();
        return new FilterInputStream(in) {
            @Override
            public int read() throws IOException {
                int b = super.read();
                progress();
                return b;
            }

            @Override
            public int read(byte[] buffer, int offset, int length) throws IOException {
                int n = super.read(buffer, offset, length);
                progress();
                return n;
            }
        };
    }

    /** Whether the watchdog gave up on the request. */
    synchronized boolean fired() {
        return fired;
    }

    /** Run by the timer; gives up on the request once nothing has moved for the idle limit. */
    synchronized void check() {
        if (closed || fired || nanoTime.getAsLong() - lastProgress < idleNanos) {
            return;
        }
        fired = true;
        if (exchange != null) {
            exchange.cancel(true);
            return;
        }
        if (body == null) {
            return;
        }
        try {
            body.close();
        } catch (IOException ignored) {
            // The interrupt below ends the read either way.
        }
        if (!requester.isInterrupted()) {
            interruptedRequester = true;
            requester.interrupt();
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        check.cancel(false);
        if (interruptedRequester && Thread.currentThread() == requester) {
            Thread.interrupted();
        }
    }
}
