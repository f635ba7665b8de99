package gpbackup.s3plugin.auth;

import java.util.Optional;
import java.util.function.Function;

/**
 * The signing region: the config's {@code region}, else {@code AWS_REGION}, else
 * {@code AWS_DEFAULT_REGION}, else the profile's {@code region} in the config file, else
 * {@code us-east-1}. S3-compatible stores ignore it, but it is part of every signature. A blank
 * value counts as unset, as a DBA who exported {@code AWS_REGION=" "} expects.
 *
 * @param name   the region, as signed
 * @param source where it came from, for {@code check}'s endpoint line
 */
public record AwsRegion(String name, String source) {
    public static final String FALLBACK = "us-east-1";

    public static AwsRegion resolve(Optional<String> configured, Function<String, String> environment,
                                    AwsConfigFiles files) {
        return configured.map(region -> new AwsRegion(region, "from the config"))
                .or(() -> fromEnvironment("AWS_REGION", environment))
                .or(() -> fromEnvironment("AWS_DEFAULT_REGION", environment))
                .or(() -> profileRegion(files))
                .orElse(new AwsRegion(FALLBACK, "the default"));
    }

    private static Optional<AwsRegion> fromEnvironment(String variable, Function<String, String> environment) {
        return nonBlank(environment.apply(variable)).map(region -> new AwsRegion(region, "from " + variable));
    }

    /** A malformed file is the credential chain's error to report, if it reads it; here it has no region. */
    private static Optional<AwsRegion> profileRegion(AwsConfigFiles files) {
        try {
            return nonBlank(files.configProfile().get("region")).map(region -> new AwsRegion(region,
                    "from profile '" + files.profile() + "' of " + files.configFile()));
        } catch (CredentialsException e) {
            return Optional.empty();
        }
    }

    private static Optional<String> nonBlank(String value) {
        return Optional.ofNullable(value).filter(v -> !v.isBlank());
    }
}
