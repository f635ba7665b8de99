package gpbackup.s3plugin.command.check;

import gpbackup.s3plugin.PluginException;
import gpbackup.s3plugin.Program;
import gpbackup.s3plugin.SettingException;
import gpbackup.s3plugin.auth.AwsConfigFiles;
import gpbackup.s3plugin.auth.AwsRegion;
import gpbackup.s3plugin.auth.ConfiguredSourceFailedException;
import gpbackup.s3plugin.auth.Credentials;
import gpbackup.s3plugin.auth.CredentialsException;
import gpbackup.s3plugin.auth.CredentialsProvider;
import gpbackup.s3plugin.backup.KeyLayout;
import gpbackup.s3plugin.command.Command;
import gpbackup.s3plugin.command.OperatorArguments;
import gpbackup.s3plugin.command.PluginContext;
import gpbackup.s3plugin.wiring.S3ClientFactory;
import gpbackup.s3plugin.config.ConfigException;
import gpbackup.s3plugin.config.PluginConfig;
import gpbackup.s3plugin.http.ProxyChoice;
import gpbackup.s3plugin.http.ProxySetting;
import gpbackup.s3plugin.http.TrustedCertificates;
import gpbackup.s3plugin.log.PluginLog;
import gpbackup.s3plugin.s3.S3Client;
import gpbackup.s3plugin.s3.S3Connection;
import gpbackup.s3plugin.s3.S3Endpoint;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * {@code gpbackup_s3_plugin check CONFIG [--read-only]}: the preflight a DBA runs on each host
 * before the first backup. A checklist on stdout, one line per check, each failure with its fix;
 * exit 0 only when a backup would work (with {@code --read-only}: when a restore's reads would).
 * The local checks (config, credentials, endpoint, proxy, TLS) come first; the store's are
 * {@link StoreChecks}'. Run by people, never by gpbackup, so never relayed to the host agent.
 */
public final class CheckCommand implements Command {
    static final String NAME = "check";
    static final String READ_ONLY = "--read-only";
    /**
     * A check should answer in seconds: one retry rides out a blip, where the config's
     * max_request_retries, meant for hours-long transfers, would take half a minute to say
     * that nothing listens at the endpoint.
     */
    static final int RETRIES = 1;
    private static final String CONFIG_FIX = "correct it in the plugin config file (spec/config.md describes every"
            + " option)";

    /** Every source of the chain, in its order (spec/credentials.md), for a host where none answered. */
    static final String NO_CREDENTIALS_FIX = "give this host keys from one of the chain's sources, tried in this"
            + " order: aws_access_key_id and aws_secret_access_key in the config; AWS_ACCESS_KEY_ID and"
            + " AWS_SECRET_ACCESS_KEY; web identity (AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN, as Kubernetes"
            + " IRSA sets them); a profile (AWS_PROFILE, else 'default') in ~/.aws/credentials or ~/.aws/config"
            + " with keys, role_arn with source_profile or credential_source, or credential_process; container"
            + " credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or _FULL_URI: ECS, EKS Pod Identity); an EC2"
            + " instance role. spec/credentials.md says what each needs";

    private final Clock clock;

    public CheckCommand(Clock clock) {
        this.clock = clock;
    }

    @Override
    public void configRejected(ConfigException problems, OutputStream stdout) throws IOException {
        Checklist list = new Checklist(stdout);
        for (String problem : problems.problems()) {
            list.add(CheckResult.failed("config", problem, CONFIG_FIX));
        }
        list.print(NAME + " failed: " + list.failures() + (list.failures() == 1 ? " problem" : " problems")
                + " with the config; nothing else was checked");
    }

    @Override
    public void run(PluginContext context) throws IOException {
        boolean readOnly = OperatorArguments.afterConfig(context, NAME, Set.of(READ_ONLY), Set.of())
                .withoutPositional(NAME, "; usage: " + Program.NAME + " check CONFIG [--read-only]").has(READ_ONLY);
        PluginConfig config = context.config();
        Function<String, String> environment = context::env;
        String host = Program.hostName(environment);
        Checklist list = new Checklist(context.stdout());
        list.print(Program.NAME + " " + Program.version() + " check" + (readOnly ? " --read-only" : "") + " on host "
                + host);
        list.add(CheckResult.passed("config", context.arg(0) + " loads: bucket '" + config.bucket() + "', folder '"
                + config.folder() + "'"));

        AwsConfigFiles awsFiles = AwsConfigFiles.from(environment);
        AwsRegion region = AwsRegion.resolve(config.region(), environment, awsFiles);
        Optional<Answered> credentials = credentials(config, environment, awsFiles, region.name(), context.log(), list);
        Optional<S3Endpoint> endpoint = endpoint(config, region, list);
        boolean connectable = endpoint.isPresent() && proxy(config, endpoint.get(), environment, list)
                & tls(config, endpoint.get(), list);

        if (credentials.isPresent() && connectable) {
            ServerClock serverClock = new ServerClock(clock);
            try (S3Connection connection = S3ClientFactory.connect(config, environment, clock, context.log(),
                    credentials.get().chain(), http -> http.watchedBy(serverClock::answered), RETRIES)) {
                // The probe is audited like any other call: an auditor sees what check wrote and deleted.
                S3Client s3 = S3ClientFactory.client(connection, config, context.audit());
                CheckDiagnosis diagnosis = new CheckDiagnosis(s3.endpoint(), credentials.get().keys().accessKeyId(),
                        credentials.get().chain().source());
                new StoreChecks(s3, diagnosis, context.layout(), list, context::progress, context.sealedObjects())
                        .run(readOnly, host + "-" + ProcessHandle.current().pid());
            }
            list.add(serverClock.verdict());
        } else {
            list.add(CheckResult.skipped("store", "nothing sent to the store: fix the failures above first"));
        }
        summarize(list, readOnly, context.layout(), config);
    }

    private static void summarize(Checklist list, boolean readOnly, KeyLayout layout, PluginConfig config)
            throws IOException {
        String where = "s3://" + config.bucket() + "/" + layout.folderPrefix();
        String warnings = list.warnings() == 0 ? ""
                : " (" + list.warnings() + (list.warnings() == 1 ? " warning" : " warnings") + " above)";
        if (list.failures() > 0) {
            String failed = list.failures() + (list.failures() == 1 ? " check" : " checks") + " failed";
            list.print(NAME + " failed: " + failed + "; " + (readOnly ? "a restore from " : "a backup to ") + where
                    + " would not work from this host");
            throw new PluginException(NAME + " failed: " + failed + " (see the ✗ lines on stdout)");
        }
        list.print(readOnly
                ? NAME + " passed: " + where + " can be listed and read from this host; writing was not tried"
                        + warnings
                : NAME + " passed: a backup to " + where + " would work from this host" + warnings);
    }

    /** The chain, now sticking to the source that answered, for the requests that follow; and the keys it gave. */
    private record Answered(CredentialsProvider chain, Credentials keys) {
    }

    /** Which source of the chain answers, and its key id; never the secret. */
    private static Optional<Answered> credentials(PluginConfig config, Function<String, String> environment,
                                                        AwsConfigFiles awsFiles, String region, PluginLog log,
                                                        Checklist list) throws IOException {
        try {
            // The chain's own clock matters only for refreshing temporary keys, past a check's few seconds.
            CredentialsProvider chain = S3ClientFactory.credentials(config, environment, awsFiles, region,
                    Clock.systemUTC(), log);
            Credentials answered = chain.credentials();
            String kind = answered.sessionToken().isPresent() ? ", temporary (with a session token)" : "";
            String expiry = answered.expiration().map(e -> ", expiring " + e).orElse("");
            list.add(CheckResult.passed("credentials", "from " + chain.source() + ", access key id '"
                    + answered.accessKeyId() + "'" + kind + expiry));
            return Optional.of(new Answered(chain, answered));
        } catch (CredentialsException e) {
            // A configured source that failed is the one to fix: the chain never fell back past it.
            list.add(CheckResult.failed("credentials", e.getMessage(), e instanceof ConfiguredSourceFailedException failed
                    ? "fix " + failed.source() + " as its message says, or unset what configures it to let the chain"
                            + " go on to the next source (spec/credentials.md)"
                    : NO_CREDENTIALS_FIX));
            return Optional.empty();
        }
    }

    private static Optional<S3Endpoint> endpoint(PluginConfig config, AwsRegion region, Checklist list)
            throws IOException {
        S3Endpoint endpoint;
        try {
            endpoint = S3ClientFactory.endpoint(config, region.name());
        } catch (SettingException e) {
            list.add(CheckResult.failed("endpoint", e.getMessage(), "set 'endpoint' to host, host:port or"
                    + " http(s)://host[:port], or remove it for Amazon S3"));
            return Optional.empty();
        }
        String addressing = endpoint.pathStyle() ? "path-style addressing (bucket in the path)"
                : "virtual-host addressing (bucket in the host name)";
        String detail = endpoint.display() + (config.endpoint().isPresent() ? "" : " (Amazon S3)") + ", " + addressing
                + ", " + (config.endpoint().isPresent() ? "signing region " : "region ") + region.name() + " ("
                + region.source() + ")";
        String expectedScheme = config.encryption() ? "https" : "http";
        if (!endpoint.scheme().equals(expectedScheme)) {
            list.add(CheckResult.warning("endpoint", detail + "; the endpoint's scheme wins over 'encryption: "
                    + (config.encryption() ? "on" : "off") + "'", "make 'encryption' agree with the endpoint's"
                    + " scheme, or drop the scheme from 'endpoint'"));
        } else {
            list.add(CheckResult.passed("endpoint", detail));
        }
        return Optional.of(endpoint);
    }

    private static boolean proxy(PluginConfig config, S3Endpoint endpoint, Function<String, String> environment,
                                 Checklist list) throws IOException {
        try {
            Optional<ProxySetting> proxy = ProxyChoice.choose(config.httpProxy(), endpoint.scheme(),
                    endpoint.authority(), environment);
            // ProxySetting's text never shows the password.
            return list.add(CheckResult.passed("proxy", proxy.map(p -> p + ", "
                            + (endpoint.scheme().equals("https") ? "tunnelled with CONNECT" : "forwarding plain http"))
                    .orElse("none: requests go straight to " + endpoint.display())));
        } catch (SettingException e) {
            return list.add(CheckResult.failed("proxy", e.getMessage(), "set http_proxy (or HTTPS_PROXY/HTTP_PROXY)"
                    + " to http://[user:password@]host:port, or remove it"));
        }
    }

    private static boolean tls(PluginConfig config, S3Endpoint endpoint, Checklist list) throws IOException {
        Optional<String> caCert = config.caCert();
        try {
            // The client reads the bundle even for plain http, so a bad one fails there too.
            caCert.ifPresent(path -> TrustedCertificates.withExtraAuthorities(Path.of(path)));
        } catch (SettingException e) {
            return list.add(CheckResult.failed("TLS", e.getMessage(), "set 'ca_cert' to a readable PEM file of the"
                    + " certificate authority that signed the server's certificate"));
        }
        if (endpoint.scheme().equals("http")) {
            String detail = "none: plain http, requests and data travel unencrypted"
                    + caCert.map(path -> " (ca_cert " + path + " is read but not needed)").orElse("");
            if (config.endpoint().isEmpty()) {
                return list.add(CheckResult.warning("TLS", detail + " to Amazon S3", "remove 'encryption: off'"));
            }
            return list.add(CheckResult.passed("TLS", detail));
        }
        return list.add(CheckResult.passed("TLS", caCert
                .map(path -> "the JDK's certificate authorities and those of ca_cert " + path)
                .orElse("the JDK's certificate authorities (no ca_cert)")));
    }
}
