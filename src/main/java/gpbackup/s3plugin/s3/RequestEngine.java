package gpbackup.s3plugin.s3;

import gpbackup.s3plugin.auth.AwsChunkedEncoding;
import gpbackup.s3plugin.auth.Credentials;
import gpbackup.s3plugin.auth.CredentialsException;
import gpbackup.s3plugin.auth.SignableRequest;
import gpbackup.s3plugin.auth.SignedRequest;
import gpbackup.s3plugin.http.HttpTransport;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * How every S3 request is sent: signing each attempt, publishing the body (aws-chunked above a
 * threshold), the idle watchdog, cancellation, classifying failures, and the retry loop.
 * {@link S3Client} says what to send; this class is the one place that decides how.
 */
public final class RequestEngine {
    /** The size of one aws-chunked frame, each signed on its own; unrelated to multipart parts. */
    private static final int SIGNED_FRAME_SIZE = 64 * 1024;
    private static final int MAX_ERROR_BODY = 64 * 1024;

    /** Reads a successful (2xx) answer. */
    @FunctionalInterface
    interface ResponseHandler<T> {
        T handle(HttpResponse<InputStream> response, InputStream body) throws IOException;
    }

    private final S3Connection connection;
    /** This call's HTTP client, one of the connection's: all its requests share its pooled connections. */
    private final HttpTransport http;
    private final S3Endpoint endpoint;
    private final S3Connection.Signing signing;
    private final S3Connection.Settings settings;
    private final S3Errors errors;
    private final RequestObserver observer;

    /**
     * One call's engine on a shared connection.
     *
     * @param observer told of every request's end (the call's audit trail), or {@link RequestObserver#NONE}
     */
    public RequestEngine(S3Connection connection, RequestObserver observer) {
        this.connection = connection;
        this.http = connection.http();
        this.endpoint = connection.endpoint();
        this.signing = connection.signing();
        this.settings = connection.settings();
        this.errors = new S3Errors(endpoint);
        this.observer = observer;
    }

    /** Where every request of this engine goes. */
    public S3Endpoint endpoint() {
        return endpoint;
    }

    /** The clock that dates requests, for dates sent in headers (an Object Lock's retain-until). */
    Clock clock() {
        return signing.clock();
    }

    <T> T execute(S3Request request, ResponseHandler<T> handler) {
        return execute(request, handler, new Cancellation());
    }

    /**
     * Sends the request, retrying transport failures and retryable answers; signs every attempt
     * anew. Once {@code cancellation} is thrown no attempt starts, the one under way is torn
     * down, and the call fails at once without retrying.
     */
    <T> T execute(S3Request request, ResponseHandler<T> handler, Cancellation cancellation) {
        return execute(request, handler, null, cancellation);
    }

    /**
     * Sends a GET whose successful answer's body lands in {@code sink} as it arrives (see
     * {@link BodyLanding}), retrying as {@link #execute} does; returns the answer's headers once
     * the whole body has landed.
     */
    HttpHeaders land(S3Request request, BodyLanding.Announcement announcement, BodySink sink,
                     Cancellation cancellation) {
        return execute(request, (response, body) -> response.headers(), new Target(announcement, sink), cancellation);
    }

    /** Where a landed body goes; absent when the handler reads the body as a stream. */
    private record Target(BodyLanding.Announcement announcement, BodySink sink) {
    }

    private <T> T execute(S3Request request, ResponseHandler<T> handler, Target target, Cancellation cancellation) {
        if (observer == RequestObserver.NONE) {
            return attempts(request, handler, target, cancellation, new Trace());
        }
        Instant started = signing.clock().instant();
        long start = System.nanoTime();
        Trace trace = new Trace();
        try {
            T result = attempts(request, handler, target, cancellation, trace);
            observe(request, trace, started, start, null, cancellation);
            return result;
        } catch (RuntimeException e) {
            observe(request, trace, started, start, e, cancellation);
            throw e;
        }
    }

    private <T> T attempts(S3Request request, ResponseHandler<T> handler, Target target, Cancellation cancellation,
                           Trace trace) {
        for (int attempt = 0; ; attempt++) {
            S3Exception failure;
            boolean unanswered = false;
            trace.attempt(attempt);
            try (IdleWatchdog watchdog = new IdleWatchdog(settings.idleLimit(), connection.watchdogs(), System::nanoTime)) {
                try {
                    HttpResponse<InputStream> response = send(request, target, watchdog, cancellation, trace);
                    trace.answered(response);
                    // A proxy's refusal of a CONNECT tunnel arrives as a response without a body.
                    InputStream raw = response.body() == null ? InputStream.nullInputStream() : response.body();
                    Runnable closeBody = () -> closeQuietly(raw);
                    if (!cancellation.startUnlessCancelled(() -> { }, closeBody)) {
                        closeQuietly(raw);
                        throw cancelled(request);
                    }
                    try (InputStream body = watchdog.watch(raw)) {
                        int status = response.statusCode();
                        if (status / 100 == 2) {
                            return handler.handle(response, body);
                        }
                        failure = errors.fromResponse(request, status,
                                new String(body.readNBytes(MAX_ERROR_BODY), StandardCharsets.UTF_8),
                                response.headers().firstValue("x-amz-bucket-region"), accessKeyIdForMessages());
                    } finally {
                        cancellation.forget(closeBody);
                    }
                } catch (S3Exception e) {
                    // An error the handler found in a 2xx answer, or the request cancelled before it went out.
                    failure = e;
                } catch (IOException | UncheckedIOException e) {
                    unanswered = true;
                    failure = watchdog.fired()
                            ? errors.stalled(request, settings.idleLimit())
                            : errors.fromTransport(request, e instanceof UncheckedIOException u ? u.getCause() : e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw interrupted(request, e);
                }
            }
            // The one retry decision: never once cancelled; a request that got no answer is sent
            // again, an answer only when the policy calls it retryable; both while attempts are left.
            if (cancellation.isCancelled()) {
                throw unanswered ? cancelled(request) : failure;
            }
            if (!(unanswered || RetryPolicy.isRetryable(failure.status(), failure.code().orElse(null)))
                    || !settings.retry().allowsRetry(attempt)) {
                throw failure;
            }
            Duration delay = settings.retry().delayAfter(attempt);
            connection.log().debug("attempt " + (attempt + 1) + " failed, retrying in " + delay.toMillis() + " ms: "
                    + failure.getMessage());
            sleep(delay, request);
        }
    }

    /**
     * Starts the exchange (unless cancelled) and waits for the answer's headers. Asynchronous
     * underneath so that cancelling can tear the exchange down rather than only abandon a
     * future: the JDK client aborts the exchange when its future is cancelled.
     *
     * <p>Cancelling does so only while a body is still being handed over, which the server
     * cannot act on. A request that is out whole (a GET, a part whose last buffer went out) may
     * already be on the wire, and the server would act on it whenever it reads it, perhaps after
     * the AbortMultipartUpload or the failure that follows; it is left to be answered, and its
     * answer's body is then closed unread. So when the call returns the server is done with it.
     */
    private HttpResponse<InputStream> send(S3Request request, Target target, IdleWatchdog watchdog,
                                           Cancellation cancellation, Trace trace)
            throws IOException, InterruptedException {
        AtomicBoolean bodyHandedOver = new AtomicBoolean(request.payload().length() == 0);
        HttpRequest httpRequest = build(request, watchdog::progress, () -> bodyHandedOver.set(true), trace);
        // A landing body is part of the exchange, which ends only once the body has landed or the
        // landing is closed (which, like closing a streamed body, waits for the answer to arrive).
        BodyLanding landing = target == null ? null
                : new BodyLanding(target.announcement(), target.sink(), watchdog::progress);
        HttpResponse.BodyHandler<InputStream> handler = landing == null
                ? HttpResponse.BodyHandlers.ofInputStream() : landing.handler();
        List<CompletableFuture<HttpResponse<InputStream>>> exchange = new ArrayList<>(1);
        Runnable stop = () -> {
            if (landing != null) {
                landing.close();
            }
            if (!bodyHandedOver.get()) {
                exchange.get(0).cancel(true);
            }
        };
        if (!cancellation.startUnlessCancelled(() -> exchange.add(http.sendAsync(httpRequest, handler)), stop)) {
            throw cancelled(request);
        }
        CompletableFuture<HttpResponse<InputStream>> pending = exchange.get(0);
        watchdog.sending(pending);
        try {
            HttpResponse<InputStream> response = pending.get();
            watchdog.progress();
            return response;
        } catch (ExecutionException | CancellationException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof CancellationException) {
                throw new IOException("request cancelled", cause);
            }
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            throw new IOException(cause);
        } catch (InterruptedException e) {
            pending.cancel(true);
            throw e;
        } finally {
            cancellation.forget(stop);
            if (landing != null) {
                landing.close();
            }
        }
    }

    private HttpRequest build(S3Request request, Runnable progress, Runnable bodyHandedOver, Trace trace) {
        Credentials creds = signing.credentials().credentials();
        trace.accessKeyId = creds.accessKeyId();
        Payload payload = request.payload();
        boolean chunked = payload.length() > settings.chunkedThreshold();
        List<Map.Entry<String, String>> headers = new ArrayList<>(request.headers());
        String payloadHash;
        if (chunked) {
            headers.add(Map.entry("content-encoding", AwsChunkedEncoding.CONTENT_ENCODING));
            headers.add(Map.entry("x-amz-decoded-content-length", Long.toString(payload.length())));
            payloadHash = SignableRequest.STREAMING_PAYLOAD;
        } else {
            payloadHash = payload.length() == 0 ? SignableRequest.EMPTY_PAYLOAD_SHA256 : payload.sha256Hex();
        }
        SignableRequest signable = new SignableRequest(request.method(), endpoint.authority(), request.wirePath(),
                request.query(), List.copyOf(headers), payloadHash);
        SignedRequest signed = signing.signer().sign(signable, creds, signing.clock().instant());

        HttpRequest.BodyPublisher publisher;
        if (chunked) {
            long wireLength = AwsChunkedEncoding.encodedLength(payload.length(), SIGNED_FRAME_SIZE);
            var chain = signed.chunkSigner();
            publisher = BodyPublishers.ofBuffers(
                    AwsChunkedBody.encode(payload.buffers(), SIGNED_FRAME_SIZE, chain.restart()::next), wireLength);
        } else if (payload.length() == 0) {
            publisher = HttpRequest.BodyPublishers.noBody();
        } else {
            publisher = BodyPublishers.ofBuffers(payload.buffers(), payload.length());
        }
        HttpRequest.Builder builder = HttpRequest.newBuilder(endpoint.uri(request.wirePath(), request.query()))
                .method(request.method(), BodyPublishers.reportingProgress(publisher, progress, bodyHandedOver));
        Stream.concat(headers.stream(), signed.headersToAdd().stream())
                .forEach(header -> builder.header(header.getKey(), header.getValue()));
        return builder.build();
    }

    /** Tells the observer how the request ended; an observer's failure never fails the request. */
    private void observe(S3Request request, Trace trace, Instant started, long startNanos, RuntimeException failure,
                         Cancellation cancellation) {
        try {
            HttpHeaders answer = trace.headers;
            boolean ok = failure == null;
            long received = ok && request.method().equals("GET") && answer != null && trace.status / 100 == 2
                    ? answer.firstValueAsLong("Content-Length").orElse(0) : 0;
            Optional<String> range = request.headers().stream().filter(h -> h.getKey().equalsIgnoreCase("range"))
                    .map(Map.Entry::getValue).findFirst();
            observer.ended(new RequestRecord(started, request.operation(),
                    request.method(), endpoint.bucket(), request.key(), range, trace.status,
                    ok ? Optional.empty() : Optional.of(errorOf(failure, trace.status, cancellation)),
                    request.payload().length(), received, Duration.ofNanos(System.nanoTime() - startNanos),
                    trace.attempts, answer == null ? Optional.empty() : answer.firstValue("x-amz-request-id"),
                    answer == null ? Optional.empty() : answer.firstValue("x-amz-id-2"),
                    Optional.ofNullable(trace.accessKeyId)));
        } catch (RuntimeException e) {
            connection.log().debug("observing a request failed: " + e);
        }
    }

    /** A short name for why a request failed, for the audit trail; the plugin log has the message. */
    private static String errorOf(RuntimeException failure, int status, Cancellation cancellation) {
        if (failure instanceof S3Exception s3) {
            if (s3.code().isPresent()) {
                return s3.code().get();
            }
            if (cancellation.isCancelled()) {
                return "Cancelled";
            }
            if (s3.getCause() instanceof InterruptedException) {
                return "Interrupted";
            }
            int answered = s3.status() != 0 ? s3.status() : status;
            return answered != 0 && answered / 100 != 2 ? "HTTP " + answered : "Transport";
        }
        if (failure instanceof CredentialsException) {
            return "Credentials";
        }
        return failure.getClass().getSimpleName();
    }

    /**
     * What the attempts of one request have learnt so far, for its {@link RequestRecord}: each
     * attempt starts it afresh, so a transport failure after a 503 reports no answer.
     */
    private static final class Trace {
        int attempts;
        int status;
        HttpHeaders headers;
        String accessKeyId;

        void attempt(int attempt) {
            attempts = attempt;
            status = 0;
            headers = null;
        }

        void answered(HttpResponse<?> response) {
            status = response.statusCode();
            headers = response.headers();
        }
    }

    private S3Exception cancelled(S3Request request) {
        return new S3Exception(request.action() + " s3://" + endpoint.bucket() + "/" + request.key()
                + " was cancelled", 0, null);
    }

    private S3Exception interrupted(S3Request request, InterruptedException e) {
        return new S3Exception(request.action() + " s3://" + endpoint.bucket() + "/" + request.key()
                + " was interrupted", e);
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // Closing only ends the exchange early; its failure changes nothing.
        }
    }

    private String accessKeyIdForMessages() {
        try {
            return signing.credentials().credentials().accessKeyId();
        } catch (RuntimeException e) {
            return "?";
        }
    }

    private void sleep(Duration delay, S3Request request) {
        try {
            Thread.sleep(delay.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw interrupted(request, e);
        }
    }
}
