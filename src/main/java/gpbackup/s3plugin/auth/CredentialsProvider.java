package gpbackup.s3plugin.auth;

/** A source of credentials: config keys, the environment, profile files, instance metadata. */
@FunctionalInterface
public interface CredentialsProvider {
    /**
     * Credentials valid now.
     *
     * @throws CredentialsException when this source has none, saying why in a DBA-readable way
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
}
