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
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * An {@link HttpClient} that hands every call to another one, letting a subclass change the request
 * or the body handler on the way. {@code HttpClient} is an abstract class, not an interface, so
 * wrapping one means restating all of it; this says it once.
 */
abstract class ForwardingHttpClient extends HttpClient {
    private final HttpClient delegate;

    ForwardingHttpClient(HttpClient delegate) {
        this.delegate = delegate;
    }

    /** The request the delegate sends in place of {@code request}; as is unless overridden. */
    HttpRequest forwarded(HttpRequest request) {
        return request;
    }

    /** The handler the delegate answers in place of {@code handler}; as is unless overridden. */
    <T> HttpResponse.BodyHandler<T> forwarded(HttpResponse.BodyHandler<T> handler) {
        return handler;
    }

    @Override
    public final <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler)
            throws IOException, InterruptedException {
        return delegate.send(forwarded(request), forwarded(handler));
    }

    @Override
    public final <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request,
                                                                  HttpResponse.BodyHandler<T> handler) {
        return delegate.sendAsync(forwarded(request), forwarded(handler));
    }

    @Override
    public final <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, HttpResponse.BodyHandler<T> handler,
                                                                  HttpResponse.PushPromiseHandler<T> pushPromiseHandler) {
        return delegate.sendAsync(forwarded(request), forwarded(handler), pushPromiseHandler);
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
        return getClass().getSimpleName() + "[" + delegate + "]";
    }

    /** On Java 21 and later this overrides {@code HttpClient.close()}; earlier it is only called by name. */
    public void close() throws Exception {
        if (delegate instanceof AutoCloseable closeable) {
            closeable.close();
        }
    }
}
