package gpbackup.s3plugin.auth;

import java.time.Duration;

/** Waits between throttled attempts of a small AWS call (STS, KMS); tests pass one that does not sleep. */
@FunctionalInterface
public interface Backoff {
    void pause(Duration delay) throws InterruptedException;

    /**
     * The wait after failed attempt {@code attempt} (1, 2, ...): 200 ms, 400 ms, 800 ms, with up to
     * half again of jitter, since every segment of a cluster asks at once and must not retry in step.
     */
    static Duration after(int attempt) {
        long base = 200L << (attempt - 1);
        return Duration.ofMillis(base + (long) (Math.random() * base / 2));
    }
}
