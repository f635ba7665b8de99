package gpbackup.s3plugin.http;

import java.io.IOException;
import java.net.Authenticator;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * How requests leave: the JDK's client, plus what every request through it carries. A class of
 * our own rather than a subclass of {@link HttpClient}, an abstract class whose whole API (more
 * of it with each JDK) a wrapper would have to restate.
 *
 * <p>A proxy's Basic credentials go as {@code Proxy-Authorization} on every request; the JDK
 * copies the header onto the CONNECT of an https tunnel and keeps it off the tunnelled request.
 * Not an {@link Authenticator}: once a client has one, the JDK drops every {@code Authorization}
 * header the caller set, and that header carries the SigV4 signature.
 *
 * <p>A watcher sees every answer's status and headers as they arrive, error answers included:
 * {@code check} reads the server's {@code Date} even from a refusal such as RequestTimeTooSkewed.
 * It sees them through the body handler, not a stage added to the future, so the caller's future
 * stays the client's own and cancelling it still aborts the exchange.
 */
public final class HttpTransport implements AutoCloseable {
    private final HttpClient client;
    private final Optional<String> proxyAuthorization;
    private final Optional<Consumer<HttpResponse.ResponseInfo>> watcher;

    private HttpTransport(HttpClient client, Optional<String> proxyAuthorization,
                          Optional<Consumer<HttpResponse.ResponseInfo>> watcher) {
        this.client = client;
        this.proxyAuthorization = proxyAuthorization;
        this.watcher = watcher;
    }

    /** Requests as they are, through {@code client}. */
    public static HttpTransport of(HttpClient client) {
        return new HttpTransport(client, Optional.empty(), Optional.empty());
    }

    /** Every request carries Basic credentials for the proxy {@code client} goes through. */
    static HttpTransport authorizingProxy(HttpClient client, String user, String password) {
        String basic = "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        return new HttpTransport(client, Optional.of(basic), Optional.empty());
    }

    /** The same transport, {@code watcher} called with each answer's head on the client's thread (quick, never throwing). */
    public HttpTransport watchedBy(Consumer<HttpResponse.ResponseInfo> watcher) {
        return new HttpTransport(client, proxyAuthorization, Optional.of(watcher));
    }

    public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
        return client.sendAsync(prepared(request), watched(handler));
    }

    public <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler)
            throws IOException, InterruptedException {
        return client.send(prepared(request), watched(handler));
    }

    private HttpRequest prepared(HttpRequest request) {
        return proxyAuthorization.map(basic -> HttpRequest.newBuilder(request, (name, value) -> true)
                .setHeader("Proxy-Authorization", basic).build()).orElse(request);
    }

    private <T> HttpResponse.BodyHandler<T> watched(HttpResponse.BodyHandler<T> handler) {
        return watcher.<HttpResponse.BodyHandler<T>>map(watch -> info -> {
            watch.accept(info);
            return handler.apply(info);
        }).orElse(handler);
    }

    /**
     * Stops the client's threads where the JDK can (Java 21 made {@link HttpClient} closeable; the
     * check compiles on 17 without reflection). Its selector thread sits in native code, and
     * HotSpot's exit waits up to 300 ms for such threads.
     */
    @Override
    public void close() throws Exception {
        if (client instanceof AutoCloseable closeable) {
            closeable.close();
        }
    }

    /** Never the proxy's credentials. */
    @Override
    public String toString() {
        return "HttpTransport[" + client + (proxyAuthorization.isPresent() ? ", proxy credentials" : "") + "]";
    }
}
