package gpbackup.s3plugin.http;

import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.util.function.Consumer;

/**
 * Shows every answer's status and headers to a watcher as they arrive, error answers included:
 * {@code check} reads the server's {@code Date} even from a refusal such as RequestTimeTooSkewed,
 * which the request engine turns into an exception without its headers.
 *
 * <p>The watcher sees the answer through the body handler rather than a stage added to the
 * future, so the caller's future stays the client's own and cancelling it still aborts the exchange.
 */
public final class AnswerWatchingClient extends ForwardingHttpClient {
    private final Consumer<HttpResponse.ResponseInfo> watcher;

    /** @param watcher called on the client's thread; it must be quick and must not throw */
    public AnswerWatchingClient(HttpClient delegate, Consumer<HttpResponse.ResponseInfo> watcher) {
        super(delegate);
        this.watcher = watcher;
    }

    @Override
    <T> HttpResponse.BodyHandler<T> forwarded(HttpResponse.BodyHandler<T> handler) {
        return info -> {
            watcher.accept(info);
            return handler.apply(info);
        };
    }
}
