package gpbackup.s3plugin.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The idle limit counts silence, not total time, on a clock the test moves by hand. */
class IdleWatchdogTest {
    // An hour: the real timer never runs during a test; the test calls check() itself.
    private static final Duration LIMIT = Duration.ofHours(1);
    private final AtomicLong now = new AtomicLong();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void stop() {
        timer.shutdownNow();
        Thread.interrupted();
    }

    private void advance(Duration d) {
        now.addAndGet(d.toNanos());
    }

    @Test
    void aBodyThatKeepsDeliveringIsNeverCutOffHoweverLongItTakes() throws IOException {
        try (IdleWatchdog watchdog = new IdleWatchdog(LIMIT, timer, now::get)) {
            InputStream body = watchdog.watch(new ByteArrayInputStream(new byte[10]));
            for (int i = 0; i < 10; i++) {
                advance(LIMIT.minusMinutes(1));
                watchdog.check();
                assertEquals(0, body.read() & 0xff);
            }
            watchdog.check();
            assertFalse(watchdog.fired(), "ten hours of steady progress is not idleness");
            assertFalse(Thread.currentThread().isInterrupted());
        }
    }

    @Test
    void aSilentBodyIsClosedAndItsReaderInterruptedOnceTheLimitPasses() {
        AtomicBoolean closed = new AtomicBoolean();
        InputStream source = new ByteArrayInputStream(new byte[10]) {
            @Override
            public void close() {
                closed.set(true);
            }
        };
        IdleWatchdog watchdog = new IdleWatchdog(LIMIT, timer, now::get);
        watchdog.watch(source);
        advance(LIMIT.minusNanos(1));
        watchdog.check();
        assertFalse(watchdog.fired(), "one nanosecond short of the limit");

        advance(Duration.ofNanos(1));
        watchdog.check();
        assertTrue(watchdog.fired());
        assertTrue(closed.get(), "the body is closed so a blocked read ends");
        assertTrue(Thread.currentThread().isInterrupted(), "the reading thread is interrupted");

        watchdog.close();
        assertFalse(Thread.currentThread().isInterrupted(), "close() clears the interrupt it caused");
    }

    @Test
    void aClosedWatchdogNeverFires() {
        IdleWatchdog watchdog = new IdleWatchdog(LIMIT, timer, now::get);
        watchdog.watch(InputStream.nullInputStream());
        watchdog.close();
        advance(LIMIT.multipliedBy(2));
        watchdog.check();
        assertFalse(watchdog.fired());
        assertFalse(Thread.currentThread().isInterrupted());
    }

    @Test
    void readsAfterTheWatchdogFiredFail() throws IOException {
        IdleWatchdog watchdog = new IdleWatchdog(LIMIT, timer, now::get);
        InputStream body = watchdog.watch(new java.io.BufferedInputStream(new ByteArrayInputStream(new byte[10])));
        advance(LIMIT);
        watchdog.check();
        assertThrows(IOException.class, body::read, "a closed buffered body refuses further reads");
        watchdog.close();
    }

    @Test
    void closeKeepsAnInterruptThatWasThereBeforeTheWatchdogFired() {
        IdleWatchdog watchdog = new IdleWatchdog(LIMIT, timer, now::get);
        watchdog.watch(InputStream.nullInputStream());
        Thread.currentThread().interrupt(); // someone else's: a transfer being stopped
        advance(LIMIT);
        watchdog.check();
        assertTrue(watchdog.fired());
        watchdog.close();
        assertTrue(Thread.interrupted(), "the interrupt was not the watchdog's to clear");
    }

    @Test
    void closeKeepsAnInterruptWhenTheWatchdogCancelledTheExchangeInstead() {
        IdleWatchdog watchdog = new IdleWatchdog(LIMIT, timer, now::get);
        java.util.concurrent.CompletableFuture<Void> exchange = new java.util.concurrent.CompletableFuture<>();
        watchdog.sending(exchange);
        advance(LIMIT);
        watchdog.check();
        assertTrue(exchange.isCancelled(), "a stall before the answer cancels the exchange, no interrupt");
        watchdog.watch(InputStream.nullInputStream());
        Thread.currentThread().interrupt(); // arrives from elsewhere after the watchdog fired
        watchdog.close();
        assertTrue(Thread.interrupted(), "the watchdog never interrupted, so it clears nothing");
    }

    @Test
    void closeOnAnotherThreadLeavesThatThreadsInterruptAlone() throws InterruptedException {
        IdleWatchdog watchdog = new IdleWatchdog(LIMIT, timer, now::get);
        watchdog.watch(InputStream.nullInputStream());
        advance(LIMIT);
        watchdog.check();
        assertTrue(Thread.interrupted(), "the requester was interrupted; cleared here by hand");
        AtomicBoolean stillInterrupted = new AtomicBoolean();
        Thread other = new Thread(() -> {
            Thread.currentThread().interrupt();
            watchdog.close();
            stillInterrupted.set(Thread.interrupted());
        });
        other.start();
        other.join();
        assertTrue(stillInterrupted.get());
    }
}
