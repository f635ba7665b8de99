package gpbackup.s3plugin.http;

import java.io.IOException;
import java.net.Authenticator;
import java.net.CookieHandler;
import java.net.ProxySelector;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * Shows every answer's status and headers to a watcher as they arrive, error answers included:
 * {@code check} reads the server's {@code Date} even from a refusal such as RequestTimeTooSkewed,
 * which the request engine turns into an exception without its headers.
 *
 * <p>The watcher sees the answer through the body handler rather than a stage added to the
 * future, so the caller's future stays the client's own and cancelling it still aborts the exchange.
 */
public final class AnswerWatchingClient extends HttpClient {
    private final HttpClient delegate;
    private final Consumer<HttpResponse.ResponseInfo> watcher;

    /** @param watcher called on the client's thread; it must be quick and must not throw */
    public AnswerWatchingClient(HttpClient delegate, Consumer<HttpResponse.ResponseInfo> watcher) {
        this.delegate = delegate;
        this.watcher = watcher;
    }

    private <T> HttpResponse.BodyHandler<T> watched(HttpResponse.BodyHandler<T> handler) {
        return info -> {
            watcher.accept(info);
            return handler.apply(info);
        };
    }

    @Override
    public <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler)
            throws IOException, InterruptedException {
        return delegate.send(request, watched(handler));
    }

    @Override
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
        return delegate.sendAsync(request, watched(handler));
    }

    @Override
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, HttpResponse.BodyHandler<T> handler,
                                                            HttpResponse.PushPromiseHandler<T> pushPromiseHandler) {
        return delegate.sendAsync(request, watched(handler), pushPromiseHandler);
    }

    @Override
    public Optional<CookieHandler> cookieHandler() {
        return delegate.cookieHandler();
    }

    @Override
    public Optional<Duration> connectTimeout() {
        return delegate.connectTimeout();
    }

    @Override
    public Redirect followRedirects() {
        return delegate.followRedirects();
    }

    @Override
    public Optional<ProxySelector> proxy() {
        return delegate.proxy();
    }

    @Override
    public SSLContext sslContext() {
        return delegate.sslContext();
    }

    @Override
    public SSLParameters sslParameters() {
        return delegate.sslParameters();
    }

    @Override
    public Optional<Authenticator> authenticator() {
        return delegate.authenticator();
    }

    @Override
    public Version version() {
        return delegate.version();
    }

    @Override
    public Optional<Executor> executor() {
        return delegate.executor();
    }

    @Override
    public String toString() {
        return "AnswerWatchingClient[" + delegate + "]";
    }

    /** On Java 21 and later this overrides {@code HttpClient.close()}; earlier it is only called by name. */
    public void close() throws Exception {
        if (delegate instanceof AutoCloseable closeable) {
            closeable.close();
        }
    }
}
