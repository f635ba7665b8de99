package gpbackup.s3plugin.s3;

import gpbackup.s3plugin.auth.AwsChunkedEncoding;
import gpbackup.s3plugin.auth.Credentials;
import gpbackup.s3plugin.auth.CredentialsProvider;
import gpbackup.s3plugin.auth.SigV4Encoding;
import gpbackup.s3plugin.auth.SigV4Signer;
import gpbackup.s3plugin.auth.SignableRequest;
import gpbackup.s3plugin.auth.SignedRequest;
import gpbackup.s3plugin.log.PluginLog;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.ScheduledExecutorService;

/**
 * One method per S3 operation the plugin needs, each a signed HTTP/1.1 request with retries.
 * Knows nothing of gpbackup: keys come in whole.
 */
public final class S3Client implements AutoCloseable {
    /** Bodies above this are sent chunk-signed; see {@link AwsChunkedBody} for why. */
    public static final long DEFAULT_CHUNKED_THRESHOLD = 64L * 1024 * 1024;
    private static final int SIGNED_CHUNK_SIZE = 64 * 1024;
    private static final int MAX_ERROR_BODY = 64 * 1024;
    /** A request that makes no progress (sends, receives nothing) for this long is taken for a dead connection. */
    public static final Duration DEFAULT_IDLE_LIMIT = Duration.ofMinutes(2);

    private final HttpClient http;
    private final S3Endpoint endpoint;
    private final SigV4Signer signer;
    private final CredentialsProvider credentials;
    private final Clock clock;
    private final RetryPolicy retry;
    private final PluginLog log;
    private final long chunkedThreshold;
    private final S3Errors errors;
    private final Duration idleLimit;
    private final ScheduledExecutorService watchdogs;

    public S3Client(HttpClient http, S3Endpoint endpoint, SigV4Signer signer, CredentialsProvider credentials,
                    Clock clock, RetryPolicy retry, PluginLog log, long chunkedThreshold) {
        this(http, endpoint, signer, credentials, clock, retry, log, chunkedThreshold, DEFAULT_IDLE_LIMIT);
    }

    /** @param idleLimit how long a request may make no progress (nothing sent, nothing received) before it is given up and retried */
    public S3Client(HttpClient http, S3Endpoint endpoint, SigV4Signer signer, CredentialsProvider credentials,
                    Clock clock, RetryPolicy retry, PluginLog log, long chunkedThreshold, Duration idleLimit) {
        this.http = http;
        this.endpoint = endpoint;
        this.signer = signer;
        this.credentials = credentials;
        this.clock = clock;
        this.retry = retry;
        this.log = log;
        this.chunkedThreshold = chunkedThreshold;
        this.errors = new S3Errors(endpoint);
        this.idleLimit = idleLimit;
        this.watchdogs = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "idle-watchdog");
            thread.setDaemon(true);
            return thread;
        });
    }

    public S3Endpoint endpoint() {
        return endpoint;
    }

    /**
     * Stops the HTTP client's threads where the JDK can (Java 21 made {@link HttpClient}
     * closeable; the check compiles on 17 without reflection). Its selector thread sits in
     * native code, and HotSpot's exit waits up to 300 ms for such threads.
     */
    @Override
    public void close() {
        watchdogs.shutdownNow();
        if (http instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                log.debug("closing the HTTP client: " + e);
            }
        }
    }

    /** PutObject: the whole object in one request. */
    public void putObject(String key, Payload body) {
        putObject(key, body, new Cancellation());
    }

    /** PutObject, stopped when {@code cancellation} is thrown. */
    public void putObject(String key, Payload body, Cancellation cancellation) {
        execute(objectRequest("upload", "PUT", key, "", List.of(), body), (response, in) -> null, cancellation);
    }

    /** CreateMultipartUpload; returns the upload id. */
    public String createMultipartUpload(String key) {
        return execute(objectRequest("start multipart upload of", "POST", key, "uploads=", List.of(), Payload.empty()),
                (response, in) -> parseOk(in).childText("UploadId")
                        .orElseThrow(() -> new IOException("CreateMultipartUpload answer has no UploadId")));
    }

    /** UploadPart; returns the part's ETag. */
    public String uploadPart(String key, String uploadId, int partNumber, Payload body) {
        return uploadPart(key, uploadId, partNumber, body, new Cancellation());
    }

    /** UploadPart, stopped when {@code cancellation} is thrown; returns the part's ETag. */
    public String uploadPart(String key, String uploadId, int partNumber, Payload body, Cancellation cancellation) {
        String query = "partNumber=" + partNumber + "&uploadId=" + SigV4Encoding.encode(uploadId);
        return execute(objectRequest("upload part " + partNumber + " of", "PUT", key, query, List.of(), body),
                (response, in) -> response.headers().firstValue("ETag")
                        .orElseThrow(() -> new IOException("UploadPart answer has no ETag")), cancellation);
    }

    /** CompleteMultipartUpload with the parts' ETags in part-number order. */
    public void completeMultipartUpload(String key, String uploadId, List<String> partEtags) {
        StringBuilder xml = new StringBuilder("<CompleteMultipartUpload>");
        for (int i = 0; i < partEtags.size(); i++) {
            xml.append("<Part><PartNumber>").append(i + 1).append("</PartNumber><ETag>")
                    .append(escapeXml(partEtags.get(i))).append("</ETag></Part>");
        }
        xml.append("</CompleteMultipartUpload>");
        String query = "uploadId=" + SigV4Encoding.encode(uploadId);
        Payload body = Payload.of(xml.toString().getBytes(StandardCharsets.UTF_8));
        // S3 may answer 200 and still report an error in the body; parseOk turns that into a failure.
        execute(objectRequest("complete multipart upload of", "POST", key, query, List.of(), body),
                (response, in) -> parseOk(in));
    }

    /** AbortMultipartUpload, so no parts of a failed upload stay stored (and billed). */
    public void abortMultipartUpload(String key, String uploadId) {
        String query = "uploadId=" + SigV4Encoding.encode(uploadId);
        execute(objectRequest("abort multipart upload of", "DELETE", key, query, List.of(), Payload.empty()),
                (response, in) -> null);
    }

    /**
     * HeadObject: size and ETag. A missing object is an {@link S3Exception} with status 404; a
     * HEAD answer has no body to tell a missing bucket from a missing key, so a 404 is followed
     * by a one-key listing, which names the bucket when that is what is missing.
     */
    public ObjectInfo headObject(String key) {
        try {
            return execute(objectRequest("read", "HEAD", key, "", List.of(), Payload.empty()), (response, in) -> {
                long size = response.headers().firstValueAsLong("Content-Length")
                        .orElseThrow(() -> new IOException("HEAD answer has no Content-Length"));
                return new ObjectInfo(size, response.headers().firstValue("ETag").orElse(""));
            });
        } catch (S3Exception missing) {
            if (missing.isNotFound()) {
                try {
                    listPage(key, Optional.empty(), 1);
                } catch (S3Exception listing) {
                    // Only a missing bucket explains the 404 better; a policy without ListBucket or a
                    // failing listing must not hide that the object is missing.
                    if (listing.code().filter("NoSuchBucket"::equals).isPresent()) {
                        throw listing;
                    }
                }
            }
            throw missing;
        }
    }

    /**
     * GetObject of bytes {@code [start, endExclusive)}. With {@code ifMatch} the read fails rather
     * than mixing bytes of two versions when the object is replaced mid-restore.
     */
    public void getRange(String key, long start, long endExclusive, Optional<String> ifMatch, RangeReader reader) {
        getRange(key, start, endExclusive, ifMatch, reader, new Cancellation());
    }

    /** GetObject of a byte range, stopped when {@code cancellation} is thrown. */
    public void getRange(String key, long start, long endExclusive, Optional<String> ifMatch, RangeReader reader,
                         Cancellation cancellation) {
        List<Map.Entry<String, String>> headers = new ArrayList<>();
        headers.add(Map.entry("range", "bytes=" + start + "-" + (endExclusive - 1)));
        ifMatch.filter(etag -> !etag.isEmpty()).ifPresent(etag -> headers.add(Map.entry("if-match", etag)));
        long expected = endExclusive - start;
        execute(objectRequest("download", "GET", key, "", headers, Payload.empty()), (response, in) -> {
            long length = response.headers().firstValueAsLong("Content-Length").orElse(-1);
            if (response.statusCode() != 206 && !(start == 0 && length == expected)) {
                throw new IOException("server ignored the byte range (HTTP " + response.statusCode() + ")");
            }
            if (length != expected) {
                throw new IOException("expected " + expected + " bytes, server announced " + length);
            }
            reader.read(in, length);
            return null;
        }, cancellation);
    }

    /**
     * GetObject of the first {@code length} bytes, or of the whole object when it is shorter, for
     * a reader that does not know the size yet: the answer's Content-Range tells it, and its ETag
     * pins the version for the ranges that follow. So a small object costs one request, not a
     * HEAD and a GET. A missing object is an {@link S3Exception} with status 404; an empty one
     * has no byte to give and answers 416 (InvalidRange).
     */
    public ObjectInfo getFirstBytes(String key, long length, RangeReader reader, Cancellation cancellation) {
        List<Map.Entry<String, String>> headers = List.of(Map.entry("range", "bytes=0-" + (length - 1)));
        return execute(objectRequest("download", "GET", key, "", headers, Payload.empty()), (response, in) -> {
            long announced = response.headers().firstValueAsLong("Content-Length").orElse(-1);
            long size = response.statusCode() == 206
                    ? totalOf(response.headers().firstValue("Content-Range").orElse(""))
                    : announced;
            if (size < 0 || announced != Math.min(length, size)) {
                throw new IOException("answer to a first range of " + length + " bytes announced " + announced
                        + " bytes of an object of " + size);
            }
            reader.read(in, announced);
            return new ObjectInfo(size, response.headers().firstValue("ETag").orElse(""));
        }, cancellation);
    }

    /** The object size from {@code bytes 0-N/SIZE}; -1 when the header is not of that form. */
    static long totalOf(String contentRange) {
        java.util.regex.Matcher range = java.util.regex.Pattern.compile("bytes 0-[0-9]+/([0-9]{1,18})")
                .matcher(contentRange.strip());
        return range.matches() ? Long.parseLong(range.group(1)) : -1;
    }

    /** One page of ListObjectsV2 under {@code prefix}. */
    public ListPage listPage(String prefix, Optional<String> continuationToken, int maxKeys) {
        List<Map.Entry<String, String>> parameters = new ArrayList<>(List.of(Map.entry("list-type", "2"),
                Map.entry("max-keys", Integer.toString(maxKeys)), Map.entry("prefix", prefix)));
        continuationToken.ifPresent(t -> parameters.add(Map.entry("continuation-token", t)));
        // Sent in canonical order, as signed: some S3-compatible servers sign the query as received.
        String query = SigV4Encoding.encodeQuery(parameters);
        S3Request request = new S3Request("list", "GET", prefix, endpoint.bucketPath(), query,
                List.of(), Payload.empty());
        return execute(request, (response, in) -> {
            XmlElement result = parseOk(in);
            List<ObjectSummary> objects = new ArrayList<>();
            for (XmlElement contents : result.all("Contents")) {
                String key = contents.childText("Key").orElseThrow(() -> new IOException("listing entry without Key"));
                objects.add(new ObjectSummary(key, size(contents.childText("Size").orElse("0"))));
            }
            boolean truncated = result.childText("IsTruncated").map(t -> Boolean.parseBoolean(t.strip())).orElse(false);
            Optional<String> next = truncated ? result.childText("NextContinuationToken") : Optional.empty();
            if (truncated && next.isEmpty()) {
                throw new IOException("truncated listing without a continuation token");
            }
            return new ListPage(List.copyOf(objects), next);
        });
    }

    /** Every object under {@code prefix}, following continuation tokens to the end. */
    public List<ObjectSummary> listAll(String prefix) {
        List<ObjectSummary> all = new ArrayList<>();
        Optional<String> token = Optional.empty();
        do {
            ListPage page = listPage(prefix, token, 1000);
            all.addAll(page.objects());
            token = page.nextToken();
        } while (token.isPresent());
        return all;
    }

    /** DeleteObjects for up to 1,000 keys; fails if S3 reports any key it could not delete. */
    public void deleteObjects(List<String> keys) {
        if (keys.isEmpty()) {
            return;
        }
        if (keys.size() > 1000) {
            throw new IllegalArgumentException("DeleteObjects takes at most 1000 keys");
        }
        StringBuilder xml = new StringBuilder("<Delete><Quiet>true</Quiet>");
        for (String key : keys) {
            xml.append("<Object><Key>").append(escapeXml(key)).append("</Key></Object>");
        }
        xml.append("</Delete>");
        byte[] body = xml.toString().getBytes(StandardCharsets.UTF_8);
        // S3 insists on an integrity header for batch deletes.
        List<Map.Entry<String, String>> headers = List.of(Map.entry("content-md5", md5Base64(body)));
        S3Request request = new S3Request("delete objects in", "POST", "", endpoint.bucketPath(), "delete=",
                headers, Payload.of(body));
        execute(request, (response, in) -> {
            XmlElement result = parseOk(in);
            List<XmlElement> failed = result.all("Error");
            if (!failed.isEmpty()) {
                XmlElement first = failed.get(0);
                throw new S3Exception("could not delete " + failed.size() + " object(s), first s3://"
                        + endpoint.bucket() + "/" + first.childText("Key").orElse("?") + ": "
                        + first.childText("Code").orElse("") + " " + first.childText("Message").orElse(""),
                        response.statusCode(), first.childText("Code").orElse(null));
            }
            return null;
        });
    }

    /** DeleteObject for a single key; deleting a missing key succeeds, as in S3. */
    public void deleteObject(String key) {
        execute(objectRequest("delete", "DELETE", key, "", List.of(), Payload.empty()), (response, in) -> null);
    }

    // ---------------------------------------------------------------------------------------

    @FunctionalInterface
    private interface ResponseHandler<T> {
        T handle(HttpResponse<InputStream> response, InputStream body) throws IOException;
    }

    private S3Request objectRequest(String action, String method, String key, String query,
                                    List<Map.Entry<String, String>> headers, Payload payload) {
        return new S3Request(action, method, key, endpoint.path(key), query, headers, payload);
    }

    private <T> T execute(S3Request request, ResponseHandler<T> handler) {
        return execute(request, handler, new Cancellation());
    }

    /**
     * Sends the request, retrying transport failures and retryable answers; signs every attempt
     * anew. Once {@code cancellation} is thrown no attempt starts, the one under way is torn
     * down, and the call fails at once without retrying.
     */
    private <T> T execute(S3Request request, ResponseHandler<T> handler, Cancellation cancellation) {
        for (int attempt = 0; ; attempt++) {
            S3Exception failure;
            try (IdleWatchdog watchdog = new IdleWatchdog(idleLimit, watchdogs)) {
                try {
                    HttpResponse<InputStream> response = send(request, watchdog, cancellation);
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
                        failure = errors.fromResponse(request, status, readLimited(body),
                                bucketRegion(response.headers()), accessKeyIdForMessages());
                    } finally {
                        cancellation.forget(closeBody);
                    }
                    if (!RetryPolicy.isRetryable(failure.status(), failure.code().orElse(null))) {
                        throw failure;
                    }
                } catch (S3Exception e) {
                    if (cancellation.isCancelled() || !RetryPolicy.isRetryable(e.status(), e.code().orElse(null))) {
                        throw e;
                    }
                    failure = e;
                } catch (IOException | UncheckedIOException e) {
                    if (cancellation.isCancelled()) {
                        throw cancelled(request);
                    }
                    failure = watchdog.fired()
                            ? errors.stalled(request, idleLimit)
                            : errors.fromTransport(request, e instanceof UncheckedIOException u ? u.getCause() : e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new S3Exception(request.action() + " s3://" + endpoint.bucket() + "/" + request.key()
                            + " was interrupted", e);
                }
            }
            if (cancellation.isCancelled()) {
                throw cancelled(request);
            }
            if (!retry.allowsRetry(attempt)) {
                throw failure;
            }
            Duration delay = retry.delayAfter(attempt);
            log.debug("attempt " + (attempt + 1) + " failed, retrying in " + delay.toMillis() + " ms: "
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
    private HttpResponse<InputStream> send(S3Request request, IdleWatchdog watchdog, Cancellation cancellation)
            throws IOException, InterruptedException {
        AtomicBoolean bodyHandedOver = new AtomicBoolean(request.payload().length() == 0);
        HttpRequest httpRequest = build(request, watchdog::progress, () -> bodyHandedOver.set(true));
        List<CompletableFuture<HttpResponse<InputStream>>> exchange = new ArrayList<>(1);
        Runnable stop = () -> {
            if (!bodyHandedOver.get()) {
                exchange.get(0).cancel(true);
            }
        };
        if (!cancellation.startUnlessCancelled(
                () -> exchange.add(http.sendAsync(httpRequest, HttpResponse.BodyHandlers.ofInputStream())), stop)) {
            throw cancelled(request);
        }
        CompletableFuture<HttpResponse<InputStream>> pending = exchange.get(0);
        watchdog.sending(pending);
        try {
            HttpResponse<InputStream> response = pending.get();
            watchdog.progress();
            return response;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
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
        } catch (CancellationException e) {
            throw new IOException("request cancelled", e);
        } catch (InterruptedException e) {
            pending.cancel(true);
            throw e;
        } finally {
            cancellation.forget(stop);
        }
    }

    private S3Exception cancelled(S3Request request) {
        return new S3Exception(request.action() + " s3://" + endpoint.bucket() + "/" + request.key()
                + " was cancelled", 0, null);
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // Closing only ends the exchange early; its failure changes nothing.
        }
    }

    private HttpRequest build(S3Request request, Runnable progress, Runnable bodyHandedOver) {
        Credentials creds = credentials.credentials();
        Payload payload = request.payload();
        boolean chunked = payload.length() > chunkedThreshold;
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
        SignedRequest signed = signer.sign(signable, creds, clock.instant());

        HttpRequest.BodyPublisher publisher;
        if (chunked) {
            long wireLength = AwsChunkedEncoding.encodedLength(payload.length(), SIGNED_CHUNK_SIZE);
            var chain = signed.chunkSigner();
            publisher = BodyPublishers.ofBuffers(
                    AwsChunkedBody.encode(payload.buffers(), SIGNED_CHUNK_SIZE, chain.restart()::next), wireLength);
        } else if (payload.length() == 0) {
            publisher = HttpRequest.BodyPublishers.noBody();
        } else {
            publisher = BodyPublishers.ofBuffers(payload.buffers(), payload.length());
        }
        HttpRequest.Builder builder = HttpRequest.newBuilder(endpoint.uri(request.wirePath(), request.query()))
                .method(request.method(), BodyPublishers.reportingProgress(publisher, progress, bodyHandedOver));
        for (Map.Entry<String, String> header : headers) {
            builder.header(header.getKey(), header.getValue());
        }
        for (Map.Entry<String, String> header : signed.headersToAdd()) {
            builder.header(header.getKey(), header.getValue());
        }
        return builder.build();
    }

    private String accessKeyIdForMessages() {
        try {
            return credentials.credentials().accessKeyId();
        } catch (RuntimeException e) {
            return "?";
        }
    }

    private static Optional<String> bucketRegion(HttpHeaders headers) {
        return headers.firstValue("x-amz-bucket-region");
    }

    private void sleep(Duration delay, S3Request request) {
        try {
            Thread.sleep(delay.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new S3Exception(request.action() + " s3://" + endpoint.bucket() + "/" + request.key()
                    + " was interrupted", e);
        }
    }

    private static XmlElement parseOk(InputStream in) throws IOException {
        String xml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        XmlElement root;
        try {
            root = XmlElement.parse(xml);
        } catch (IllegalArgumentException e) {
            throw new IOException("unreadable answer: " + e.getMessage(), e);
        }
        if (root.name().equals("Error")) {
            String code = root.childText("Code").orElse("InternalError");
            throw new S3Exception("S3 reported " + code + ": " + root.childText("Message").orElse(""), 200, code);
        }
        return root;
    }

    /** A listing's Size; a bad one fails the request like any unreadable answer, not as a NumberFormatException. */
    private static long size(String text) throws IOException {
        try {
            return Long.parseLong(text.strip());
        } catch (NumberFormatException e) {
            throw new IOException("listing entry has an unreadable Size '" + text.strip() + "'", e);
        }
    }

    private static String readLimited(InputStream in) throws IOException {
        return new String(in.readNBytes(MAX_ERROR_BODY), StandardCharsets.UTF_8);
    }

    private static String md5Base64(byte[] body) {
        try {
            return Base64.getEncoder().encodeToString(MessageDigest.getInstance("MD5").digest(body));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no MD5", e);
        }
    }

    private static String escapeXml(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                .replace("\"", "&quot;").replace("'", "&apos;");
    }
}
