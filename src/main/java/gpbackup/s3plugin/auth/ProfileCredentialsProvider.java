package gpbackup.s3plugin.auth;

import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The chosen profile of the shared files of {@code aws configure}, in the AWS SDKs' order:
 * {@code role_arn} (assumed with STS, from a {@code source_profile}, a {@code credential_source} or
 * a {@code web_identity_token_file}), then {@code credential_process}, then static keys.
 *
 * <p>For one profile the credentials file wins over the config file, setting by setting; key id,
 * secret and token always come from one section. The files are read at each fetch, so a rotated
 * key or a new role is picked up at the next refresh.
 */
public final class ProfileCredentialsProvider implements CredentialsProvider {
    private final AwsConfigFiles files;
    private final Function<String, String> environment;
    private final Clock clock;
    private final Supplier<StsClient> sts;
    /** Built once, so its IMDSv2 token is reused when a role's credential_source is the instance. */
    private final InstanceMetadataCredentialsProvider instance;
    private volatile String answered;

    public ProfileCredentialsProvider(AwsConfigFiles files, Function<String, String> environment, Clock clock,
                                      Supplier<StsClient> sts) {
        this.files = files;
        this.environment = environment;
        this.clock = clock;
        this.sts = sts;
        this.instance = new InstanceMetadataCredentialsProvider(environment, clock);
    }

    @Override
    public Credentials credentials() {
        CredentialsProvider resolved = resolve(files.profile(), new ArrayList<>());
        Credentials credentials = resolved.credentials();
        answered = resolved.toString();
        return credentials;
    }

    /** What the profile resolved to the last time it answered, e.g. "profile 'prod': credential_process". */
    @Override
    public String source() {
        String last = answered;
        return last == null ? toString() : last;
    }

    private CredentialsProvider resolve(String name, List<String> path) {
        path.add(name);
        Map<String, String> fromCredentials = files.credentialsProfile(name);
        Map<String, String> fromConfig = files.configProfile(name);
        Map<String, String> merged = new LinkedHashMap<>(fromConfig);
        merged.putAll(fromCredentials);
        String label = "profile '" + name + "'";
        if (merged.containsKey("role_arn")) {
            return role(name, label, merged, fromCredentials, fromConfig, path);
        }
        if (merged.containsKey("credential_process")) {
            return new ProcessCredentialsProvider(merged.get("credential_process"), name);
        }
        return staticKeys(name, label, fromCredentials, fromConfig);
    }

    private CredentialsProvider role(String name, String label, Map<String, String> merged,
                                     Map<String, String> fromCredentials, Map<String, String> fromConfig,
                                     List<String> path) {
        String roleArn = merged.get("role_arn");
        if (merged.containsKey("mfa_serial")) {
            throw new CredentialsException(label + " asks for MFA (mfa_serial), which a backup cannot answer:"
                    + " use a role without an MFA condition, or credential_process with cached credentials");
        }
        Optional<String> sourceProfile = setting(merged, "source_profile");
        Optional<String> credentialSource = setting(merged, "credential_source");
        Optional<String> tokenFile = setting(merged, "web_identity_token_file");
        Optional<String> sessionName = setting(merged, "role_session_name");
        if (sourceProfile.isPresent() && credentialSource.isPresent()) {
            throw new CredentialsException(label + " has both source_profile and credential_source; keep one");
        }
        if (tokenFile.isPresent() && sourceProfile.isEmpty() && credentialSource.isEmpty()) {
            return new WebIdentityCredentialsProvider(roleArn, Path.of(tokenFile.get()), sessionName, sts, clock, label);
        }
        CredentialsProvider source;
        String from;
        if (sourceProfile.isPresent()) {
            String next = sourceProfile.get();
            from = "profile '" + next + "'";
            if (next.equals(name)) {
                // A profile naming itself: its own static keys sign the AssumeRole, as in the AWS CLI.
                source = staticKeys(name, label, fromCredentials, fromConfig);
            } else if (path.contains(next)) {
                throw new CredentialsException("source_profile forms a cycle: " + String.join(" -> ", path)
                        + " -> " + next);
            } else if (files.credentialsProfile(next).isEmpty() && files.configProfile(next).isEmpty()) {
                throw new CredentialsException(label + " names source_profile '" + next + "', which is in neither "
                        + files.credentialsFile() + " nor " + files.configFile());
            } else {
                source = resolve(next, path);
            }
        } else if (credentialSource.isPresent()) {
            from = credentialSource.get();
            source = switch (credentialSource.get()) {
                case "Environment" -> new EnvironmentCredentialsProvider(environment);
                case "Ec2InstanceMetadata" -> instance;
                case "EcsContainer" -> new ContainerCredentialsProvider(environment);
                default -> throw new CredentialsException(label + " has credential_source '"
                        + credentialSource.get() + "'; use Environment, Ec2InstanceMetadata or EcsContainer");
            };
        } else {
            throw new CredentialsException(label + " has role_arn but no source_profile, credential_source"
                    + " or web_identity_token_file");
        }
        return new AssumeRoleCredentialsProvider(source, roleArn, sessionName, setting(merged, "external_id"),
                duration(label, merged), sts.get(), clock, label + ": role " + roleArn + " from " + from);
    }

    private static Optional<Integer> duration(String label, Map<String, String> merged) {
        Optional<String> text = setting(merged, "duration_seconds");
        if (text.isEmpty()) {
            return Optional.empty();
        }
        try {
            int seconds = Integer.parseInt(text.get());
            if (seconds >= 900 && seconds <= 43_200) {
                return Optional.of(seconds);
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new CredentialsException(label + " has duration_seconds '" + text.get()
                + "'; STS accepts 900 to 43200");
    }

    private CredentialsProvider staticKeys(String name, String label, Map<String, String> fromCredentials,
                                           Map<String, String> fromConfig) {
        Map<String, String> section;
        Path file;
        if (hasKeys(fromCredentials)) {
            section = fromCredentials;
            file = files.credentialsFile();
        } else if (hasKeys(fromConfig)) {
            section = fromConfig;
            file = files.configFile();
        } else {
            throw new CredentialsException(label + " has no keys in " + files.credentialsFile() + " or "
                    + files.configFile());
        }
        String id = section.getOrDefault("aws_access_key_id", "");
        String secret = section.getOrDefault("aws_secret_access_key", "");
        if (id.isEmpty() || secret.isEmpty()) {
            throw new CredentialsException(label + " in " + file + " has "
                    + (id.isEmpty() ? "aws_secret_access_key but no aws_access_key_id"
                                    : "aws_access_key_id but no aws_secret_access_key"));
        }
        Credentials keys = Credentials.of(id, secret, section.get("aws_session_token"));
        return new CredentialsProvider() {
            @Override
            public Credentials credentials() {
                return keys;
            }

            @Override
            public String toString() {
                return label + ": keys in " + file;
            }
        };
    }

    private static boolean hasKeys(Map<String, String> section) {
        return section.containsKey("aws_access_key_id") || section.containsKey("aws_secret_access_key");
    }

    private static Optional<String> setting(Map<String, String> section, String key) {
        return Optional.ofNullable(section.get(key)).filter(v -> !v.isEmpty());
    }

    @Override
    public String toString() {
        return "profile '" + files.profile() + "'";
    }
}
