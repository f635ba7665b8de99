package gpbackup.s3plugin.s3;

import java.net.http.HttpRequest;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.Flow;

/**
 * Request bodies for the HTTP client: a payload's own buffers handed over as they are (no copy
 * on our side), and any body reporting each buffer it hands over, which is how the idle
 * watchdog tells a slow upload from a dead one.
 */
final class BodyPublishers {
    private BodyPublishers() {
    }

    /** Publishes fresh views of {@code buffers}, one per demanded item. */
    static HttpRequest.BodyPublisher ofBuffers(List<ByteBuffer> buffers, long length) {
        return new HttpRequest.BodyPublisher() {
            @Override
            public long contentLength() {
                return length;
            }

            @Override
            public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
                subscriber.onSubscribe(new BufferSubscription(buffers, subscriber));
            }
        };
    }

    /**
     * {@code body}, calling {@code progress} whenever it hands the client a buffer and
     * {@code complete} once it has handed over the last one.
     */
    static HttpRequest.BodyPublisher reportingProgress(HttpRequest.BodyPublisher body, Runnable progress,
                                                       Runnable complete) {
        return new HttpRequest.BodyPublisher() {
            @Override
            public long contentLength() {
                return body.contentLength();
            }

            @Override
            public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
                body.subscribe(new Flow.Subscriber<>() {
                    @Override
                    public void onSubscribe(Flow.Subscription subscription) {
                        subscriber.onSubscribe(subscription);
                    }

                    @Override
                    public void onNext(ByteBuffer item) {
                        progress.run();
                        subscriber.onNext(item);
                    }

                    @Override
                    public void onError(Throwable throwable) {
                        subscriber.onError(throwable);
                    }

                    @Override
                    public void onComplete() {
                        progress.run();
                        complete.run();
                        subscriber.onComplete();
                    }
                });
            }
        };
    }

    /** Emits the buffers in order as demand arrives; re-entrant calls to request only add demand. */
    private static final class BufferSubscription implements Flow.Subscription {
        private final List<ByteBuffer> buffers;
        private final Flow.Subscriber<? super ByteBuffer> subscriber;
        private int next;
        private long demand;
        private boolean emitting;
        private boolean done;

        BufferSubscription(List<ByteBuffer> buffers, Flow.Subscriber<? super ByteBuffer> subscriber) {
            this.buffers = List.copyOf(buffers);
            this.subscriber = subscriber;
        }

        @Override
        public void request(long n) {
            synchronized (this) {
                if (done) {
                    return;
                }
                if (n <= 0) {
                    done = true;
                } else {
                    demand = demand + n < 0 ? Long.MAX_VALUE : demand + n;
                    if (emitting) {
                        return;
                    }
                    emitting = true;
                }
            }
            if (n <= 0) {
                subscriber.onError(new IllegalArgumentException("non-positive request " + n));
                return;
            }
            while (true) {
                ByteBuffer item;
                synchronized (this) {
                    if (done || (demand == 0 && next < buffers.size())) {
                        emitting = false;
                        return;
                    }
                    if (next == buffers.size()) {
                        done = true;
                        item = null;
                    } else {
                        // A duplicate, not a read-only view: the client only reads it, and SSL wraps heap arrays faster.
                        item = buffers.get(next++).duplicate();
                        demand--;
                    }
                }
                if (item == null) {
                    subscriber.onComplete();
                    return;
                }
                subscriber.onNext(item);
            }
        }

        @Override
        public synchronized void cancel() {
            done = true;
        }
    }
}
