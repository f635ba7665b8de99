package gpbackup.s3plugin.auth;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Consumer;

/**
 * Remembers credentials and fetches new ones before temporary ones expire, so a restore that
 * runs for hours outlives any one set. If a refresh fails while the old set is still valid, the
 * old set is used (and a warning logged) rather than failing a transfer that could go on.
 */
public final class RefreshingCredentialsProvider implements CredentialsProvider {
    /** Refresh this long before expiry: S3 requests can take minutes to send. */
    public static final Duration REFRESH_AHEAD = Duration.ofMinutes(5);
    /** Within the refresh window, ask the source at most this often. */
    static final Duration RETRY_INTERVAL = Duration.ofSeconds(30);

    private final CredentialsProvider source;
    private final Clock clock;
    private final Consumer<String> warnings;
    private Credentials cached;
    private Instant lastAttempt = Instant.MIN;

    public RefreshingCredentialsProvider(CredentialsProvider source, Clock clock, Consumer<String> warnings) {
        this.source = source;
        this.clock = clock;
        this.warnings = warnings;
    }

    @Override
    public synchronized Credentials credentials() {
        Instant now = clock.instant();
        if (cached != null && usable(now)) {
            return cached;
        }
        lastAttempt = now;
        try {
            cached = source.credentials();
            return cached;
        } catch (CredentialsException e) {
            if (cached != null && isValid(cached, now)) {
                warnings.accept("could not refresh credentials (" + e.getMessage() + "); using the current ones until "
                        + cached.expiration().orElseThrow());
                return cached;
            }
            throw e;
        }
    }

    /** Fresh, or still valid and the source was asked less than {@link #RETRY_INTERVAL} ago. */
    private boolean usable(Instant now) {
        boolean askedRecently = now.isBefore(lastAttempt.plus(RETRY_INTERVAL));
        return isFresh(cached, now) || (askedRecently && isValid(cached, now));
    }

    private static boolean isFresh(Credentials credentials, Instant now) {
        return credentials.expiration().map(e -> now.isBefore(e.minus(REFRESH_AHEAD))).orElse(true);
    }

    private static boolean isValid(Credentials credentials, Instant now) {
        return credentials.expiration().map(now::isBefore).orElse(true);
    }
}
