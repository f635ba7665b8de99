package gpbackup.s3plugin.auth;

import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Where the AWS shared files are and which profile to use, from the environment:
 * {@code AWS_SHARED_CREDENTIALS_FILE} (default {@code ~/.aws/credentials}), {@code AWS_CONFIG_FILE}
 * (default {@code ~/.aws/config}) and {@code AWS_PROFILE} (default {@code default}).
 */
public record AwsConfigFiles(Path credentialsFile, Path configFile, String profile) {

    public static AwsConfigFiles from(Function<String, String> environment) {
        Path home = Path.of(nonEmpty(environment.apply("HOME")).orElse(System.getProperty("user.home")));
        Path credentials = nonEmpty(environment.apply("AWS_SHARED_CREDENTIALS_FILE")).map(AwsConfigFiles::expandHome)
                .map(p -> p.apply(home)).orElse(home.resolve(".aws").resolve("credentials"));
        Path config = nonEmpty(environment.apply("AWS_CONFIG_FILE")).map(AwsConfigFiles::expandHome)
                .map(p -> p.apply(home)).orElse(home.resolve(".aws").resolve("config"));
        String profile = nonEmpty(environment.apply("AWS_PROFILE")).orElse("default");
        return new AwsConfigFiles(credentials, config, profile);
    }

    /** The chosen profile's settings in the config file. */
    public Map<String, String> configProfile() {
        return configProfile(profile);
    }

    /** A named profile's settings in the credentials file (a source_profile, say). */
    public Map<String, String> credentialsProfile(String name) {
        return ProfileFile.read(credentialsFile, ProfileFile.Kind.CREDENTIALS).profile(name).orElse(Map.of());
    }

    /** A named profile's settings in the config file. */
    public Map<String, String> configProfile(String name) {
        return ProfileFile.read(configFile, ProfileFile.Kind.CONFIG).profile(name).orElse(Map.of());
    }

    private static Function<Path, Path> expandHome(String path) {
        return home -> path.equals("~") ? home
                : path.startsWith("~/") ? home.resolve(path.substring(2)) : Path.of(path);
    }

    /** {@code text} as an http or https URL with a host; else the variable that held it is "not an http(s) URL". */
    static URI httpUrl(String text, String variable) {
        try {
            URI uri = URI.create(text);
            if (uri.getHost() != null && ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
                return uri;
            }
        } catch (IllegalArgumentException e) {
            // reported below
        }
        throw new CredentialsException(variable + " is not an http(s) URL");
    }

    static Optional<String> nonEmpty(String value) {
        return Optional.ofNullable(value).filter(v -> !v.isEmpty());
    }
}
