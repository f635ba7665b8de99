package gpbackup.s3plugin.s3;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * One attempt's landing of a successful answer's body in a {@link BodySink}, on the thread the
 * HTTP client delivers it on: no queue and no hand-off to a reading thread. The body's length is
 * checked against the announcement, so the sink never gets more than announced and a short body
 * fails the attempt. Once {@link #close() closed} (the attempt is over, however it ended) the
 * landing takes nothing more: the sink's memory may already belong to someone else.
 */
final class BodyLanding {
    /** Checks a successful answer's status and headers before its body lands; says how long the body is. */
    @FunctionalInterface
    interface Announcement {
        long bodyLength(HttpResponse.ResponseInfo answer) throws IOException;
    }

    private final Announcement announcement;
    private final BodySink sink;
    private final Runnable progress;
    private boolean closed;
    private Subscriber subscriber;

    BodyLanding(Announcement announcement, BodySink sink, Runnable progress) {
        this.announcement = announcement;
        this.sink = sink;
        this.progress = progress;
    }

    /** The client's body handler: a successful answer lands in the sink, any other is read as a stream. */
    HttpResponse.BodyHandler<InputStream> handler() {
        return answer -> answer.statusCode() / 100 == 2
                ? new Subscriber(answer)
                : HttpResponse.BodySubscribers.ofInputStream();
    }

    /**
     * Ends the landing: bytes that still arrive are dropped, the body's delivery is cancelled and
     * the exchange fails. Before the answer arrives it fails as the answer arrives, so the
     * request, already on its way, is done with at the server when the exchange ends.
     */
    synchronized void close() {
        closed = true;
        if (subscriber != null && subscriber.subscription != null) {
            subscriber.fail(new IOException("request cancelled"));
        }
    }

    private final class Subscriber implements HttpResponse.BodySubscriber<InputStream> {
        private final CompletableFuture<InputStream> landed = new CompletableFuture<>();
        private final HttpResponse.ResponseInfo answer;
        private Flow.Subscription subscription;
        private long expected;
        private long received;

        Subscriber(HttpResponse.ResponseInfo answer) {
            this.answer = answer;
        }

        @Override
        public CompletionStage<InputStream> getBody() {
            return landed;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            synchronized (BodyLanding.this) {
                subscriber = this;
                subscription = s;
                if (closed) {
                    fail(new IOException("request cancelled"));
                    return;
                }
                try {
                    expected = announcement.bodyLength(answer);
                    sink.begin(expected);
                } catch (IOException | RuntimeException e) {
                    fail(e);
                    return;
                }
            }
            // Every byte has room reserved before the request is sent, so there is nothing to hold back.
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> buffers) {
            progress.run();
            synchronized (BodyLanding.this) {
                if (closed || landed.isDone()) {
                    return;
                }
                for (ByteBuffer buffer : buffers) {
                    received += buffer.remaining();
                }
                if (received > expected) {
                    fail(new IOException("the answer is longer than the " + expected + " bytes it announced"));
                    return;
                }
                try {
                    for (ByteBuffer buffer : buffers) {
                        sink.accept(buffer);
                    }
                } catch (IOException | RuntimeException e) {
                    fail(e);
                }
            }
        }

        @Override
        public void onError(Throwable failure) {
            landed.completeExceptionally(failure);
        }

        @Override
        public void onComplete() {
            if (received != expected) {
                landed.completeExceptionally(new IOException("connection closed after " + received + " of "
                        + expected + " bytes"));
            } else {
                landed.complete(InputStream.nullInputStream());
            }
        }

        private void fail(Exception e) {
            subscription.cancel();
            landed.completeExceptionally(e);
        }
    }
}
