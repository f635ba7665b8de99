package gpbackup.s3plugin.s3;

import com.github.tomakehurst.wiremock.core.Options;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import gpbackup.s3plugin.auth.Credentials;
import gpbackup.s3plugin.auth.CredentialsProvider;
import gpbackup.s3plugin.auth.SigV4Signer;
import gpbackup.s3plugin.leaks.TestSecrets;
import gpbackup.s3plugin.log.PluginLog;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;

/** Builds an {@link S3Client} aimed at a local WireMock server, configured as the factory does, with tiny retry delays. */
public final class WireMockS3 {
    public static final String BUCKET = "bucket";
    public static final String REGION = "us-east-1";
    public static final String ACCESS_KEY_ID = "AKID";
    public static final String SECRET = TestSecrets.WIREMOCK_SECRET_KEY;

    private WireMockS3() {
    }

    /** A WireMock server on a free port that, like S3, answers with a Content-Length rather than chunked. */
    public static WireMockConfiguration serverOptions() {
        return WireMockConfiguration.wireMockConfig().dynamicPort()
                .useChunkedTransferEncoding(Options.ChunkedEncodingPolicy.NEVER);
    }

    public static S3Endpoint endpoint(int port) {
        return new S3Endpoint("http", "127.0.0.1:" + port, BUCKET, true);
    }

    public static S3Client client(int port) {
        return client(port, 3);
    }

    public static S3Client client(int port, int retries) {
        return client(port, retries, S3Connection.DEFAULT_CHUNKED_THRESHOLD, Credentials.of(ACCESS_KEY_ID, SECRET, null));
    }

    public static S3Client client(int port, int retries, long chunkedThreshold, Credentials credentials) {
        return client(port, retries, chunkedThreshold, credentials, Clock.systemUTC());
    }

    public static S3Client client(int port, int retries, long chunkedThreshold, Credentials credentials,
                                  Clock clock) {
        return client(port, retries, chunkedThreshold, credentials, clock, RequestObserver.NONE);
    }

    /** A client whose every request's end is told to {@code observer} (an audit trail). */
    public static S3Client client(int port, int retries, long chunkedThreshold, Credentials credentials,
                                  Clock clock, RequestObserver observer) {
        return client(connection(endpoint(port), () -> credentials, clock, new S3Connection.Settings(
                fastRetries(retries), chunkedThreshold, S3Connection.DEFAULT_IDLE_LIMIT), quietLog()),
                StoragePolicy.NONE, observer);
    }

    public static S3Client client(int port, int retries, PluginLog log) {
        return client(endpoint(port), () -> Credentials.of(ACCESS_KEY_ID, SECRET, null), Clock.systemUTC(),
                new S3Connection.Settings(fastRetries(retries), S3Connection.DEFAULT_CHUNKED_THRESHOLD,
                        S3Connection.DEFAULT_IDLE_LIMIT), log);
    }

    /** A client of {@link #http()} signing for {@link #REGION}, as the wiring in cli puts one together. */
    public static S3Client client(S3Endpoint endpoint, CredentialsProvider credentials, Clock clock,
                                  S3Connection.Settings settings, PluginLog log) {
        return client(connection(endpoint, credentials, clock, settings, log), StoragePolicy.NONE,
                RequestObserver.NONE);
    }

    /** A client without retries that writes objects as {@code policy} says, dating requests by {@code clock}. */
    public static S3Client client(int port, StoragePolicy policy, Clock clock) {
        return client(connection(endpoint(port), () -> Credentials.of(ACCESS_KEY_ID, SECRET, null), clock,
                S3Connection.Settings.withRetries(0), quietLog()), policy, RequestObserver.NONE);
    }

    /** A connection of {@link #http()} signing for {@link #REGION}. */
    public static S3Connection connection(S3Endpoint endpoint, CredentialsProvider credentials, Clock clock,
                                          S3Connection.Settings settings, PluginLog log) {
        return new S3Connection(http(), endpoint, new S3Connection.Signing(SigV4Signer.forS3(REGION), credentials,
                clock), settings, log);
    }

    /** One call's client on {@code connection}, as cli's S3ClientFactory#client builds it. */
    public static S3Client client(S3Connection connection, StoragePolicy policy, RequestObserver observer) {
        return new S3Client(new RequestEngine(connection, observer), policy);
    }

    /** Retries after a millisecond or so, so a test of retrying takes no time. */
    public static RetryPolicy fastRetries(int retries) {
        return new RetryPolicy(retries, Duration.ofMillis(1), Duration.ofMillis(5));
    }

    /** As S3ClientFactory builds it: HTTP/1.1, redirects reported rather than followed. */
    public static HttpClient http() {
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    public static PluginLog quietLog() {
        return new PluginLog(null, new PrintStream(OutputStream.nullOutputStream()), "u", "h", 1, Clock.systemUTC());
    }
}
