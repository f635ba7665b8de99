package gpbackup.s3plugin.s3;

import gpbackup.s3plugin.json.JsonText;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * How the objects a backup writes are to be stored: server-side encryption, storage class and
 * Object Lock, as the headers each request type carries (spec/s3.md, "Storage policy").
 * Built once from the config; {@link #NONE} sends none of these headers.
 *
 * @param serverSideEncryption {@code AES256} or {@code aws:kms}, when asked for
 * @param kmsKeyId             the KMS key for {@code aws:kms}; absent means the account's default key
 * @param kmsContextJson       the KMS encryption context as a JSON object, when one is given
 * @param bucketKey            whether S3 Bucket Keys are used for {@code aws:kms}; absent leaves the bucket's setting
 * @param customerKey          the SSE-C key, when objects are encrypted with a key of ours
 * @param storageClass         the S3 storage class of new objects, when not the bucket's default
 * @param objectLock           the retention every new object gets, when asked for
 */
public record StoragePolicy(Optional<String> serverSideEncryption, Optional<String> kmsKeyId,
                            Optional<String> kmsContextJson, Optional<Boolean> bucketKey,
                            Optional<SseCustomerKey> customerKey, Optional<String> storageClass,
                            Optional<ObjectLock> objectLock) {

    /** Nothing asked for: every object takes the bucket's defaults. */
    public static final StoragePolicy NONE = new StoragePolicy(Optional.empty(), Optional.empty(), Optional.empty(),
            Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());

    /** Header names, lower case as signed. */
    static final String SSE = "x-amz-server-side-encryption";
    static final String SSE_KMS_KEY_ID = "x-amz-server-side-encryption-aws-kms-key-id";
    static final String SSE_CONTEXT = "x-amz-server-side-encryption-context";
    static final String SSE_BUCKET_KEY = "x-amz-server-side-encryption-bucket-key-enabled";
    static final String SSE_C_ALGORITHM = "x-amz-server-side-encryption-customer-algorithm";
    static final String SSE_C_KEY = "x-amz-server-side-encryption-customer-key";
    static final String SSE_C_KEY_MD5 = "x-amz-server-side-encryption-customer-key-md5";
    static final String STORAGE_CLASS = "x-amz-storage-class";
    static final String LOCK_MODE = "x-amz-object-lock-mode";
    static final String LOCK_RETAIN_UNTIL = "x-amz-object-lock-retain-until-date";

    /**
     * Object Lock retention for every object written.
     *
     * @param mode       {@code GOVERNANCE} or {@code COMPLIANCE}
     * @param retainDays how many days after its upload each object stays locked, at least 1
     */
    public record ObjectLock(String mode, int retainDays) {
        /** The date an object written at {@code now} stays locked until, to the second, as S3 takes it (ISO 8601, UTC). */
        public String retainUntil(Instant now) {
            return DateTimeFormatter.ISO_INSTANT.format(now.plus(Duration.ofDays(retainDays)).truncatedTo(ChronoUnit.SECONDS));
        }
    }

    /** The KMS encryption context header's value: base64 of the context's JSON. */
    public static String contextJson(Map<String, String> context) {
        return context.entrySet().stream().map(e -> JsonText.quote(e.getKey()) + ":" + JsonText.quote(e.getValue()))
                .collect(Collectors.joining(",", "{", "}"));
    }

    /**
     * The headers of a request that creates an object (PutObject, CreateMultipartUpload): every
     * choice of this policy, with a retention counted from {@code now}.
     */
    List<Map.Entry<String, String>> creationHeaders(Instant now) {
        List<Map.Entry<String, String>> headers = new ArrayList<>();
        serverSideEncryption.ifPresent(sse -> headers.add(Map.entry(SSE, sse)));
        kmsKeyId.ifPresent(id -> headers.add(Map.entry(SSE_KMS_KEY_ID, id)));
        kmsContextJson.ifPresent(json -> headers.add(Map.entry(SSE_CONTEXT,
                Base64.getEncoder().encodeToString(json.getBytes(StandardCharsets.UTF_8)))));
        bucketKey.ifPresent(on -> headers.add(Map.entry(SSE_BUCKET_KEY, on.toString())));
        headers.addAll(customerKeyHeaders());
        storageClass.ifPresent(c -> headers.add(Map.entry(STORAGE_CLASS, c)));
        objectLock.ifPresent(lock -> {
            headers.add(Map.entry(LOCK_MODE, lock.mode()));
            headers.add(Map.entry(LOCK_RETAIN_UNTIL, lock.retainUntil(now)));
        });
        return headers;
    }

    /** The SSE-C headers, which S3 wants on every request that reads or writes an object's data or metadata. */
    List<Map.Entry<String, String>> customerKeyHeaders() {
        return customerKey.map(key -> List.of(Map.entry(SSE_C_ALGORITHM, SseCustomerKey.ALGORITHM),
                Map.entry(SSE_C_KEY, key.keyBase64()), Map.entry(SSE_C_KEY_MD5, key.keyMd5Base64())))
                .orElse(List.of());
    }

    /**
     * Each option of this policy held against what the store reports of an object whose write
     * began at {@code writeStarted} (the retain-until sent was counted from then). A store that
     * parsed a header and ignored it answers 200 all the same: only its report proves the option.
     */
    public List<OptionProof> proofs(StorageReport report, Instant writeStarted) {
        List<OptionProof> proofs = new ArrayList<>();
        serverSideEncryption.ifPresent(sse -> proofs.add(new OptionProof("server_side_encryption", sse,
                report.serverSideEncryption(), report.serverSideEncryption().filter(sse::equalsIgnoreCase).isPresent())));
        kmsKeyId.ifPresent(id -> proofs.add(new OptionProof("sse_kms_key_id", id, report.kmsKeyId(),
                report.kmsKeyId().filter(reported -> sameKmsKey(id, reported)).isPresent())));
        customerKey.ifPresent(key -> proofs.add(new OptionProof("sse_customer_key", "key MD5 " + key.keyMd5Base64(),
                report.customerKeyMd5().map(md5 -> "key MD5 " + md5),
                report.customerAlgorithm().filter(SseCustomerKey.ALGORITHM::equalsIgnoreCase).isPresent()
                        && report.customerKeyMd5().filter(key.keyMd5Base64()::equals).isPresent())));
        // AWS leaves the header out for STANDARD, so its absence proves STANDARD and nothing else.
        storageClass.ifPresent(asked -> proofs.add(new OptionProof("storage_class", asked,
                report.storageClass(), report.storageClass().orElse("STANDARD").equalsIgnoreCase(asked))));
        objectLock.ifPresent(lock -> {
            Instant due = Instant.parse(lock.retainUntil(writeStarted));
            Optional<String> reported = report.lockMode().map(mode -> mode
                    + report.retainUntil().map(until -> " until " + until).orElse(" without a retain-until date"));
            proofs.add(new OptionProof("object_lock_mode", lock.mode() + " until " + due, reported,
                    report.lockMode().filter(lock.mode()::equalsIgnoreCase).isPresent()
                            && report.retainUntil().filter(until -> !until.isBefore(due)).isPresent()));
        });
        return proofs;
    }

    /**
     * Whether the key S3 reports is the one configured. AWS answers with the key's ARN whatever
     * form was sent, so a key id matches the ARN that ends in it. An alias names a key only
     * through KMS, which is not asked: any key reported then counts (spec/s3.md says so).
     */
    private static boolean sameKmsKey(String configured, String reported) {
        return configured.equals(reported) || reported.endsWith(":key/" + configured)
                || configured.startsWith("alias/") || configured.contains(":alias/");
    }

    /** S3 refuses an object-lock PutObject or UploadPart without an integrity header; Content-MD5 is the one every server knows. */
    boolean needsContentMd5() {
        return objectLock.isPresent();
    }

    /**
     * Whether the ETags S3 gives our objects are MD5s of their data: not under SSE-KMS or SSE-C,
     * so a multipart object's ETag cannot be derived from its parts'.
     */
    public boolean etagsAreMd5() {
        return encryptionHidingMd5().isEmpty();
    }

    /**
     * The encryption this policy asks for under which S3's ETags are not MD5s of the data,
     * {@code SSE-KMS} or {@code SSE-C}, named so that a reader who is told an ETag proves nothing
     * learns why.
     */
    public Optional<String> encryptionHidingMd5() {
        if (customerKey.isPresent()) {
            return Optional.of("SSE-C");
        }
        return serverSideEncryption.filter("aws:kms"::equals).map(kms -> "SSE-KMS");
    }
}
