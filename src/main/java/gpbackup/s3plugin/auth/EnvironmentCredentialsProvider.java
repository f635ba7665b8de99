package gpbackup.s3plugin.auth;

import java.util.Optional;
import java.util.function.Function;

/**
 * {@code AWS_ACCESS_KEY_ID}, {@code AWS_SECRET_ACCESS_KEY} and optional {@code AWS_SESSION_TOKEN}.
 * An empty variable counts as unset. Neither set: not configured. One without the other is this
 * source's failure, in both directions (botocore fails only when the key id is the one set): a
 * DBA who exported half a pair meant these keys, not whatever source comes next.
 */
public final class EnvironmentCredentialsProvider implements CredentialsProvider {
    private final Function<String, String> environment;

    public EnvironmentCredentialsProvider(Function<String, String> environment) {
        this.environment = environment;
    }

    @Override
    public Credentials credentials() {
        String id = variable("AWS_ACCESS_KEY_ID");
        String secret = variable("AWS_SECRET_ACCESS_KEY");
        if (id == null && secret == null) {
            throw new SourceNotConfiguredException("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set");
        }
        if (id == null || secret == null) {
            throw new CredentialsException((id == null ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY")
                    + " is not set while " + (id == null ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID") + " is");
        }
        return Credentials.of(id, secret, variable("AWS_SESSION_TOKEN"));
    }

    private String variable(String name) {
        String value = environment.apply(name);
        return value == null || value.isEmpty() ? null : value;
    }

    @Override
    public Optional<String> configuredBy() {
        return Optional.of("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
    }

    @Override
    public String toString() {
        return "environment variables";
    }
}
