package gpbackup.s3plugin.s3;

import gpbackup.s3plugin.auth.CredentialsProvider;
import gpbackup.s3plugin.auth.SigV4Signer;
import gpbackup.s3plugin.config.ConfigException;
import gpbackup.s3plugin.config.PluginConfig;
import gpbackup.s3plugin.log.PluginLog;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;

/** Builds the one HTTP client and S3 client a plugin process uses. */
public final class S3ClientFactory {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

    private S3ClientFactory() {
    }

    public static S3Client create(PluginConfig config, String region, CredentialsProvider credentials,
                                  Clock clock, PluginLog log) {
        HttpClient.Builder http = HttpClient.newBuilder()
                // S3 speaks HTTP/1.1; the JDK's default would try an h2c upgrade on plain http.
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(CONNECT_TIMEOUT)
                // A redirect means the wrong region or endpoint: report it, do not follow it unsigned.
                .followRedirects(HttpClient.Redirect.NEVER);
        config.httpProxy().ifPresent(proxy -> http.proxy(ProxySelector.of(proxyAddress(proxy))));
        S3Endpoint endpoint = S3Endpoint.of(config, region);
        return new S3Client(http.build(), endpoint, SigV4Signer.forS3(region), credentials, clock,
                RetryPolicy.withRetries(config.maxRequestRetries()), log, S3Client.DEFAULT_CHUNKED_THRESHOLD);
    }

    private static InetSocketAddress proxyAddress(String proxy) {
        URI uri;
        try {
            uri = URI.create(proxy.contains("://") ? proxy : "http://" + proxy);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("http_proxy is not a URL like http://host:port");
        }
        if (uri.getHost() == null) {
            throw new ConfigException("http_proxy is not a URL like http://host:port");
        }
        return InetSocketAddress.createUnresolved(uri.getHost(), uri.getPort() == -1 ? 80 : uri.getPort());
    }
}
