package gpbackup.s3plugin.auth;

import java.util.Optional;
import java.util.function.Function;

/**
 * The signing region: the config's {@code region}, else {@code AWS_REGION}, else
 * {@code AWS_DEFAULT_REGION}, else the profile's {@code region} in the config file, else
 * {@code us-east-1}. S3-compatible stores ignore it, but it is part of every signature.
 */
public final class AwsRegion {
    public static final String FALLBACK = "us-east-1";

    private AwsRegion() {
    }

    public static String resolve(Optional<String> configured, Function<String, String> environment,
                                 AwsConfigFiles files) {
        return configured
                .or(() -> AwsConfigFiles.nonEmpty(environment.apply("AWS_REGION")))
                .or(() -> AwsConfigFiles.nonEmpty(environment.apply("AWS_DEFAULT_REGION")))
                .or(() -> profileRegion(files))
                .orElse(FALLBACK);
    }

    /** A malformed file is the credential chain's error to report, if it reads it; here it has no region. */
    private static Optional<String> profileRegion(AwsConfigFiles files) {
        try {
            return AwsConfigFiles.nonEmpty(files.configProfile().get("region"));
        } catch (CredentialsException e) {
            return Optional.empty();
        }
    }
}
