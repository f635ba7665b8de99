package gpbackup.s3plugin.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Each storage option held against what a store reports: what proves it and what does not. */
class StoragePolicyProofsTest {
    private static final Instant WRITTEN = Instant.parse("2026-12-07T10:00:00Z");
    private static final String KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab";
    private static final String KEY_ARN = "arn:aws:kms:us-east-1:111122223333:key/" + KEY_ID;

    private static StoragePolicy policy(Optional<String> sse, Optional<String> kmsKeyId, Optional<SseCustomerKey> key,
                                        Optional<String> storageClass, Optional<StoragePolicy.ObjectLock> lock) {
        return new StoragePolicy(sse, kmsKeyId, Optional.empty(), Optional.empty(), key, storageClass, lock);
    }

    private static StorageReport report(String sse, String kmsKeyId, String algorithm, String keyMd5,
                                        String storageClass, String lockMode, String retainUntil) {
        return new StorageReport(Optional.ofNullable(sse), Optional.ofNullable(kmsKeyId), Optional.ofNullable(algorithm),
                Optional.ofNullable(keyMd5), Optional.ofNullable(storageClass), Optional.ofNullable(lockMode),
                Optional.ofNullable(retainUntil).map(Instant::parse), Optional.empty());
    }

    private static OptionProof only(List<OptionProof> proofs) {
        assertEquals(1, proofs.size(), proofs.toString());
        return proofs.get(0);
    }

    @Test
    void nothingAskedNeedsNoProof() {
        assertTrue(StoragePolicy.NONE.proofs(StorageReport.NONE, WRITTEN).isEmpty());
    }

    @Test
    void sseS3IsProvedOnlyByTheStoresEncryptionHeader() {
        StoragePolicy aes = policy(Optional.of("AES256"), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty());
        assertTrue(only(aes.proofs(report("AES256", null, null, null, null, null, null), WRITTEN)).kept());
        OptionProof ignored = only(aes.proofs(StorageReport.NONE, WRITTEN));
        assertFalse(ignored.kept());
        assertEquals("server_side_encryption AES256: the store reports none", ignored.describe());
        assertFalse(only(aes.proofs(report("aws:kms", null, null, null, null, null, null), WRITTEN)).kept());
    }

    @Test
    void aKmsKeyIdMatchesTheArnAwsReportsAndAPlainNameMatchesItself() {
        StoragePolicy byId = policy(Optional.of("aws:kms"), Optional.of(KEY_ID), Optional.empty(), Optional.empty(),
                Optional.empty());
        assertTrue(byId.proofs(report("aws:kms", KEY_ARN, null, null, null, null, null), WRITTEN).stream()
                .allMatch(OptionProof::kept));
        List<OptionProof> otherKey = byId.proofs(report("aws:kms",
                "arn:aws:kms:us-east-1:111122223333:key/ffffffff-12ab-34cd-56ef-1234567890ab", null, null, null, null,
                null), WRITTEN);
        assertEquals(List.of(true, false), otherKey.stream().map(OptionProof::kept).toList());
        assertFalse(byId.proofs(report("aws:kms", null, null, null, null, null, null), WRITTEN).get(1).kept(),
                "an answer without the key id proves no key");
        StoragePolicy named = policy(Optional.of("aws:kms"), Optional.of("my-backup-key"), Optional.empty(),
                Optional.empty(), Optional.empty());
        assertTrue(named.proofs(report("aws:kms", "my-backup-key", null, null, null, null, null), WRITTEN).stream()
                .allMatch(OptionProof::kept));
    }

    @Test
    void anSseCustomerKeyIsProvedByItsAlgorithmAndKeyMd5() {
        SseCustomerKey key = SseCustomerKey.of(new byte[32]);
        StoragePolicy ssec = policy(Optional.empty(), Optional.empty(), Optional.of(key), Optional.empty(),
                Optional.empty());
        assertTrue(only(ssec.proofs(report(null, null, "AES256", key.keyMd5Base64(), null, null, null), WRITTEN))
                .kept());
        assertFalse(only(ssec.proofs(report(null, null, "AES256", "AAAAAAAAAAAAAAAAAAAAAA==", null, null, null),
                WRITTEN)).kept(), "another key");
        assertFalse(only(ssec.proofs(StorageReport.NONE, WRITTEN)).kept());
        assertFalse(only(ssec.proofs(StorageReport.NONE, WRITTEN)).describe().contains(key.keyBase64()));
    }

    @Test
    void aMissingStorageClassHeaderProvesStandardAndNothingElse() {
        StoragePolicy ia = policy(Optional.empty(), Optional.empty(), Optional.empty(), Optional.of("STANDARD_IA"),
                Optional.empty());
        assertFalse(only(ia.proofs(StorageReport.NONE, WRITTEN)).kept());
        assertTrue(only(ia.proofs(report(null, null, null, null, "STANDARD_IA", null, null), WRITTEN)).kept());
        StoragePolicy standard = policy(Optional.empty(), Optional.empty(), Optional.empty(), Optional.of("STANDARD"),
                Optional.empty());
        assertTrue(only(standard.proofs(StorageReport.NONE, WRITTEN)).kept());
    }

    @Test
    void aLockIsProvedByItsModeAndARetainUntilDateNoEarlierThanAsked() {
        StoragePolicy locked = policy(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.of(new StoragePolicy.ObjectLock("GOVERNANCE", 1)));
        assertTrue(only(locked.proofs(report(null, null, null, null, null, "GOVERNANCE", "2026-12-08T10:00:00Z"),
                WRITTEN)).isLock());
        assertTrue(only(locked.proofs(report(null, null, null, null, null, "GOVERNANCE", "2026-12-08T10:00:00Z"),
                WRITTEN)).kept());
        assertFalse(only(locked.proofs(report(null, null, null, null, null, "GOVERNANCE", "2026-12-08T09:59:59Z"),
                WRITTEN)).kept(), "a day less a second");
        assertFalse(only(locked.proofs(report(null, null, null, null, null, "COMPLIANCE", "2027-01-01T00:00:00Z"),
                WRITTEN)).kept(), "another mode");
        OptionProof none = only(locked.proofs(StorageReport.NONE, WRITTEN));
        assertFalse(none.kept());
        assertEquals("object_lock_mode GOVERNANCE until 2026-12-08T10:00:00Z: the store reports none", none.describe());
    }
}
