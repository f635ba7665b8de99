package gpbackup.s3plugin.wiring;

import gpbackup.s3plugin.auth.AwsConfigFiles;
import gpbackup.s3plugin.auth.AwsRegion;
import gpbackup.s3plugin.auth.CredentialSources;
import gpbackup.s3plugin.auth.Credentials;
import gpbackup.s3plugin.auth.CredentialsProvider;
import gpbackup.s3plugin.auth.SigV4Signer;
import gpbackup.s3plugin.config.PluginConfig;
import gpbackup.s3plugin.config.StorageOptions;
import gpbackup.s3plugin.http.HttpClients;
import gpbackup.s3plugin.http.HttpTransport;
import gpbackup.s3plugin.http.ProxyChoice;
import gpbackup.s3plugin.http.ProxySetting;
import gpbackup.s3plugin.log.PluginLog;
import gpbackup.s3plugin.s3.RequestEngine;
import gpbackup.s3plugin.s3.RequestObserver;
import gpbackup.s3plugin.s3.S3Client;
import gpbackup.s3plugin.s3.S3Connection;
import gpbackup.s3plugin.s3.S3Endpoint;
import gpbackup.s3plugin.s3.SseCustomerKey;
import gpbackup.s3plugin.s3.StoragePolicy;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Base64;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * The one place an S3 client is put together from the config and the environment: region,
 * credential chain, endpoint, proxy, trust and retries (the connection calls share), and each
 * call's client on it with its observer and the storage policy of the objects written.
 */
public final class S3ClientFactory {
    private S3ClientFactory() {
    }

    /** The connection to the configured store, signed by the credential chain. */
    public static S3Connection connect(PluginConfig config, Function<String, String> environment, Clock clock,
                                PluginLog log) {
        return connect(config, environment, clock, log, 1);
    }

    /** The same, its calls spread over {@code httpClients} HTTP clients (selector threads): the host agent's. */
    public static S3Connection connect(PluginConfig config, Function<String, String> environment, Clock clock,
                                PluginLog log, int httpClients) {
        AwsConfigFiles awsFiles = AwsConfigFiles.from(environment);
        String region = AwsRegion.resolve(config.region(), environment, awsFiles).name();
        return connect(config, environment, clock, log, credentials(config, environment, awsFiles, region, clock, log),
                UnaryOperator.identity(), config.maxRequestRetries(), httpClients);
    }

    /**
     * A connection with the given credentials, HTTP client wrapper and retries: {@code check}'s,
     * which knows which credential source answered, watches every answer and gives up sooner.
     */
    public static S3Connection connect(PluginConfig config, Function<String, String> environment, Clock clock,
                                PluginLog log, CredentialsProvider credentials, UnaryOperator<HttpTransport> watch,
                                int retries) {
        return connect(config, environment, clock, log, credentials, watch, retries, 1);
    }

    private static S3Connection connect(PluginConfig config, Function<String, String> environment, Clock clock,
                                        PluginLog log, CredentialsProvider credentials,
                                        UnaryOperator<HttpTransport> watch, int retries, int httpClients) {
        AwsConfigFiles awsFiles = AwsConfigFiles.from(environment);
        String region = AwsRegion.resolve(config.region(), environment, awsFiles).name();
        S3Endpoint endpoint = endpoint(config, region);
        String expectedScheme = config.encryption() ? "https" : "http";
        if (!endpoint.scheme().equals(expectedScheme)) {
            log.warn("endpoint " + endpoint.display() + " names its scheme, which wins over encryption: "
                    + (config.encryption() ? "on" : "off"));
        }
        Optional<ProxySetting> proxy = ProxyChoice.choose(config.httpProxy(), endpoint.scheme(), endpoint.authority(),
                environment);
        proxy.ifPresent(p -> log.debug("requests to " + endpoint.display() + " go through proxy " + p));
        // TLS is set up only when a request can need it: for a plain-http endpoint without a
        // proxy tunnel, loading the JDK's trust store would cost a few hundred ms for nothing.
        boolean needsTls = endpoint.scheme().equals("https");
        S3Connection.Signing signing = new S3Connection.Signing(SigV4Signer.forS3(region), credentials, clock);
        List<HttpTransport> clients = new ArrayList<>();
        for (int i = 0; i < httpClients; i++) {
            clients.add(watch.apply(HttpClients.forS3(proxy, config.caCert().map(Path::of), needsTls)));
        }
        return new S3Connection(clients, endpoint, signing, S3Connection.Settings.withRetries(retries), log);
    }

    /**
     * One call's client, built once with all it carries: the shared connection, the call's
     * observer (its audit trail) and the config's storage policy. Never copied, so no setting of
     * it can be lost on the way.
     */
    public static S3Client client(S3Connection connection, PluginConfig config, RequestObserver observer) {
        return new S3Client(new RequestEngine(connection, observer), storagePolicy(config.storage()));
    }

    /** The storage options as the headers' values S3 takes. */
    static StoragePolicy storagePolicy(StorageOptions options) {
        return new StoragePolicy(options.serverSideEncryption(), options.kmsKeyId(),
                options.kmsEncryptionContext().isEmpty() ? Optional.empty()
                        : Optional.of(StoragePolicy.contextJson(options.kmsEncryptionContext())),
                options.bucketKey(),
                options.customerKey().map(key -> SseCustomerKey.of(Base64.getDecoder().decode(key.base64()))),
                options.storageClass(),
                options.objectLockMode().map(mode -> new StoragePolicy.ObjectLock(mode, options.objectLockRetainDays())));
    }

    /** The configured store, path-style, or else Amazon S3 in {@code region}, the signing region already resolved. */
    public static S3Endpoint endpoint(PluginConfig config, String region) {
        String scheme = config.encryption() ? "https" : "http";
        return config.endpoint()
                .map(configured -> S3Endpoint.configured(configured, scheme, config.bucket()))
                .orElseGet(() -> S3Endpoint.aws(scheme, region, config.bucket()));
    }

    /**
     * The credential chain (auth/CredentialSources): config keys, the AWS_* environment, web identity,
     * the shared profile, container credentials, the EC2 instance role. The first configured source
     * answers, or fails the call: only a source not configured at all passes to the next. It is
     * refreshed before its keys expire.
     */
    public static CredentialsProvider credentials(PluginConfig config, Function<String, String> environment,
                                                   AwsConfigFiles awsFiles, String region, Clock clock,
                                                   PluginLog log) {
        Optional<Credentials> configKeys = config.accessKeyId().flatMap(id -> config.secretAccessKey()
                .map(secret -> Credentials.of(id, secret, config.sessionToken().orElse(null))));
        // STS is reached as S3 is: through http_proxy or HTTPS_PROXY unless NO_PROXY names it, trusting ca_cert too.
        Function<URI, HttpTransport> stsHttp = sts -> HttpClients.forS3(
                ProxyChoice.choose(config.httpProxy(), sts.getScheme(), sts.getHost(), environment),
                config.caCert().map(Path::of), sts.getScheme().equals("https"));
        return CredentialSources.chain(configKeys, environment, awsFiles, region, clock, stsHttp, log::warn);
    }
}
