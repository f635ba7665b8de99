package gpbackup.s3plugin.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Reading credentials never waits for a refresh while the current set is still valid. */
class RefreshingCredentialsProviderTest {
    private static final Instant NOW = Instant.parse("2024-05-01T12:00:00Z");
    private final AtomicReference<Instant> now = new AtomicReference<>(NOW);
    private final Clock clock = new Clock() {
        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }
    };

    private static Credentials expiringAt(String keyId, Instant expiration) {
        return new Credentials(keyId, "secret", Optional.of("token"), Optional.of(expiration));
    }

    @Test
    void readersGoOnWithTheValidSetWhileARefreshIsUnderWay() throws Exception {
        CountDownLatch refreshStarted = new CountDownLatch(1);
        CountDownLatch releaseRefresh = new CountDownLatch(1);
        AtomicInteger fetches = new AtomicInteger();
        CredentialsProvider source = () -> {
            if (fetches.incrementAndGet() == 1) {
                return expiringAt("FIRST", NOW.plusSeconds(3600));
            }
            refreshStarted.countDown();
            try {
                releaseRefresh.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return expiringAt("SECOND", NOW.plusSeconds(7200));
        };
        RefreshingCredentialsProvider refreshing = new RefreshingCredentialsProvider(source, clock, w -> { });
        assertEquals("FIRST", refreshing.credentials().accessKeyId());

        now.set(NOW.plusSeconds(3600 - 60)); // inside the refresh window, still valid
        CompletableFuture<Credentials> refresher = CompletableFuture.supplyAsync(refreshing::credentials);
        assertTrue(refreshStarted.await(10, TimeUnit.SECONDS), "the refresh reached the source");
        try {
            Credentials duringRefresh = CompletableFuture.supplyAsync(refreshing::credentials)
                    .get(10, TimeUnit.SECONDS);
            assertEquals("FIRST", duringRefresh.accessKeyId(), "the current set, without waiting for the source");
        } finally {
            releaseRefresh.countDown();
        }
        assertEquals("SECOND", refresher.get(10, TimeUnit.SECONDS).accessKeyId());
        assertEquals("SECOND", refreshing.credentials().accessKeyId());
        assertEquals(2, fetches.get(), "one refresh, however many readers");
    }
}
