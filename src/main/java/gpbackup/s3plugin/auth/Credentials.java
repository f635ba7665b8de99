package gpbackup.s3plugin.auth;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One set of AWS credentials. {@link #toString()} shows the key id only: the secret and the
 * session token must never reach a log, a message or a stack trace.
 *
 * @param expiration when temporary credentials stop working; empty for long-lived keys
 */
public record Credentials(
        String accessKeyId,
        String secretAccessKey,
        Optional<String> sessionToken,
        Optional<Instant> expiration) {

    public Credentials {
        Objects.requireNonNull(accessKeyId, "accessKeyId");
        Objects.requireNonNull(secretAccessKey, "secretAccessKey");
        Objects.requireNonNull(sessionToken, "sessionToken");
        Objects.requireNonNull(expiration, "expiration");
    }

    /** Long-lived keys, optionally with a session token. */
    public static Credentials of(String accessKeyId, String secretAccessKey, String sessionTokenOrNull) {
        return new Credentials(accessKeyId, secretAccessKey,
                Optional.ofNullable(sessionTokenOrNull).filter(t -> !t.isEmpty()), Optional.empty());
    }

    @Override
    public String toString() {
        return "Credentials[accessKeyId=" + accessKeyId + ", secretAccessKey=****"
                + (sessionToken.isPresent() ? ", sessionToken=****" : "")
                + expiration.map(e -> ", expiration=" + e).orElse("") + "]";
    }
}
