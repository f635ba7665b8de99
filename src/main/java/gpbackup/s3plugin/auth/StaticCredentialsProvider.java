package gpbackup.s3plugin.auth;

/**
 * Fixed keys: those written in the plugin config, or a profile's.
 *
 * @param description for {@link #toString()}: "config file keys", "profile 'x': keys in FILE"
 */
public record StaticCredentialsProvider(Credentials fixed, String description) implements CredentialsProvider {
    @Override
    public Credentials credentials() {
        return fixed;
    }

    @Override
    public String toString() {
        return description;
    }
}
