package gpbackup.s3plugin.auth;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Consumer;

/**
 * Remembers credentials and fetches new ones before temporary ones expire, so a restore that
 * runs for hours outlives any one set. If a refresh fails while the old set is still valid, the
 * old set is used (and a warning logged) rather than failing a transfer that could go on.
 *
 * <p>Every request asks for credentials, so reading is a volatile read: only a refresh takes the
 * lock, and while one runs other threads go on with the current set as long as it is valid.
 */
public final class RefreshingCredentialsProvider implements CredentialsProvider {
    /** Refresh this long before expiry: S3 requests can take minutes to send. */
    public static final Duration REFRESH_AHEAD = Duration.ofMinutes(5);
    /** Within the refresh window, ask the source at most this often. */
    static final Duration RETRY_INTERVAL = Duration.ofSeconds(30);

    private final CredentialsProvider source;
    private final Clock clock;
    private final Consumer<String> warnings;
    private final Object refreshLock = new Object();
    private volatile Held held = new Held(null, Instant.MIN);

    public RefreshingCredentialsProvider(CredentialsProvider source, Clock clock, Consumer<String> warnings) {
        this.source = source;
        this.clock = clock;
        this.warnings = warnings;
    }

    @Override
    public Credentials credentials() {
        Held current = held;
        if (current.usable(clock.instant())) {
            return current.credentials();
        }
        synchronized (refreshLock) {
            return refresh();
        }
    }

    @Override
    public String source() {
        return source.source();
    }

    private Credentials refresh() {
        Instant now = clock.instant();
        Held current = held;
        if (current.usable(now)) {
            return current.credentials(); // another thread refreshed while this one waited
        }
        // Published before the source is asked, so readers keep the valid set meanwhile.
        held = new Held(current.credentials(), now);
        try {
            Credentials fresh = source.credentials();
            held = new Held(fresh, now);
            return fresh;
        } catch (CredentialsException e) {
            if (current.credentials() != null && isValid(current.credentials(), now)) {
                warnings.accept("could not refresh credentials (" + e.getMessage() + "); using the current ones until "
                        + current.credentials().expiration().orElseThrow());
                return current.credentials();
            }
            throw e;
        }
    }

    /** The set in use (null before the first fetch) and when the source was last asked. */
    private record Held(Credentials credentials, Instant lastAttempt) {
        /** Fresh, or still valid and the source was asked less than {@link #RETRY_INTERVAL} ago. */
        boolean usable(Instant now) {
            if (credentials == null) {
                return false;
            }
            boolean askedRecently = now.isBefore(lastAttempt.plus(RETRY_INTERVAL));
            return isFresh(credentials, now) || (askedRecently && isValid(credentials, now));
        }

        @Override
        public String toString() {
            return "Held[lastAttempt=" + lastAttempt + "]";
        }
    }

    private static boolean isFresh(Credentials credentials, Instant now) {
        return credentials.expiration().map(e -> now.isBefore(e.minus(REFRESH_AHEAD))).orElse(true);
    }

    private static boolean isValid(Credentials credentials, Instant now) {
        return credentials.expiration().map(now::isBefore).orElse(true);
    }
}
