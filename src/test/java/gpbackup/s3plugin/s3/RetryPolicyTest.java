package gpbackup.s3plugin.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** How many attempts, how long between them, and which answers are worth another attempt. */
class RetryPolicyTest {

    @Test
    void maxRetriesCountsAttemptsAfterTheFirst() {
        RetryPolicy three = new RetryPolicy(3, Duration.ofMillis(100), Duration.ofSeconds(5));
        assertTrue(three.allowsRetry(0));
        assertTrue(three.allowsRetry(2));
        assertFalse(three.allowsRetry(3));
        assertFalse(RetryPolicy.withRetries(0).allowsRetry(0));
    }

    @Test
    void delayGrowsExponentiallyWithFullJitterUpToTheCap() {
        RetryPolicy policy = new RetryPolicy(30, Duration.ofMillis(100), Duration.ofMillis(1000));
        long[] caps = {100, 200, 400, 800, 1000, 1000, 1000};
        for (int attempt = 0; attempt < caps.length; attempt++) {
            for (int sample = 0; sample < 200; sample++) {
                long ms = policy.delayAfter(attempt).toMillis();
                assertTrue(ms >= caps[attempt] / 2 && ms <= caps[attempt],
                        "attempt " + attempt + " waited " + ms + " ms");
            }
        }
        long late = policy.delayAfter(1000).toMillis();
        assertTrue(late >= 500 && late <= 1000, "no overflow for a huge attempt number: " + late);
    }

    @Test
    void defaultPolicyStartsAtAHundredMillisecondsAndWaitsAtMostFiveSeconds() {
        RetryPolicy policy = RetryPolicy.withRetries(5);
        assertEquals(5, policy.maxRetries());
        long[] caps = {100, 200, 400, 800, 1600, 3200, 5000, 5000};
        for (int attempt = 0; attempt < caps.length; attempt++) {
            long ms = policy.delayAfter(attempt).toMillis();
            assertTrue(ms >= caps[attempt] / 2 && ms <= caps[attempt], "retry " + (attempt + 1) + " waited " + ms);
        }
    }

    @ParameterizedTest(name = "HTTP {0} {1} → retry {2}")
    @CsvSource(nullValues = "null", value = {
        "500, null,                  true",
        "502, null,                  true",
        "503, SlowDown,              true",
        "429, null,                  true",
        "400, RequestTimeout,        true",
        "200, InternalError,         true",
        "200, SlowDown,              true",
        "0,   null,                  false",
        "400, null,                  false",
        "400, InvalidArgument,       false",
        "403, AccessDenied,          false",
        "403, RequestTimeTooSkewed,  false",
        "404, NoSuchKey,             false",
        "301, PermanentRedirect,     false",
        "412, PreconditionFailed,    false",
    })
    void retryableAnswers(int status, String code, boolean retryable) {
        assertEquals(retryable, RetryPolicy.isRetryable(status, code));
    }
}
