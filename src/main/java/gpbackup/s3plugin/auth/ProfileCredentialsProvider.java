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
 *
 * <p>Not configured (the chain moves on): {@code AWS_PROFILE} unset and no {@code default} profile, or a
 * profile without any credential setting (one for the region only). Everything else is this source's
 * failure and stops the chain: a profile {@code AWS_PROFILE} names that does not exist, a role whose
 * source or STS call fails, a failing credential_process, half a key pair, a malformed file.
 */
public final class ProfileCredentialsProvider implements CredentialsProvider {
    private final AwsConfigFiles files;
    private final Function<String, String> environment;
    private final Clock clock;
    private final Supplier<StsClient> sts;
    /** Built once, so its IMDSv2 token is reused when a role's credential_source is the instance. */
    private final InstanceMetadataCredentialsProvider instance;
    /** A profile with any of these is configured for credentials: from then on, a failure stops the chain. */
    private static final List<String> CREDENTIAL_SETTINGS = List.of("role_arn", "credential_process",
            "aws_access_key_id", "aws_secret_access_key", "web_identity_token_file", "sso_session", "sso_start_url");
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
        String name = files.profile();
        Map<String, String> fromCredentials = files.credentialsProfile(name);
        Map<String, String> fromConfig = files.configProfile(name);
        String nowhere = files.credentialsFile() + " or " + files.configFile();
        if (fromCredentials.isEmpty() && fromConfig.isEmpty() && namedByEnvironment()) {
            // botocore refuses a missing named profile too (ProfileNotFound): a typo in AWS_PROFILE must not
            // quietly hand the call to the instance role.
            throw new CredentialsException("AWS_PROFILE names profile '" + name + "', which is in neither "
                    + files.credentialsFile() + " nor " + files.configFile());
        }
        if (CREDENTIAL_SETTINGS.stream().noneMatch(k -> fromCredentials.containsKey(k) || fromConfig.containsKey(k))) {
            // No profile, or one for the region only: nothing here is a credential, so the next source may answer.
            throw new SourceNotConfiguredException("profile '" + name + "' has no keys in " + nowhere);
        }
        try {
            CredentialsProvider resolved = resolve(name, new ArrayList<>());
            Credentials credentials = resolved.credentials();
            answered = resolved.toString();
            return credentials;
        } catch (SourceNotConfiguredException e) {
            // Only the checks above may call the profile absent: inside a profile with credential settings,
            // a missing piece (say a credential_source with nothing to give) is its failure.
            throw new CredentialsException(e.getMessage(), e);
        }
    }

    private boolean namedByEnvironment() {
        return AwsConfigFiles.nonEmpty(environment.apply("AWS_PROFILE")).isPresent();
    }

    @Override
    public Optional<String> configuredBy() {
        return namedByEnvironment() ? Optional.of("AWS_PROFILE") : Optional.empty();
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
        if (merged.containsKey("web_identity_token_file")) {
            throw new CredentialsException(label + " has web_identity_token_file but no role_arn");
        }
        if ((merged.containsKey("sso_session") || merged.containsKey("sso_start_url")) && !hasKeys(fromCredentials)
                && !hasKeys(fromConfig)) {
            throw new CredentialsException(label + " uses IAM Identity Center (sso_session or sso_start_url), which"
                    + " this plugin does not support: use credential_process with 'aws configure export-credentials'");
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
            return new WebIdentityCredentialsProvider(roleArn, Path.of(tokenFile.get()), sessionName, sts, clock, label,
                    Optional.empty());
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
        return new StaticCredentialsProvider(Credentials.of(id, secret, section.get("aws_session_token")),
                label + ": keys in " + file);
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
