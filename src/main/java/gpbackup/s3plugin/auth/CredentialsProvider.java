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
}
