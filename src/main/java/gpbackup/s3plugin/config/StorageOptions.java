package gpbackup.s3plugin.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * How backups are stored: server-side encryption, storage class, Object Lock (spec/config.md,
 * "Storage"). Every value is already validated and spelled as S3 takes it.
 *
 * @param serverSideEncryption {@code AES256} or {@code aws:kms}
 * @param kmsKeyId             a KMS key id, alias or ARN, only with {@code aws:kms}
 * @param kmsEncryptionContext the KMS encryption context, in the order written; empty for none
 * @param bucketKey            S3 Bucket Keys on or off, only with {@code aws:kms}; absent leaves the bucket's choice
 * @param customerKey          the SSE-C key, never together with {@code serverSideEncryption}
 * @param storageClass         one of S3's storage classes, upper case
 * @param objectLockMode       {@code GOVERNANCE} or {@code COMPLIANCE}, always with {@code objectLockRetainDays}
 * @param objectLockRetainDays days each object stays locked, at least 1; 0 when there is no lock
 */
public record StorageOptions(Optional<String> serverSideEncryption, Optional<String> kmsKeyId,
                             Map<String, String> kmsEncryptionContext, Optional<Boolean> bucketKey,
                             Optional<CustomerKey> customerKey, Optional<String> storageClass,
                             Optional<String> objectLockMode, int objectLockRetainDays) {

    /** None of these options: the bucket's defaults. */
    public static final StorageOptions NONE = new StorageOptions(Optional.empty(), Optional.empty(), Map.of(),
            Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), 0);

    public StorageOptions {
        kmsEncryptionContext = Collections.unmodifiableMap(new LinkedHashMap<>(kmsEncryptionContext));
    }

    /**
     * The same encryption (SSE-S3, SSE-KMS with its key and context, or SSE-C), with the bucket's
     * storage class and no Object Lock: for a scratch object that must be deletable at once and
     * bill nothing after, but still be written the way the bucket's policy may insist on.
     */
    public StorageOptions encryptionOnly() {
        return new StorageOptions(serverSideEncryption, kmsKeyId, kmsEncryptionContext, bucketKey, customerKey,
                Optional.empty(), Optional.empty(), 0);
    }
}
