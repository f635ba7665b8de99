package gpbackup.s3plugin.auth;

import java.util.Map;

/**
 * Keys from the shared files of {@code aws configure}. For the chosen profile the credentials
 * file wins over the config file; key id, secret and token always come from one section.
 */
public final class ProfileCredentialsProvider implements CredentialsProvider {
    private final AwsConfigFiles files;

    public ProfileCredentialsProvider(AwsConfigFiles files) {
        this.files = files;
    }

    @Override
    public Credentials credentials() {
        Map<String, String> fromCredentials = files.credentialsProfile();
        if (hasKeys(fromCredentials)) {
            return from(fromCredentials, files.credentialsFile().toString());
        }
        Map<String, String> fromConfig = files.configProfile();
        if (hasKeys(fromConfig)) {
            return from(fromConfig, files.configFile().toString());
        }
        throw new CredentialsException("profile '" + files.profile() + "' has no keys in "
                + files.credentialsFile() + " or " + files.configFile());
    }

    private static boolean hasKeys(Map<String, String> section) {
        return section.containsKey("aws_access_key_id") || section.containsKey("aws_secret_access_key");
    }

    private Credentials from(Map<String, String> section, String file) {
        String id = section.getOrDefault("aws_access_key_id", "");
        String secret = section.getOrDefault("aws_secret_access_key", "");
        if (id.isEmpty() || secret.isEmpty()) {
            throw new CredentialsException("profile '" + files.profile() + "' in " + file + " has "
                    + (id.isEmpty() ? "aws_secret_access_key but no aws_access_key_id"
                                    : "aws_access_key_id but no aws_secret_access_key"));
        }
        return Credentials.of(id, secret, section.get("aws_session_token"));
    }

    @Override
    public String toString() {
        return "profile '" + files.profile() + "'";
    }
}
