package gpbackup.s3plugin.s3;

import gpbackup.s3plugin.auth.SigV4Encoding;
import gpbackup.s3plugin.xml.XmlElement;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;

/**
 * One method per S3 operation the plugin needs: what to send and how to read the answer.
 * How it is sent (signing, retries, timeouts, cancellation) is {@link RequestEngine}'s.
 * Knows nothing of gpbackup: keys come in whole.
 */
public final class S3Client {
    private static final String USER_METADATA = "x-amz-meta-";
    private final S3Endpoint endpoint;
    private final RequestEngine engine;
    private final StoragePolicy policy;

    /**
     * @param engine sends every request, as the call's observer sees them
     * @param policy how the objects written are stored (encryption, class, lock), and the SSE-C key reads need
     */
    public S3Client(RequestEngine engine, StoragePolicy policy) {
        this.endpoint = engine.endpoint();
        this.engine = engine;
        this.policy = policy;
    }

    /** The clock that dates this client's requests. */
    public Clock clock() {
        return engine.clock();
    }

    /** How the objects this client writes are stored. */
    public StoragePolicy policy() {
        return policy;
    }

    public S3Endpoint endpoint() {
        return endpoint;
    }

    /**
     * PutObject: the whole object in one request, with user metadata (none, or some) sent (and
     * signed) as {@code x-amz-meta-NAME} headers; S3 keeps them with the object and HEAD returns
     * them. S3 allows 2 KB of them per object.
     */
    public void putObject(String key, Payload body, Map<String, String> userMetadata) {
        List<Map.Entry<String, String>> headers = new ArrayList<>(policy.creationHeaders(engine.clock().instant()));
        userMetadata.forEach((name, value) -> headers.add(Map.entry(USER_METADATA + name, value)));
        addContentMd5(headers, body);
        engine.execute(objectRequest("PutObject", "upload", "PUT", key, "", headers, body), (response, in) -> null);
    }

    /**
     * PutObject of a small object, then the HEAD that proves the store keeps it as the policy asks
     * ({@link #confirmStorage}); returns the object as last seen.
     */
    public ObjectInfo putObjectConfirmed(String key, Payload body) {
        Instant started = engine.clock().instant();
        putObject(key, body, Map.of());
        return confirmStorage(key, headObject(key), started);
    }

    /** CreateMultipartUpload; returns the upload id. */
    public String createMultipartUpload(String key) {
        return createMultipartUpload(key, Map.of());
    }

    /** CreateMultipartUpload whose object gets user metadata, as {@link #putObject(String, Payload, Map)} gives it. */
    public String createMultipartUpload(String key, Map<String, String> userMetadata) {
        List<Map.Entry<String, String>> headers = new ArrayList<>(policy.creationHeaders(engine.clock().instant()));
        userMetadata.forEach((name, value) -> headers.add(Map.entry(USER_METADATA + name, value)));
        S3Request request = objectRequest("CreateMultipartUpload", "start multipart upload of", "POST", key, "uploads=",
                headers, Payload.empty());
        return engine.execute(request, (response, in) -> parseOk(in).childText("UploadId")
                        .orElseThrow(() -> new IOException("CreateMultipartUpload answer has no UploadId")));
    }

    /** UploadPart, stopped when {@code cancellation} is thrown; returns the part's ETag. */
    public String uploadPart(String key, String uploadId, int partNumber, Payload body, Cancellation cancellation) {
        String query = "partNumber=" + partNumber + "&uploadId=" + SigV4Encoding.encode(uploadId);
        List<Map.Entry<String, String>> headers = new ArrayList<>(policy.customerKeyHeaders());
        addContentMd5(headers, body);
        return engine.execute(objectRequest("UploadPart", "upload part " + partNumber + " of", "PUT", key, query, headers, body),
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
        engine.execute(objectRequest("CompleteMultipartUpload", "complete multipart upload of", "POST", key, query, List.of(), body),
                (response, in) -> parseOk(in));
    }

    /** AbortMultipartUpload, so no parts of a failed upload stay stored (and billed). */
    public void abortMultipartUpload(String key, String uploadId) {
        String query = "uploadId=" + SigV4Encoding.encode(uploadId);
        engine.execute(objectRequest("AbortMultipartUpload", "abort multipart upload of", "DELETE", key, query, List.of(), Payload.empty()),
                (response, in) -> null);
    }

    /**
     * HeadObject: size and ETag. A missing object is an {@link S3Exception} with status 404; a
     * HEAD answer has no body to tell a missing bucket from a missing key, so a 404 is followed
     * by a one-key listing, which names the bucket when that is what is missing.
     */
    public ObjectInfo headObject(String key) {
        try {
            S3Request request = objectRequest("HeadObject", "read", "HEAD", key, "", policy.customerKeyHeaders(), Payload.empty());
            return engine.execute(request, (response, in) -> {
                return new ObjectInfo(contentLength(response.headers()), response.headers().firstValue("ETag").orElse(""),
                        userMetadata(response.headers()), StorageReport.of(response.headers()));
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
     * Holds what the store reports of {@code key} (its HEAD, {@code stored}) against the policy,
     * for an object whose write began at {@code writeStarted}. A lock the store ignored on
     * creation (Ceph RGW 16 does on CreateMultipartUpload) is applied with PutObjectRetention and
     * asked again; nothing else is repaired or deleted here (see {@link #confirmStorage}).
     */
    public StorageConfirmation proveStorage(String key, ObjectInfo stored, Instant writeStarted) {
        List<OptionProof> proofs = policy.proofs(stored.stored(), writeStarted);
        boolean lockUnkept = proofs.stream().anyMatch(proof -> proof.isLock() && !proof.kept());
        boolean othersKept = proofs.stream().allMatch(proof -> proof.isLock() || proof.kept());
        // A lock is never added to an object about to be deleted for another unkept option.
        if (!lockUnkept || !othersKept) {
            return new StorageConfirmation(proofs, false, stored);
        }
        putObjectRetention(key, stored.stored().versionId(), policy.objectLock().orElseThrow());
        ObjectInfo again = headObject(key);
        return new StorageConfirmation(policy.proofs(again.stored(), writeStarted), true, again);
    }

    /**
     * {@link #proveStorage}, failing when an option is still not kept: the object (its version,
     * in a versioned bucket, so no unencrypted copy stays behind a delete marker) is deleted
     * first, so no object looks protected that is not. Returns the object as last seen.
     */
    public ObjectInfo confirmStorage(String key, ObjectInfo stored, Instant writeStarted) {
        StorageConfirmation confirmation = proveStorage(key, stored, writeStarted);
        List<OptionProof> unkept = confirmation.unkept();
        if (unkept.isEmpty()) {
            return confirmation.info();
        }
        String what = String.join("; ", unkept.stream().map(OptionProof::describe).toList());
        String fate;
        try {
            deleteObject(key, confirmation.info().stored().versionId());
            fate = "the object was deleted";
        } catch (S3Exception e) {
            fate = "deleting it failed too (" + e.getMessage() + ")";
        }
        throw new S3Exception("the store at " + endpoint.display() + " did not apply what the config asks to s3://"
                + endpoint.bucket() + "/" + key + " (" + what + "); " + fate + " and its upload failed; remove the"
                + " option if this store does not offer it", 0, null);
    }

    /**
     * PutObjectRetention: the lock's retention counted from now, on {@code versionId} when
     * given. S3 wants Content-MD5 on it, as on every request of a lock.
     */
    public void putObjectRetention(String key, Optional<String> versionId, StoragePolicy.ObjectLock lock) {
        String xml = "<Retention xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Mode>" + lock.mode()
                + "</Mode><RetainUntilDate>" + lock.retainUntil(engine.clock().instant())
                + "</RetainUntilDate></Retention>";
        Payload body = Payload.of(xml.getBytes(StandardCharsets.UTF_8));
        String query = "retention=" + versionId.map(v -> "&versionId=" + SigV4Encoding.encode(v)).orElse("");
        engine.execute(objectRequest("PutObjectRetention", "set the retention of", "PUT", key, query,
                List.of(Map.entry("content-md5", body.md5Base64())), body), (response, in) -> null);
    }

    /** HeadObject of one part of a multipart object: where a reader learns the part boundaries S3 kept. */
    public PartInfo headPart(String key, int partNumber) {
        return engine.execute(objectRequest("HeadObject", "read part " + partNumber + " of", "HEAD", key, "partNumber=" + partNumber,
                policy.customerKeyHeaders(), Payload.empty()), (response, in) -> {
                    OptionalInt count = response.headers().firstValue("x-amz-mp-parts-count")
                            .filter(text -> text.strip().matches("[0-9]{1,5}"))
                            .map(text -> OptionalInt.of(Integer.parseInt(text.strip()))).orElse(OptionalInt.empty());
                    return new PartInfo(contentLength(response.headers()), count);
                });
    }

    /**
     * GetObject of bytes {@code [start, endExclusive)}, landing in {@code sink}, stopped when
     * {@code cancellation} is thrown. With {@code ifMatch} the read fails rather than mixing bytes
     * of two versions when the object is replaced mid-restore.
     */
    public void getRange(String key, long start, long endExclusive, Optional<String> ifMatch, BodySink sink,
                         Cancellation cancellation) {
        List<Map.Entry<String, String>> headers = new ArrayList<>(policy.customerKeyHeaders());
        headers.add(Map.entry("range", "bytes=" + start + "-" + (endExclusive - 1)));
        ifMatch.filter(etag -> !etag.isEmpty()).ifPresent(etag -> headers.add(Map.entry("if-match", etag)));
        long expected = endExclusive - start;
        engine.land(objectRequest("GetObject", "download", "GET", key, "", headers, Payload.empty()), answer -> {
            long length = answer.headers().firstValueAsLong("Content-Length").orElse(-1);
            if (answer.statusCode() != 206 && !(start == 0 && length == expected)) {
                throw new IOException("server ignored the byte range (HTTP " + answer.statusCode() + ")");
            }
            if (length != expected) {
                throw new IOException("expected " + expected + " bytes, server announced " + length);
            }
            return length;
        }, sink, cancellation);
    }

    /**
     * GetObject of the first {@code length} bytes, or of the whole object when it is shorter, for
     * a reader that does not know the size yet: the answer's Content-Range tells it, and its ETag
     * pins the version for the ranges that follow, and its user metadata comes with it (whether the object is
     * sealed). So a small object costs one request, not a
     * HEAD and a GET. A missing object is an {@link S3Exception} with status 404; an empty one
     * has no byte to give and answers 416 (InvalidRange).
     */
    public ObjectInfo getFirstBytes(String key, long length, BodySink sink, Cancellation cancellation) {
        List<Map.Entry<String, String>> headers = new ArrayList<>(policy.customerKeyHeaders());
        headers.add(Map.entry("range", "bytes=0-" + (length - 1)));
        long[] size = new long[1];
        HttpHeaders answered = engine.land(objectRequest("GetObject", "download", "GET", key, "", headers, Payload.empty()), answer -> {
            long announced = answer.headers().firstValueAsLong("Content-Length").orElse(-1);
            size[0] = answer.statusCode() == 206
                    ? totalOf(answer.headers().firstValue("Content-Range").orElse(""))
                    : announced;
            if (size[0] < 0 || announced != Math.min(length, size[0])) {
                throw new IOException("answer to a first range of " + length + " bytes announced " + announced
                        + " bytes of an object of " + size[0]);
            }
            return announced;
        }, sink, cancellation);
        return new ObjectInfo(size[0], answered.firstValue("ETag").orElse(""), userMetadata(answered), StorageReport.NONE);
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
        S3Request request = new S3Request("ListObjectsV2", "list", "GET", prefix, endpoint.bucketPath(), query,
                List.of(), Payload.empty());
        return engine.execute(request, (response, in) -> {
            XmlElement result = parseOk(in);
            // A proxy's login page or a web server at the endpoint answers 200 too; read as a
            // listing it would look empty, and a restore or delete would find nothing.
            if (!result.name().equals("ListBucketResult")) {
                String root = result.name().length() > 64 ? result.name().substring(0, 64) + "…" : result.name();
                throw new S3Exception("list s3://" + endpoint.bucket() + "/" + prefix + " failed: the answer is <"
                        + root + ">, not a ListBucketResult; is " + endpoint.display() + " an S3 endpoint?",
                        response.statusCode(), null);
            }
            List<ObjectSummary> objects = new ArrayList<>();
            for (XmlElement contents : result.all("Contents")) {
                String key = contents.childText("Key").orElseThrow(() -> new IOException("listing entry without Key"));
                Instant modified;
                try {
                    modified = contents.childText("LastModified").map(t -> Instant.parse(t.strip()))
                            .orElse(Instant.EPOCH);
                } catch (DateTimeParseException e) {
                    throw new IOException("listing entry " + key + " has a LastModified that is not ISO-8601", e);
                }
                objects.add(new ObjectSummary(key, size(contents.childText("Size").orElse("0")), modified));
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
        Payload body = Payload.of(xml.toString().getBytes(StandardCharsets.UTF_8));
        // S3 insists on an integrity header for batch deletes.
        S3Request request = new S3Request("DeleteObjects", "delete objects in", "POST", "", endpoint.bucketPath(), "delete=",
                List.of(Map.entry("content-md5", body.md5Base64())), body);
        engine.execute(request, (response, in) -> {
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

    /**
     * DeleteObject of one key, of one version when given: in a versioned bucket a delete without
     * it only puts a delete marker over the object, whose data stays stored. Deleting a missing
     * key succeeds, as in S3.
     */
    public void deleteObject(String key, Optional<String> versionId) {
        String query = versionId.map(v -> "versionId=" + SigV4Encoding.encode(v)).orElse("");
        engine.execute(objectRequest("DeleteObject", "delete", "DELETE", key, query, List.of(), Payload.empty()),
                (response, in) -> null);
    }

    /**
     * HeadObject for an object's Object Lock: its retention and legal hold, as far as the
     * credentials may read them (S3 leaves the headers out otherwise).
     */
    public ObjectRetention objectRetention(String key) {
        return engine.execute(objectRequest("HeadObject", "read the retention of", "HEAD", key, "", policy.customerKeyHeaders(),
                Payload.empty()), (response, in) -> new ObjectRetention(key,
                response.headers().firstValue(StoragePolicy.LOCK_MODE),
                response.headers().firstValue(StoragePolicy.LOCK_RETAIN_UNTIL).map(S3Client::instant),
                response.headers().firstValue("x-amz-object-lock-legal-hold").filter("ON"::equalsIgnoreCase)
                        .isPresent()));
    }

    /**
     * GetObjectLockConfiguration: whether the bucket has Object Lock enabled. A bucket without
     * it answers 404 {@code ObjectLockConfigurationNotFoundError}, which is {@code false} here;
     * any other failure (no permission, a server without Object Lock) is thrown.
     */
    public boolean objectLockEnabled() {
        S3Request request = new S3Request("GetObjectLockConfiguration", "read the Object Lock configuration of", "GET", "", endpoint.bucketPath(),
                "object-lock=", List.of(), Payload.empty());
        try {
            return engine.execute(request, (response, in) -> parseOk(in).childText("ObjectLockEnabled")
                    .filter(enabled -> enabled.strip().equals("Enabled")).isPresent());
        } catch (S3Exception e) {
            if (e.code().filter("ObjectLockConfigurationNotFoundError"::equals).isPresent()) {
                return false;
            }
            throw e;
        }
    }

    // ---------------------------------------------------------------------------------------

    /** The {@code x-amz-meta-} headers of an answer, by name without the prefix, in lower case. */
    private static Map<String, String> userMetadata(HttpHeaders headers) {
        Map<String, String> metadata = new TreeMap<>();
        headers.map().forEach((name, values) -> {
            String lower = name.toLowerCase(Locale.ROOT);
            if (lower.startsWith(USER_METADATA) && !values.isEmpty()) {
                metadata.put(lower.substring(USER_METADATA.length()), values.get(0));
            }
        });
        return metadata;
    }

    private static long contentLength(HttpHeaders headers) throws IOException {
        return headers.firstValueAsLong("Content-Length")
                .orElseThrow(() -> new IOException("HEAD answer has no Content-Length"));
    }

    private void addContentMd5(List<Map.Entry<String, String>> headers, Payload body) {
        if (policy.needsContentMd5()) {
            headers.add(Map.entry("content-md5", body.md5Base64()));
        }
    }

    /** An S3 date header (ISO 8601, as S3 sends retain-until dates); an unreadable one is a failed answer. */
    private static Instant instant(String text) {
        try {
            return Instant.parse(text.strip());
        } catch (DateTimeParseException e) {
            throw new UncheckedIOException(new IOException("unreadable date '" + text + "' in the answer"));
        }
    }

    private S3Request objectRequest(String operation, String action, String method, String key, String query,
                                    List<Map.Entry<String, String>> headers, Payload payload) {
        return new S3Request(operation, action, method, key, endpoint.path(key), query, headers, payload);
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

    private static String escapeXml(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                .replace("\"", "&quot;").replace("'", "&apos;");
    }
}
