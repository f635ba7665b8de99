package gpbackup.s3plugin.auth;

import java.util.Optional;

/** A source of credentials: config keys, the environment, profile files, instance metadata. */
@FunctionalInterface
public interface CredentialsProvider {
    /**
     * Credentials valid now.
     *
     * @throws SourceNotConfiguredException when this source is not configured here, so the chain may ask the next
     * @throws CredentialsException            when it is configured and failed, saying why in a DBA-readable way
     */
    Credentials credentials();

    /**
     * Which source answered, for a DBA: "environment variables", "web identity (role arn:..., environment)",
     * "profile 'prod': credential_process". Never holds a secret. A chain names the member that last
     * answered; before any answer, the source itself.
     */
    default String source() {
        return toString();
    }

    /**
     * The variable that configured this source, for the line that reports its failure:
     * "AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN", "AWS_PROFILE". Empty when the name says enough.
     */
    default Optional<String> configuredBy() {
        return Optional.empty();
    }
}
