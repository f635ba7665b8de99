package gpbackup.s3plugin.s3;

import gpbackup.s3plugin.auth.CredentialsProvider;
import gpbackup.s3plugin.auth.SigV4Signer;
import gpbackup.s3plugin.config.PluginConfig;
import gpbackup.s3plugin.http.HttpClients;
import gpbackup.s3plugin.http.ProxyChoice;
import gpbackup.s3plugin.http.ProxySetting;
import gpbackup.s3plugin.log.PluginLog;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import java.util.function.Function;

/** Builds the one S3 client a plugin process uses, from the config and the environment. */
public final class S3ClientFactory {
    private S3ClientFactory() {
    }

    public static S3Client create(PluginConfig config, String region, CredentialsProvider credentials,
                                  Function<String, String> environment, Clock clock, PluginLog log) {
        S3Endpoint endpoint = S3Endpoint.of(config, region);
        String expectedScheme = config.encryption() ? "https" : "http";
        if (!endpoint.scheme().equals(expectedScheme)) {
            log.warn("endpoint " + endpoint.display() + " names its scheme, which wins over encryption: "
                    + (config.encryption() ? "on" : "off"));
        }
        Optional<ProxySetting> proxy = ProxyChoice.choose(config.httpProxy(), endpoint.scheme(), endpoint.authority(),
                environment);
        proxy.ifPresent(p -> log.debug("requests to " + endpoint.display() + " go through proxy " + p));
        return new S3Client(HttpClients.forS3(proxy, config.caCert().map(Path::of)), endpoint,
                SigV4Signer.forS3(region), credentials, clock,
                RetryPolicy.withRetries(config.maxRequestRetries()), log, S3Client.DEFAULT_CHUNKED_THRESHOLD);
    }
}
