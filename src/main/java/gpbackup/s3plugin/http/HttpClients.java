package gpbackup.s3plugin.http;

import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** Builds the JDK HTTP clients: the one for the S3 endpoint, and the direct one for local metadata agents. */
public final class HttpClients {
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** The JDK client's setting for the size of the buffers it reads responses into. */
    static final String RECEIVE_BUFFER_PROPERTY = "jdk.httpclient.bufsize";
    /**
     * 256 KiB rather than the JDK's 16 KiB: a restore reads gigabytes, and per buffer the client
     * allocates, copies and queues; measured on loopback, this halves restore CPU (spec/performance.md).
     */
    static final String RECEIVE_BUFFER_SIZE = Integer.toString(256 * 1024);

    private HttpClients() {
    }

    /**
     * @param needsTls false when every request is plain http: the client then gets a TLS context
     *                 that trusts no one, which is cheap to build and fails closed if ever used
     */
    public static HttpTransport forS3(Optional<ProxySetting> proxy, Optional<Path> caCert, boolean needsTls) {
        // Read once, when the JDK's HTTP classes first load, which is here; a value the DBA set with -D wins.
        if (System.getProperty(RECEIVE_BUFFER_PROPERTY) == null) {
            System.setProperty(RECEIVE_BUFFER_PROPERTY, RECEIVE_BUFFER_SIZE);
        }
        HttpClient.Builder builder = directBuilder(CONNECT_TIMEOUT);
        proxy.ifPresent(p -> builder.proxy(ProxySelector.of(InetSocketAddress.createUnresolved(p.host(), p.port()))));
        if (caCert.isPresent()) {
            // Read even for plain http: a bad bundle is a config mistake to report now, not later.
            builder.sslContext(TrustedCertificates.withExtraAuthorities(caCert.get()));
        } else if (!needsTls) {
            builder.sslContext(TrustedCertificates.trustingNoOne());
        }
        HttpClient client = builder.build();
        if (proxy.isPresent() && proxy.get().user().isPresent()) {
            return HttpTransport.authorizingProxy(client, proxy.get().user().get(), proxy.get().password().orElse(""));
        }
        return HttpTransport.of(client);
    }

    /** HTTP/1.1, no proxy, no redirects: for the container agents and the instance metadata service, which are local. */
    public static HttpClient direct(Duration connectTimeout) {
        return directBuilder(connectTimeout).build();
    }

    private static HttpClient.Builder directBuilder(Duration connectTimeout) {
        return HttpClient.newBuilder()
                // S3 and the metadata agents speak HTTP/1.1; the JDK's default would try an h2c upgrade on plain http.
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(connectTimeout)
                // A redirect means the wrong region or endpoint: report it, do not follow it unsigned or with a token.
                .followRedirects(HttpClient.Redirect.NEVER)
                // No proxy unless chosen: the JDK default would honour JVM-wide proxy properties.
                .proxy(HttpClient.Builder.NO_PROXY);
    }
}
