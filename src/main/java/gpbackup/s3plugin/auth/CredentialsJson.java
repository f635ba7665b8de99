package gpbackup.s3plugin.auth;

import gpbackup.s3plugin.json.FlatJson;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Optional;

/**
 * A JSON credentials document as the container agents, the instance metadata service and a
 * {@code credential_process} answer it. Each source words its own failures and checks its own members
 * ({@code Version}, {@code Code}) before asking for the credentials; no message quotes the document.
 */
final class CredentialsJson {
    private final Map<String, Object> members;

    private CredentialsJson(Map<String, Object> members) {
        this.members = members;
    }

    /** The document {@code json}; one that is not a JSON object fails with {@code notJson}. */
    static CredentialsJson parse(String json, String notJson) {
        try {
            return new CredentialsJson(FlatJson.strict(json));
        } catch (IllegalArgumentException e) {
            throw new CredentialsException(notJson);
        }
    }

    /** A member as text (an integer in decimal, a boolean as its word); empty when absent or null. */
    Optional<String> member(String name) {
        return Optional.ofNullable(members.get(name)).map(String::valueOf);
    }

    /**
     * {@code AccessKeyId}, {@code SecretAccessKey}, the session token under {@code tokenMember} and
     * {@code Expiration}; an empty member counts as absent.
     */
    Credentials credentials(String tokenMember, String noKeys, String badExpiration) {
        Optional<String> id = nonEmpty("AccessKeyId");
        Optional<String> secret = nonEmpty("SecretAccessKey");
        if (id.isEmpty() || secret.isEmpty()) {
            throw new CredentialsException(noKeys);
        }
        try {
            return new Credentials(id.get(), secret.get(), nonEmpty(tokenMember), nonEmpty("Expiration").map(Instant::parse));
        } catch (DateTimeParseException e) {
            throw new CredentialsException(badExpiration);
        }
    }

    private Optional<String> nonEmpty(String name) {
        return member(name).filter(text -> !text.isEmpty());
    }
}
