package gpbackup.s3plugin.s3;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How failed requests are retried: up to {@code maxRetries} more attempts, waiting an
 * exponentially growing, fully jittered delay, so that many segments backing off at once do
 * not hit the server in lock step.
 */
public record RetryPolicy(int maxRetries, Duration baseDelay, Duration maxDelay) {

    public static RetryPolicy withRetries(int maxRetries) {
        return new RetryPolicy(maxRetries, Duration.ofMillis(100), Duration.ofSeconds(5));
    }

    /** Whether a request that failed on attempt {@code attempt} (0-based) may be sent again. */
    public boolean allowsRetry(int attempt) {
        return attempt < maxRetries;
    }

    /** The wait before retry number {@code attempt + 1}. */
    public Duration delayAfter(int attempt) {
        long cap = Math.min(maxDelay.toMillis(), baseDelay.toMillis() << Math.min(attempt, 20));
        return Duration.ofMillis(ThreadLocalRandom.current().nextLong(cap / 2, cap + 1));
    }

    /** Server answers that mean "try again": throttling, timeouts and server-side faults. */
    public static boolean isRetryable(int status, String code) {
        return status == 429 || (status >= 500 && status != 501) || (code != null && switch (code) {
            case "RequestTimeout", "SlowDown", "InternalError", "ServiceUnavailable", "Throttling",
                 "ThrottlingException" -> true;
            default -> false;
        });
    }
}
