package gpbackup.s3plugin.s3;

import java.net.http.HttpHeaders;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * What the store says, in a HEAD answer, of how it keeps an object: the proof that a storage
 * option was applied, where the 200 of the write proves only that the request was parsed.
 * Each part is empty when the answer does not carry its header.
 *
 * @param serverSideEncryption {@code x-amz-server-side-encryption}: {@code AES256}, {@code aws:kms}
 * @param kmsKeyId             the KMS key S3 used (AWS answers with the key's ARN)
 * @param customerAlgorithm    {@code AES256} for an object encrypted with an SSE-C key
 * @param customerKeyMd5       the base64 MD5 of that SSE-C key
 * @param storageClass         {@code x-amz-storage-class}; AWS leaves it out for STANDARD
 * @param lockMode             the Object Lock retention mode
 * @param retainUntil          the Object Lock retain-until date; empty also when unreadable
 * @param versionId            the object's version in a versioned bucket
 */
public record StorageReport(Optional<String> serverSideEncryption, Optional<String> kmsKeyId,
                            Optional<String> customerAlgorithm, Optional<String> customerKeyMd5,
                            Optional<String> storageClass, Optional<String> lockMode,
                            Optional<Instant> retainUntil, Optional<String> versionId) {

    /** A store that reported nothing: what an object of a store without these features looks like. */
    public static final StorageReport NONE = new StorageReport(Optional.empty(), Optional.empty(), Optional.empty(),
            Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());

    /**
     * The encryption the store reports under which its ETag is not an MD5 of the data, {@code SSE-KMS}
     * (also DSSE-KMS, {@code aws:kms:dsse}) or {@code SSE-C}: it tells so also of an object the
     * bucket's default encryption or another client encrypted, which the config does not know.
     */
    public Optional<String> encryptionHidingMd5() {
        if (customerAlgorithm.isPresent()) {
            return Optional.of("SSE-C");
        }
        return serverSideEncryption.filter(sse -> sse.startsWith("aws:kms")).map(kms -> "SSE-KMS");
    }

    /** The report in a HEAD (or GET) answer's headers. */
    static StorageReport of(HttpHeaders headers) {
        return new StorageReport(value(headers, StoragePolicy.SSE), value(headers, StoragePolicy.SSE_KMS_KEY_ID),
                value(headers, StoragePolicy.SSE_C_ALGORITHM), value(headers, StoragePolicy.SSE_C_KEY_MD5),
                value(headers, StoragePolicy.STORAGE_CLASS), value(headers, StoragePolicy.LOCK_MODE),
                value(headers, StoragePolicy.LOCK_RETAIN_UNTIL).flatMap(StorageReport::instant),
                value(headers, "x-amz-version-id").filter(v -> !v.equals("null")));
    }

    private static Optional<String> value(HttpHeaders headers, String name) {
        return headers.firstValue(name).map(String::strip).filter(v -> !v.isEmpty());
    }

    /** An unreadable date proves no lock: it counts as none. */
    private static Optional<Instant> instant(String text) {
        try {
            return Optional.of(Instant.parse(text));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }
}
