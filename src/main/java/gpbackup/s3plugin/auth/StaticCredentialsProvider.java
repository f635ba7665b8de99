package gpbackup.s3plugin.auth;

/** Keys written in the plugin config. */
public record StaticCredentialsProvider(Credentials fixed) implements CredentialsProvider {
    @Override
    public Credentials credentials() {
        return fixed;
    }

    @Override
    public String toString() {
        return "config file keys";
    }
}
