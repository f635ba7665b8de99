package gpbackup.s3plugin.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A role assumed with a web identity token ({@code AssumeRoleWithWebIdentity}): Kubernetes IRSA
 * and other OIDC federations. The token file is read again at every fetch because the kubelet
 * rotates it (hourly, by default) while the process runs; its content is never shown.
 *
 * @param origin       where the settings came from, for messages: "environment" or "profile 'x'"
 * @param configuredBy the variables that configured it, when the environment did
 */
public record WebIdentityCredentialsProvider(String roleArn, Path tokenFile, Optional<String> sessionName,
                                             Supplier<StsClient> sts, Clock clock, String origin,
                                             Optional<String> configuredBy) implements CredentialsProvider {
    /**
     * The source that {@code AWS_WEB_IDENTITY_TOKEN_FILE}, {@code AWS_ROLE_ARN} and
     * {@code AWS_ROLE_SESSION_NAME} describe. Neither variable set: not configured, the chain moves on.
     * One without the other fails (botocore fails only for a token file without a role): a pod whose
     * token volume did not mount still has {@code AWS_ROLE_ARN}, and must not fall back to the node's role.
     */
    public static CredentialsProvider fromEnvironment(Function<String, String> environment, Supplier<StsClient> sts,
                                                      Clock clock) {
        Optional<String> file = AwsConfigFiles.nonEmpty(environment.apply("AWS_WEB_IDENTITY_TOKEN_FILE"));
        Optional<String> role = AwsConfigFiles.nonEmpty(environment.apply("AWS_ROLE_ARN"));
        if (file.isEmpty() || role.isEmpty()) {
            boolean neither = file.isEmpty() && role.isEmpty();
            String set = file.isEmpty() ? "AWS_ROLE_ARN" : "AWS_WEB_IDENTITY_TOKEN_FILE";
            String unset = file.isEmpty() ? "AWS_WEB_IDENTITY_TOKEN_FILE" : "AWS_ROLE_ARN";
            return new CredentialsProvider() {
                @Override
                public Credentials credentials() {
                    if (neither) {
                        throw new SourceNotConfiguredException("AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN are not set");
                    }
                    throw new CredentialsException(unset + " is not set while " + set + " is");
                }

                @Override
                public Optional<String> configuredBy() {
                    return neither ? Optional.empty() : Optional.of(set);
                }

                @Override
                public String toString() {
                    return "web identity";
                }
            };
        }
        return new WebIdentityCredentialsProvider(role.get(), Path.of(file.get()),
                AwsConfigFiles.nonEmpty(environment.apply("AWS_ROLE_SESSION_NAME")), sts, clock, "environment",
                Optional.of("AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN"));
    }

    @Override
    public Credentials credentials() {
        String token = readToken();
        String session = sessionName.orElseGet(() -> "gpbackup-s3-plugin-" + clock.millis());
        return sts.get().assumeRoleWithWebIdentity(roleArn, session, token);
    }

    private String readToken() {
        String token;
        try {
            token = Files.readString(tokenFile, StandardCharsets.UTF_8).strip();
        } catch (NoSuchFileException e) {
            throw new CredentialsException("the web identity token file " + tokenFile + " (" + origin
                    + ") does not exist");
        } catch (IOException e) {
            throw new CredentialsException("cannot read the web identity token file " + tokenFile + ": "
                    + e.getClass().getSimpleName());
        }
        if (token.isEmpty()) {
            throw new CredentialsException("the web identity token file " + tokenFile + " is empty");
        }
        return token;
    }

    @Override
    public String toString() {
        return "web identity (role " + roleArn + ", " + origin + ")";
    }
}
