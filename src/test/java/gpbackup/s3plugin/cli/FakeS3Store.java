package gpbackup.s3plugin.cli;

import gpbackup.s3plugin.command.plugin.StoredObject;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A small stateful S3 for whole-command tests: one bucket, objects kept in memory, every request
 * recorded. Plain HTTP/1.1 on a loopback socket, each answer sent in one write with TCP_NODELAY (the
 * JDK's HttpServer writes head and body apart, and Nagle with delayed ACKs stalls each answer 40 ms). It keeps what AWS keeps of a write's storage headers (encryption, KMS key, SSE-C key
 * MD5, storage class, Object Lock) and reports them on HEAD and GET as AWS does, answers ranges,
 * and refuses what AWS refuses (a read of an SSE-C object without its key, a locked upload without
 * Content-MD5, a creation header on a read). Signatures are not checked. {@link #ignore} makes it a
 * store that accepts one option's headers with 200 and does not apply them.
 */
final class FakeS3Store implements AutoCloseable {
    static final String BUCKET = "bucket";
    static final String KMS_ARN_PREFIX = "arn:aws:kms:us-east-1:111122223333:key/";
    /** The key AWS uses for aws:kms when none is named (the account's aws/s3 key). */
    static final String DEFAULT_KMS_KEY = KMS_ARN_PREFIX + "0a1b2c3d-aaaa-bbbb-cccc-00000000a053";

    /** What the store may accept and not apply. */
    enum Ignore { NOTHING, ENCRYPTION, STORAGE_CLASS, LOCK_ON_MULTIPART }

    /** One request as it arrived; header names in lower case. */
    record Recorded(String op, String method, String key, String query, Map<String, List<String>> headers,
                    int bodyLength) {
        Optional<String> header(String name) {
            List<String> values = headers.get(name);
            return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
        }

        boolean has(String name) {
            return headers.containsKey(name);
        }
    }

    /** How an object is kept, as a write asked and the store applied. */
    record Keeping(Optional<String> sse, Optional<String> kmsKeyArn, Optional<String> kmsContext,
                   Optional<String> bucketKey, Optional<String> customerKeyMd5, String storageClass,
                   Optional<String> lockMode, Optional<Instant> retainUntil) {
        Keeping withLock(String mode, Instant until) {
            return new Keeping(sse, kmsKeyArn, kmsContext, bucketKey, customerKeyMd5, storageClass,
                    Optional.of(mode), Optional.of(until));
        }
    }

    /** An object as stored. */
    record StoredObject(byte[] bytes, String etag, String versionId, Keeping keeping, Map<String, String> metadata,
                        List<Integer> partSizes) {
    }

    private record Upload(String key, Keeping keeping, Map<String, String> metadata, Map<Integer, Part> parts) {
    }

    private record Part(byte[] bytes, byte[] md5) {
    }

    private record Answer(int status, Map<String, String> headers, byte[] body) {
        static Answer of(int status, byte[] body) {
            return new Answer(status, new LinkedHashMap<>(), body);
        }

        static Answer xml(String xml) {
            Answer answer = of(200, xml.getBytes(StandardCharsets.UTF_8));
            answer.headers.put("Content-Type", "application/xml");
            return answer;
        }

        static Answer error(int status, String code, String message) {
            return xml("<Error><Code>" + code + "</Code><Message>" + message + "</Message></Error>").status(status);
        }

        Answer status(int code) {
            return new Answer(code, headers, body);
        }

        Answer with(String name, String value) {
            headers.put(name, value);
            return this;
        }
    }

    private static final Pattern PART = Pattern.compile("<PartNumber>(\\d+)</PartNumber>\\s*<ETag>([^<]*)</ETag>");
    private static final Pattern KEY = Pattern.compile("<Key>([^<]*)</Key>");

    private final ServerSocket listener;
    private final ExecutorService threads = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "fake-s3");
        thread.setDaemon(true);
        return thread;
    });
    private final Map<String, StoredObject> objects = new ConcurrentHashMap<>();
    private final Map<String, Upload> uploads = new ConcurrentHashMap<>();
    private final List<Recorded> requests = new ArrayList<>();
    private final AtomicLong ids = new AtomicLong();
    private volatile Ignore ignore = Ignore.NOTHING;
    /** Keys a DeleteObject or DeleteObjects may still delete; after that each key fails (a fault part way). */
    private final AtomicLong deletionsLeft = new AtomicLong(Long.MAX_VALUE);

    FakeS3Store() throws IOException {
        listener = new ServerSocket(0, 64, InetAddress.getLoopbackAddress());
        threads.execute(this::accept);
    }

    int port() {
        return listener.getLocalPort();
    }

    /** Forgets every object, upload and request, and applies every option again. */
    synchronized void reset() {
        objects.clear();
        uploads.clear();
        requests.clear();
        ignore = Ignore.NOTHING;
        deletionsLeft.set(Long.MAX_VALUE);
    }

    /** Deletes the next {@code n} keys asked for, then fails every further key with InternalError. */
    void failDeletionsAfter(long n) {
        deletionsLeft.set(n);
    }

    /** Stores an object as a plain PutObject would, without a request. */
    void put(String key, byte[] bytes) {
        objects.put(key, new StoredObject(bytes, "\"" + hex(md5(bytes)) + "\"", nextVersion(),
                new Keeping(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                        "STANDARD", Optional.empty(), Optional.empty()), Map.of(), List.of(bytes.length)));
    }

    void ignore(Ignore what) {
        ignore = what;
    }

    /** The requests so far, in arrival order. */
    synchronized List<Recorded> requests() {
        return List.copyOf(requests);
    }

    Optional<StoredObject> object(String key) {
        return Optional.ofNullable(objects.get(key));
    }

    /** Every stored key, sorted. */
    List<String> keys() {
        return new ArrayList<>(new TreeMap<>(objects).keySet());
    }

    @Override
    public void close() {
        try {
            listener.close();
        } catch (IOException e) {
            // Closing is all that is left to do.
        }
        threads.shutdownNow();
    }

    // ---------------------------------------------------------------------------------------

    /** Serves one connection: HTTP/1.1 requests one after another, each answer in one write. */
    private void serve(Socket socket) {
        try (socket; InputStream in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
             OutputStream out = socket.getOutputStream()) {
            socket.setTcpNoDelay(true);
            while (true) {
                String requestLine = line(in);
                if (requestLine == null || requestLine.isEmpty()) {
                    return;
                }
                String[] words = requestLine.split(" ");
                Map<String, List<String>> headers = new TreeMap<>();
                for (String header = line(in); header != null && !header.isEmpty(); header = line(in)) {
                    int colon = header.indexOf(':');
                    headers.computeIfAbsent(header.substring(0, colon).strip().toLowerCase(Locale.ROOT),
                            name -> new ArrayList<>()).add(header.substring(colon + 1).strip());
                }
                byte[] body = new byte[Integer.parseInt(Optional.ofNullable(headers.get("content-length"))
                        .map(values -> values.get(0)).orElse("0"))];
                if (in.readNBytes(body, 0, body.length) < body.length) {
                    return;
                }
                URI target = URI.create(words[1]);
                Answer answer = handle(words[0], target.getPath(), Optional.ofNullable(target.getRawQuery()).orElse(""),
                        headers, body);
                out.write(head(words[0], answer));
                if (!words[0].equals("HEAD") && answer.status() != 204) {
                    out.write(answer.body());
                }
                out.flush();
                if (headers.getOrDefault("connection", List.of()).contains("close")) {
                    return;
                }
            }
        } catch (IOException e) {
            // The client went away: nothing to answer.
        }
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket socket = listener.accept();
                threads.execute(() -> serve(socket));
            } catch (IOException e) {
                return;
            }
        }
    }

    /** A line of the request head, without its CRLF; null at the end of the stream. */
    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
            }
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toString(StandardCharsets.ISO_8859_1);
    }

    private static byte[] head(String method, Answer answer) {
        StringBuilder head = new StringBuilder("HTTP/1.1 ").append(answer.status()).append(' ')
                .append(answer.status() < 300 ? "OK" : "Error").append("\r\n");
        Map<String, String> headers = new LinkedHashMap<>(answer.headers());
        headers.put("Date", DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC)));
        headers.put("x-amz-request-id", "FAKE" + Long.toHexString(System.nanoTime()));
        if (answer.status() != 204 && !(method.equals("HEAD") && headers.containsKey("Content-Length"))) {
            headers.put("Content-Length", String.valueOf(answer.body().length));
        }
        headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
        return head.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    private Answer handle(String method, String path, String rawQuery, Map<String, List<String>> headers, byte[] body) {
        Map<String, String> query = query(rawQuery);
        String bucketPath = "/" + BUCKET;
        String key = path.startsWith(bucketPath + "/") ? path.substring(bucketPath.length() + 1) : "";
        String op = operation(method, key, query);
        Recorded request = new Recorded(op, method, key, rawQuery, Map.copyOf(headers), body.length);
        synchronized (this) {
            requests.add(request);
        }
        if (!path.equals(bucketPath) && !path.startsWith(bucketPath + "/")) {
            return Answer.error(404, "NoSuchBucket", "The specified bucket does not exist");
        }
        return answer(op, request, query, body);
    }

    /** The S3 API operation a request is, named as the audit trail names it. */
    static String operation(String method, String key, Map<String, String> query) {
        if (key.isEmpty()) {
            if (method.equals("GET") && query.containsKey("list-type")) {
                return "ListObjectsV2";
            }
            if (method.equals("GET") && query.containsKey("object-lock")) {
                return "GetObjectLockConfiguration";
            }
            if (method.equals("POST") && query.containsKey("delete")) {
                return "DeleteObjects";
            }
            return "Unknown";
        }
        return switch (method) {
            case "PUT" -> query.containsKey("retention") ? "PutObjectRetention"
                    : query.containsKey("uploadId") ? "UploadPart" : "PutObject";
            case "POST" -> query.containsKey("uploads") ? "CreateMultipartUpload"
                    : query.containsKey("uploadId") ? "CompleteMultipartUpload" : "Unknown";
            case "DELETE" -> query.containsKey("uploadId") ? "AbortMultipartUpload" : "DeleteObject";
            case "HEAD" -> "HeadObject";
            case "GET" -> "GetObject";
            default -> "Unknown";
        };
    }

    private Answer answer(String op, Recorded request, Map<String, String> query, byte[] body) {
        return switch (op) {
            case "PutObject" -> putObject(request, body);
            case "CreateMultipartUpload" -> createUpload(request);
            case "UploadPart" -> uploadPart(request, query, body);
            case "CompleteMultipartUpload" -> complete(request, query, body);
            case "AbortMultipartUpload" -> uploads.remove(query.get("uploadId")) == null
                    ? Answer.error(404, "NoSuchUpload", "The specified upload does not exist")
                    : Answer.of(204, new byte[0]);
            case "HeadObject" -> read(request, query, false);
            case "GetObject" -> read(request, query, true);
            case "ListObjectsV2" -> list(query);
            case "DeleteObjects" -> deleteObjects(request, body);
            case "DeleteObject" -> deleteObject(request, query);
            case "GetObjectLockConfiguration" -> Answer.xml("<ObjectLockConfiguration><ObjectLockEnabled>Enabled"
                    + "</ObjectLockEnabled></ObjectLockConfiguration>");
            case "PutObjectRetention" -> putRetention(request, query, body);
            default -> Answer.error(501, "NotImplemented", "the fake store does not know this request");
        };
    }

    private Answer putObject(Recorded request, byte[] body) {
        byte[] md5 = md5(body);
        Optional<Answer> refused = refusedWrite(request, md5, true);
        if (refused.isPresent()) {
            return refused.get();
        }
        Keeping keeping = keeping(request, false);
        StoredObject stored = new StoredObject(body, "\"" + hex(md5) + "\"", nextVersion(), keeping,
                metadata(request), List.of(body.length));
        objects.put(request.key(), stored);
        return storageHeaders(Answer.of(200, new byte[0]).with("ETag", stored.etag()), stored);
    }

    private Answer createUpload(Recorded request) {
        Optional<Answer> refused = refusedWrite(request, md5(new byte[0]), false);
        if (refused.isPresent()) {
            return refused.get();
        }
        String id = "upload-" + ids.incrementAndGet();
        uploads.put(id, new Upload(request.key(), keeping(request, true), metadata(request), new ConcurrentHashMap<>()));
        return Answer.xml("<InitiateMultipartUploadResult><Bucket>" + BUCKET + "</Bucket><Key>" + escape(request.key())
                + "</Key><UploadId>" + id + "</UploadId></InitiateMultipartUploadResult>");
    }

    private Answer uploadPart(Recorded request, Map<String, String> query, byte[] body) {
        Upload upload = uploads.get(query.get("uploadId"));
        if (upload == null || !upload.key().equals(request.key())) {
            return Answer.error(404, "NoSuchUpload", "The specified upload does not exist");
        }
        Optional<Answer> wrongKey = wrongCustomerKey(request, upload.keeping().customerKeyMd5());
        if (wrongKey.isPresent()) {
            return wrongKey.get();
        }
        if (upload.keeping().lockMode().isPresent() && !request.has("content-md5")) {
            return Answer.error(400, "InvalidRequest", "Content-MD5 OR x-amz-checksum- HTTP header is required for"
                    + " Put Part requests with Object Lock parameters");
        }
        byte[] md5 = md5(body);
        Optional<Answer> badDigest = badDigest(request, md5);
        if (badDigest.isPresent()) {
            return badDigest.get();
        }
        upload.parts().put(Integer.parseInt(query.get("partNumber")), new Part(body, md5));
        return Answer.of(200, new byte[0]).with("ETag", "\"" + hex(md5) + "\"");
    }

    private Answer complete(Recorded request, Map<String, String> query, byte[] body) {
        Upload upload = uploads.get(query.get("uploadId"));
        if (upload == null || !upload.key().equals(request.key())) {
            return Answer.error(404, "NoSuchUpload", "The specified upload does not exist");
        }
        Matcher listed = PART.matcher(new String(body, StandardCharsets.UTF_8));
        ByteArrayOutputStream md5s = new ByteArrayOutputStream();
        List<Part> parts = new ArrayList<>();
        int expected = 1;
        while (listed.find()) {
            int number = Integer.parseInt(listed.group(1));
            Part part = upload.parts().get(number);
            if (number != expected++ || part == null
                    || !listed.group(2).replace("&quot;", "\"").equals("\"" + hex(part.md5()) + "\"")) {
                return Answer.error(400, "InvalidPart", "part " + number + " is not the one uploaded");
            }
            md5s.writeBytes(part.md5());
            parts.add(part);
        }
        byte[] whole = new byte[parts.stream().mapToInt(part -> part.bytes().length).sum()];
        List<Integer> sizes = new ArrayList<>();
        int at = 0;
        for (Part part : parts) {
            System.arraycopy(part.bytes(), 0, whole, at, part.bytes().length);
            at += part.bytes().length;
            sizes.add(part.bytes().length);
        }
        if (sizes.isEmpty()) {
            return Answer.error(400, "MalformedXML", "no parts listed");
        }
        uploads.remove(query.get("uploadId"));
        StoredObject stored = new StoredObject(whole, "\"" + hex(md5(md5s.toByteArray())) + "-"
                + sizes.size() + "\"", nextVersion(), upload.keeping(), upload.metadata(), List.copyOf(sizes));
        objects.put(upload.key(), stored);
        return storageHeaders(Answer.xml("<CompleteMultipartUploadResult><Bucket>" + BUCKET + "</Bucket><Key>"
                + escape(upload.key()) + "</Key><ETag>" + stored.etag().replace("\"", "&quot;")
                + "</ETag></CompleteMultipartUploadResult>"), stored);
    }

    /** HEAD (with or without partNumber) and GET (with or without Range, If-Match). */
    private Answer read(Recorded request, Map<String, String> query, boolean withBody) {
        for (String creation : List.of("x-amz-server-side-encryption", "x-amz-server-side-encryption-aws-kms-key-id",
                "x-amz-server-side-encryption-context", "x-amz-server-side-encryption-bucket-key-enabled",
                "x-amz-storage-class", "x-amz-object-lock-mode", "x-amz-object-lock-retain-until-date")) {
            if (request.has(creation)) {
                return Answer.error(400, "InvalidArgument", creation + " is not supported for this operation");
            }
        }
        StoredObject stored = objects.get(request.key());
        if (stored == null) {
            return withBody ? Answer.error(404, "NoSuchKey", "The specified key does not exist") : Answer.of(404, new byte[0]);
        }
        Optional<Answer> wrongKey = wrongCustomerKey(request, stored.keeping().customerKeyMd5());
        if (wrongKey.isPresent()) {
            return withBody ? wrongKey.get() : Answer.of(400, new byte[0]);
        }
        Optional<String> ifMatch = request.header("if-match");
        if (ifMatch.isPresent() && !ifMatch.get().equals(stored.etag())) {
            return withBody ? Answer.error(412, "PreconditionFailed", "At least one of the preconditions you specified"
                    + " did not hold") : Answer.of(412, new byte[0]);
        }
        Answer answer = storageHeaders(Answer.of(200, new byte[0]).with("ETag", stored.etag())
                .with("Accept-Ranges", "bytes"), stored);
        stored.metadata().forEach((name, value) -> answer.with("x-amz-meta-" + name, value));
        if (!withBody) {
            String partNumber = query.get("partNumber");
            if (partNumber != null) {
                int number = Integer.parseInt(partNumber);
                if (number < 1 || number > stored.partSizes().size()) {
                    return Answer.of(416, new byte[0]);
                }
                return answer.with("Content-Length", String.valueOf(stored.partSizes().get(number - 1)))
                        .with("x-amz-mp-parts-count", String.valueOf(stored.partSizes().size())).status(206);
            }
            return answer.with("Content-Length", String.valueOf(stored.bytes().length));
        }
        Optional<String> range = request.header("range");
        if (range.isEmpty()) {
            return new Answer(200, answer.headers(), stored.bytes());
        }
        Matcher bytes = Pattern.compile("bytes=(\\d+)-(\\d+)").matcher(range.get());
        long size = stored.bytes().length;
        if (!bytes.matches() || Long.parseLong(bytes.group(1)) >= size) {
            return Answer.error(416, "InvalidRange", "The requested range is not satisfiable");
        }
        int start = Integer.parseInt(bytes.group(1));
        int end = (int) Math.min(Long.parseLong(bytes.group(2)), size - 1);
        byte[] slice = Arrays.copyOfRange(stored.bytes(), start, end + 1);
        return new Answer(206, answer.headers(), slice).with("Content-Range", "bytes " + start + "-" + end + "/" + size);
    }

    private Answer list(Map<String, String> query) {
        String prefix = query.getOrDefault("prefix", "");
        int maxKeys = Integer.parseInt(query.getOrDefault("max-keys", "1000"));
        String after = query.getOrDefault("continuation-token", "");
        List<Map.Entry<String, StoredObject>> matching = new TreeMap<>(objects).entrySet().stream()
                .filter(e -> e.getKey().startsWith(prefix) && e.getKey().compareTo(after) > 0).toList();
        List<Map.Entry<String, StoredObject>> page = matching.subList(0, Math.min(maxKeys, matching.size()));
        boolean truncated = matching.size() > page.size();
        StringBuilder xml = new StringBuilder("<ListBucketResult><Name>" + BUCKET + "</Name><Prefix>" + escape(prefix)
                + "</Prefix><KeyCount>" + page.size() + "</KeyCount><MaxKeys>" + maxKeys + "</MaxKeys><IsTruncated>"
                + truncated + "</IsTruncated>");
        for (Map.Entry<String, StoredObject> entry : page) {
            xml.append("<Contents><Key>").append(escape(entry.getKey())).append("</Key><Size>")
                    .append(entry.getValue().bytes().length).append("</Size><ETag>")
                    .append(entry.getValue().etag().replace("\"", "&quot;")).append("</ETag><StorageClass>")
                    .append(entry.getValue().keeping().storageClass()).append("</StorageClass></Contents>");
        }
        if (truncated) {
            xml.append("<NextContinuationToken>").append(escape(page.get(page.size() - 1).getKey()))
                    .append("</NextContinuationToken>");
        }
        return Answer.xml(xml.append("</ListBucketResult>").toString());
    }

    private Answer deleteObjects(Recorded request, byte[] body) {
        if (!request.has("content-md5")) {
            return Answer.error(400, "InvalidRequest", "Missing required header for this request: Content-MD5");
        }
        Optional<Answer> badDigest = badDigest(request, md5(body));
        if (badDigest.isPresent()) {
            return badDigest.get();
        }
        // A delete without a version id in a versioned bucket puts a marker over the object: gone from view.
        Matcher keys = KEY.matcher(new String(body, StandardCharsets.UTF_8));
        StringBuilder errors = new StringBuilder();
        while (keys.find()) {
            if (deletionsLeft.getAndDecrement() > 0) {
                objects.remove(unescape(keys.group(1)));
            } else {
                errors.append("<Error><Key>").append(keys.group(1))
                        .append("</Key><Code>InternalError</Code><Message>injected fault</Message></Error>");
            }
        }
        return Answer.xml("<DeleteResult>" + errors + "</DeleteResult>");
    }

    private Answer deleteObject(Recorded request, Map<String, String> query) {
        StoredObject stored = objects.get(request.key());
        String version = query.get("versionId");
        if (stored != null && version != null) {
            if (!version.equals(stored.versionId())) {
                return Answer.of(204, new byte[0]);
            }
            if (stored.keeping().retainUntil().filter(Instant.now()::isBefore).isPresent()) {
                return Answer.error(403, "AccessDenied", "Access Denied because object protected by object lock.");
            }
        }
        if (deletionsLeft.getAndDecrement() <= 0) {
            return Answer.error(403, "AccessDenied", "injected fault");
        }
        objects.remove(request.key());
        return Answer.of(204, new byte[0]);
    }

    private Answer putRetention(Recorded request, Map<String, String> query, byte[] body) {
        if (!request.has("content-md5")) {
            return Answer.error(400, "InvalidRequest", "Content-MD5 OR x-amz-checksum- HTTP header is required");
        }
        Optional<Answer> badDigest = badDigest(request, md5(body));
        if (badDigest.isPresent()) {
            return badDigest.get();
        }
        StoredObject stored = objects.get(request.key());
        if (stored == null || (query.containsKey("versionId") && !query.get("versionId").equals(stored.versionId()))) {
            return Answer.error(404, "NoSuchKey", "The specified key does not exist");
        }
        String xml = new String(body, StandardCharsets.UTF_8);
        Matcher mode = Pattern.compile("<Mode>([A-Z]+)</Mode>").matcher(xml);
        Matcher until = Pattern.compile("<RetainUntilDate>([^<]+)</RetainUntilDate>").matcher(xml);
        if (!mode.find() || !until.find()) {
            return Answer.error(400, "MalformedXML", "no Mode or RetainUntilDate");
        }
        objects.put(request.key(), new StoredObject(stored.bytes(), stored.etag(), stored.versionId(),
                stored.keeping().withLock(mode.group(1), Instant.parse(until.group(1))), stored.metadata(),
                stored.partSizes()));
        return Answer.of(200, new byte[0]);
    }

    // ---------------------------------------------------------------------------------------

    /** What AWS refuses of a PutObject or CreateMultipartUpload. */
    private Optional<Answer> refusedWrite(Recorded request, byte[] bodyMd5, boolean whole) {
        boolean customer = request.has("x-amz-server-side-encryption-customer-algorithm");
        if (customer && request.has("x-amz-server-side-encryption")) {
            return Optional.of(Answer.error(400, "InvalidArgument", "Server Side Encryption with Customer provided key"
                    + " is incompatible with the encryption method specified"));
        }
        if (customer) {
            Optional<Answer> wrong = wrongCustomerKey(request, request.header("x-amz-server-side-encryption-customer-key-md5"));
            if (wrong.isPresent()) {
                return wrong;
            }
        }
        Optional<String> sse = request.header("x-amz-server-side-encryption");
        if (sse.isPresent() && !sse.get().equals("AES256") && !sse.get().equals("aws:kms")) {
            return Optional.of(Answer.error(400, "InvalidArgument", "The encryption method specified is not supported"));
        }
        if (!sse.filter("aws:kms"::equals).isPresent() && (request.has("x-amz-server-side-encryption-aws-kms-key-id")
                || request.has("x-amz-server-side-encryption-context"))) {
            return Optional.of(Answer.error(400, "InvalidArgument", "KMS options need aws:kms"));
        }
        boolean locked = request.has("x-amz-object-lock-mode");
        if (locked != request.has("x-amz-object-lock-retain-until-date")) {
            return Optional.of(Answer.error(400, "InvalidArgument", "x-amz-object-lock-retain-until-date and"
                    + " x-amz-object-lock-mode must both be supplied"));
        }
        if (locked) {
            try {
                if (!Instant.parse(request.header("x-amz-object-lock-retain-until-date").orElseThrow())
                        .isAfter(Instant.now())) {
                    return Optional.of(Answer.error(400, "InvalidArgument", "The retain until date must be in the future"));
                }
            } catch (DateTimeParseException e) {
                return Optional.of(Answer.error(400, "InvalidArgument", "unreadable retain until date"));
            }
            if (whole && !request.has("content-md5")) {
                return Optional.of(Answer.error(400, "InvalidRequest", "Content-MD5 OR x-amz-checksum- HTTP header is"
                        + " required for Put Object requests with Object Lock parameters"));
            }
        }
        return badDigest(request, bodyMd5);
    }

    /**
     * An object (or upload) under an SSE-C key is read only with that key; an object without one
     * refuses the SSE-C headers. A store ignoring encryption ignores them on reads too.
     */
    private Optional<Answer> wrongCustomerKey(Recorded request, Optional<String> storedMd5) {
        Optional<String> algorithm = request.header("x-amz-server-side-encryption-customer-algorithm");
        Optional<String> key = request.header("x-amz-server-side-encryption-customer-key");
        Optional<String> md5 = request.header("x-amz-server-side-encryption-customer-key-md5");
        if (storedMd5.isEmpty()) {
            if (ignore != Ignore.ENCRYPTION && (algorithm.isPresent() || key.isPresent() || md5.isPresent())) {
                return Optional.of(Answer.error(400, "InvalidRequest", "The encryption parameters are not applicable"
                        + " to this object"));
            }
            return Optional.empty();
        }
        if (algorithm.filter("AES256"::equals).isEmpty() || key.isEmpty() || md5.isEmpty()) {
            return Optional.of(Answer.error(400, "InvalidRequest", "The object was stored using a form of Server Side"
                    + " Encryption. The correct parameters must be provided to retrieve the object."));
        }
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(key.get());
        } catch (IllegalArgumentException e) {
            raw = new byte[0];
        }
        String actual = Base64.getEncoder().encodeToString(md5(raw));
        if (raw.length != 32 || !actual.equals(md5.get()) || !actual.equals(storedMd5.get())) {
            return Optional.of(Answer.error(403, "AccessDenied", "The calculated MD5 hash of the key did not match the"
                    + " hash that was provided."));
        }
        return Optional.empty();
    }

    private static Optional<Answer> badDigest(Recorded request, byte[] bodyMd5) {
        return request.header("content-md5")
                .filter(sent -> !sent.equals(Base64.getEncoder().encodeToString(bodyMd5)))
                .map(sent -> Answer.error(400, "BadDigest", "The Content-MD5 you specified did not match what we"
                        + " received."));
    }

    /** What the store applies of a write's headers; {@code multipart} for CreateMultipartUpload. */
    private Keeping keeping(Recorded request, boolean multipart) {
        boolean encrypt = ignore != Ignore.ENCRYPTION;
        Optional<String> sse = request.header("x-amz-server-side-encryption").filter(s -> encrypt);
        Optional<String> kmsArn = sse.filter("aws:kms"::equals).map(kms -> request
                .header("x-amz-server-side-encryption-aws-kms-key-id")
                .map(id -> id.startsWith("arn:") ? id : KMS_ARN_PREFIX + id).orElse(DEFAULT_KMS_KEY));
        Optional<String> customer = request.header("x-amz-server-side-encryption-customer-key-md5").filter(s -> encrypt);
        String storageClass = ignore == Ignore.STORAGE_CLASS ? "STANDARD"
                : request.header("x-amz-storage-class").orElse("STANDARD");
        boolean lock = !(multipart && ignore == Ignore.LOCK_ON_MULTIPART);
        return new Keeping(sse, kmsArn, request.header("x-amz-server-side-encryption-context").filter(s -> encrypt),
                request.header("x-amz-server-side-encryption-bucket-key-enabled").filter(s -> encrypt), customer,
                storageClass, request.header("x-amz-object-lock-mode").filter(m -> lock),
                request.header("x-amz-object-lock-retain-until-date").filter(m -> lock).map(Instant::parse));
    }

    /** What AWS reports of how an object is kept. */
    private static Answer storageHeaders(Answer answer, StoredObject stored) {
        Keeping keeping = stored.keeping();
        keeping.sse().ifPresent(sse -> answer.with("x-amz-server-side-encryption", sse));
        keeping.kmsKeyArn().ifPresent(arn -> answer.with("x-amz-server-side-encryption-aws-kms-key-id", arn));
        keeping.bucketKey().ifPresent(on -> answer.with("x-amz-server-side-encryption-bucket-key-enabled", on));
        keeping.customerKeyMd5().ifPresent(md5 -> answer.with("x-amz-server-side-encryption-customer-algorithm", "AES256")
                .with("x-amz-server-side-encryption-customer-key-MD5", md5));
        if (!keeping.storageClass().equals("STANDARD")) {
            answer.with("x-amz-storage-class", keeping.storageClass());
        }
        keeping.lockMode().ifPresent(mode -> answer.with("x-amz-object-lock-mode", mode));
        keeping.retainUntil().ifPresent(until -> answer.with("x-amz-object-lock-retain-until-date", until.toString()));
        return answer.with("x-amz-version-id", stored.versionId());
    }

    private static Map<String, String> metadata(Recorded request) {
        Map<String, String> metadata = new TreeMap<>();
        request.headers().forEach((name, values) -> {
            if (name.startsWith("x-amz-meta-") && !values.isEmpty()) {
                metadata.put(name.substring("x-amz-meta-".length()), values.get(0));
            }
        });
        return metadata;
    }

    private String nextVersion() {
        return "v" + ids.incrementAndGet();
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> query = new LinkedHashMap<>();
        for (String pair : raw.split("&")) {
            if (!pair.isEmpty()) {
                int eq = pair.indexOf('=');
                String name = eq < 0 ? pair : pair.substring(0, eq);
                String value = eq < 0 ? "" : pair.substring(eq + 1);
                query.put(URLDecoder.decode(name, StandardCharsets.UTF_8), URLDecoder.decode(value, StandardCharsets.UTF_8));
            }
        }
        return query;
    }

    static byte[] md5(byte[] bytes) {
        try {
            return MessageDigest.getInstance("MD5").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    private static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private static String unescape(String text) {
        return text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&apos;", "'")
                .replace("&amp;", "&");
    }
}
