package gpbackup.s3plugin.command.check;

import gpbackup.s3plugin.backup.KeyLayout;
import gpbackup.s3plugin.backup.ObjectLocks;
import gpbackup.s3plugin.backup.SealedObjects;
import gpbackup.s3plugin.progress.Progress;
import gpbackup.s3plugin.digest.Digests;
import gpbackup.s3plugin.s3.BodySink;
import gpbackup.s3plugin.s3.Cancellation;
import gpbackup.s3plugin.s3.ListPage;
import gpbackup.s3plugin.s3.ObjectInfo;
import gpbackup.s3plugin.s3.ObjectRetention;
import gpbackup.s3plugin.s3.ObjectSummary;
import gpbackup.s3plugin.s3.OptionProof;
import gpbackup.s3plugin.s3.Payload;
import gpbackup.s3plugin.s3.S3Client;
import gpbackup.s3plugin.s3.S3Exception;
import gpbackup.s3plugin.s3.StorageConfirmation;
import gpbackup.s3plugin.s3.StoragePolicy;
import gpbackup.s3plugin.s3.StorageReport;
import gpbackup.s3plugin.seal.SealException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BiFunction;

/**
 * {@code check}'s requests to the store: the folder listed (what a restore needs first), the
 * round-trip latency, then either a probe object written, read back, compared and deleted with
 * its transfer rates, or under {@code --read-only} one stored object read, nothing written.
 *
 * <p>Listing, not HeadBucket, proves the bucket: it needs s3:ListBucket either way, and a policy
 * that allows listing only under the folder (an s3:prefix condition) passes a listing of the
 * folder but fails HeadBucket, while backups there work.
 */
final class StoreChecks {
    /** Under the folder, apart from gpbackup's {@code backups/}; list_backups and prune never see it. */
    static final String PROBE_FOLDER = ".gpbackup_s3_plugin_check/";
    /** Big enough for a rate that means something, small enough for a few seconds on a slow link. */
    static final int PROBE_BYTES = 8 * 1024 * 1024;
    static final int LATENCY_REQUESTS = 5;
    /** How much of a stored object {@code --read-only} reads: proof of access, not a download. */
    private static final long READ_SAMPLE_BYTES = 64 * 1024;
    private static final double MIB = 1024.0 * 1024;

    private final S3Client s3;
    private final CheckDiagnosis diagnosis;
    private final KeyLayout layout;
    private final Checklist list;
    private final BiFunction<String, Long, Progress> progress;
    private final SealedObjects sealed;

    /** @param sealed seals a second probe on the host when client-side encryption is on */
    StoreChecks(S3Client s3, CheckDiagnosis diagnosis, KeyLayout layout, Checklist list,
                BiFunction<String, Long, Progress> progress, SealedObjects sealed) {
        this.sealed = sealed;
        this.s3 = s3;
        this.diagnosis = diagnosis;
        this.layout = layout;
        this.list = list;
        this.progress = progress;
    }

    /** @param probeName this run's part of the probe's name: host and pid, to which a random suffix is added */
    void run(boolean readOnly, String probeName) throws IOException {
        String folder = where(layout.folderPrefix());
        if (!bucket(folder) || !latency(folder)) {
            list.add(CheckResult.skipped(readOnly ? "read" : "write", "not tried: the folder cannot be listed"));
            return;
        }
        boolean lockable = objectLock(readOnly);
        if (readOnly) {
            readStored(folder);
            list.add(CheckResult.skipped("write", "not tried (--read-only)"));
        } else if (!lockable) {
            list.add(CheckResult.skipped("write", "not tried: S3 refuses every upload that asks for a retention on"
                    + " a bucket without Object Lock"));
        } else {
            String suffix = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
            probe(layout.folderPrefix() + PROBE_FOLDER + probeName + "-" + suffix);
            if (sealed.sealing()) {
                sealedProbe(layout.folderPrefix() + PROBE_FOLDER + probeName + "-" + suffix + "-sealed");
            }
        }
    }

    private boolean bucket(String folder) throws IOException {
        try {
            ListPage page = s3.listPage(layout.folderPrefix(), Optional.empty(), 1);
            return list.add(CheckResult.passed("bucket", folder + " can be listed (ListObjectsV2), "
                    + (page.objects().isEmpty() ? "nothing stored there yet" : "objects stored there")));
        } catch (S3Exception e) {
            return list.add(diagnosis.of("bucket", "s3:ListBucket", folder, e));
        }
    }

    /**
     * Under object_lock_mode, whether the bucket has Object Lock enabled, as the setup hook asks
     * ({@link ObjectLocks}). Only a restore is tried under {@code --read-only}, which needs no
     * lock, so there a problem is a warning.
     *
     * @return false only when the bucket is known to have no Object Lock
     */
    private boolean objectLock(boolean readOnly) throws IOException {
        Optional<StoragePolicy.ObjectLock> lock = s3.policy().objectLock();
        if (lock.isEmpty()) {
            return true;
        }
        String bucket = diagnosis.endpoint().bucket();
        CheckResult result;
        boolean enabled = true;
        try {
            enabled = s3.objectLockEnabled();
            result = enabled ? CheckResult.passed("object lock", "bucket '" + bucket + "' has Object Lock enabled"
                    + " (GetObjectLockConfiguration); backups are written with " + lock.get().mode() + " retention for "
                    + days(lock.get().retainDays()))
                    : CheckResult.failed("object lock", ObjectLocks.noBucketLock(bucket), ObjectLocks.NO_BUCKET_LOCK_FIX);
        } catch (S3Exception e) {
            result = diagnosis.of("object lock", "s3:GetBucketObjectLockConfiguration", "bucket '" + bucket + "'", e);
        }
        list.add(readOnly && result.isFailure() ? asWarning(result, "; a restore does not need it") : result);
        return enabled;
    }

    private static CheckResult asWarning(CheckResult failed, String why) {
        return new CheckResult(failed.name(), CheckResult.Outcome.WARNING, failed.detail() + why, failed.fix());
    }

    private static String days(int n) {
        return n + (n == 1 ? " day" : " days");
    }

    /** Small requests after the first, whose connection set-up would count otherwise; their median. */
    private boolean latency(String folder) throws IOException {
        long[] millis = new long[LATENCY_REQUESTS];
        try {
            for (int i = 0; i < LATENCY_REQUESTS; i++) {
                long start = System.nanoTime();
                s3.listPage(layout.folderPrefix(), Optional.empty(), 1);
                millis[i] = (System.nanoTime() - start) / 1_000_000;
            }
        } catch (S3Exception e) {
            return list.add(diagnosis.of("latency", "s3:ListBucket", folder, e));
        }
        Arrays.sort(millis);
        return list.add(CheckResult.passed("latency", "median " + millis[LATENCY_REQUESTS / 2] + " ms over "
                + LATENCY_REQUESTS + " requests (ListObjectsV2 of one key), " + millis[0] + " to "
                + millis[LATENCY_REQUESTS - 1] + " ms"));
    }

    /** Reads the start of the first non-empty object under the folder (of the first 100 listed), as a restore would. */
    private void readStored(String folder) throws IOException {
        Optional<ObjectSummary> stored;
        try {
            stored = s3.listPage(layout.folderPrefix(), Optional.empty(), 100).objects().stream()
                    // Folder placeholders (keys ending in "/") are no data; some stores give them a size.
                    .filter(o -> o.size() > 0 && !o.key().endsWith("/")).findFirst();
        } catch (S3Exception e) {
            list.add(diagnosis.of("read", "s3:ListBucket", folder, e));
            return;
        }
        if (stored.isEmpty()) {
            list.add(CheckResult.skipped("read", "nothing stored under " + folder + " to read"));
            return;
        }
        String key = stored.get().key();
        long length = Math.min(READ_SAMPLE_BYTES, stored.get().size());
        try {
            Sha256Sink sink = new Sha256Sink();
            s3.getFirstBytes(key, length, sink, new Cancellation());
            list.add(CheckResult.passed("read", sink.length() + " bytes of " + where(key) + " read (GetObject)"));
        } catch (S3Exception e) {
            list.add(diagnosis.of("read", "s3:GetObject", where(key), e));
        }
    }

    /**
     * Writes, reads back, compares and deletes the probe; the transfer rates come from the same
     * object. The probe is written as a backup's objects are (the config's encryption, storage
     * class and Object Lock), since that is what is to be proven; under a lock it outlives its
     * delete, which {@link #delete} says. The progress line is cleared before each checklist
     * line printed while it lives: both go to the same terminal.
     */
    private void probe(String key) throws IOException {
        byte[] data = new byte[PROBE_BYTES];
        ThreadLocalRandom.current().nextBytes(data);
        String probe = where(key);
        List<String> rates = new ArrayList<>();
        try (Progress shown = progress.apply(CheckCommand.NAME + " throughput", 2L * PROBE_BYTES)) {
            long start = System.nanoTime();
            Instant written = s3.clock().instant();
            try {
                s3.putObject(key, Payload.of(data), Map.of());
            } catch (S3Exception e) {
                shown.clear();
                list.add(writeRefused(e));
                list.add(CheckResult.skipped("throughput", "not measured: nothing was written"));
                return;
            }
            rates.add(rate("written", PROBE_BYTES, System.nanoTime() - start));
            shown.advance(PROBE_BYTES);
            shown.clear();
            list.add(CheckResult.passed("write", PROBE_BYTES / 1024 / 1024 + " MiB probe written to " + probe
                    + " (PutObject" + storedWith() + ")"));
            storedAsAsked(key, probe, written);
            try {
                start = System.nanoTime();
                Sha256Sink sink = new Sha256Sink();
                s3.getFirstBytes(key, PROBE_BYTES, sink, new Cancellation());
                rates.add(rate("read", PROBE_BYTES, System.nanoTime() - start));
                shown.advance(PROBE_BYTES);
                // Done with bytes: the final state ends the progress line above the verdicts.
                shown.close();
                if (sink.length() == PROBE_BYTES && MessageDigest.isEqual(sink.digest(), Digests.sha256().digest(data))) {
                    list.add(CheckResult.passed("read back", "identical: " + PROBE_BYTES + " bytes, same SHA-256"
                            + " (GetObject)"));
                } else {
                    list.add(CheckResult.failed("read back", "the probe read back differs from what was written ("
                            + sink.length() + " of " + PROBE_BYTES + " bytes, another SHA-256)", "something between"
                            + " this host and the store changes data (a proxy, a gateway): do not back up through it;"
                            + " ask the administrator of " + diagnosis.endpoint().display()));
                    rates.clear();
                }
            } catch (S3Exception e) {
                shown.clear();
                list.add(diagnosis.of("read back", "s3:GetObject", probe, e));
                rates.clear();
            } finally {
                shown.clear();
                delete(key, probe);
            }
        }
        list.add(rates.isEmpty() ? CheckResult.skipped("throughput", "not measured: the probe was not read back")
                : CheckResult.passed("throughput", String.join(", ", rates) + "; one stream, where a backup runs"
                        + " up to backup_max_concurrent_requests"));
    }

    /**
     * Client-side encryption proved end to end: a probe of a few frames sealed on the host as a backup file is,
     * written, read back as the store holds it (sealed, none of its plaintext in it), opened, compared, deleted.
     */
    private void sealedProbe(String key) throws IOException {
        String name = "client-side encryption";
        byte[] data = new byte[3 * SealedObjects.FRAME_SIZE + 1];
        ThreadLocalRandom.current().nextBytes(data);
        String probe = where(key);
        byte[] sealedBytes = sealed.forUpload(new ByteArrayInputStream(data), key).readAllBytes();
        try {
            s3.putObject(key, Payload.of(sealedBytes), sealed.uploadMetadata());
        } catch (S3Exception e) {
            list.add(diagnosis.of(name, "s3:PutObject", probe, e));
            return;
        }
        try {
            ByteArrayOutputStream stored = new ByteArrayOutputStream();
            ObjectInfo info = s3.getFirstBytes(key, sealedBytes.length, new BodySink() {
                @Override
                public void begin(long length) {
                    stored.reset();
                }

                @Override
                public void accept(ByteBuffer buffer) {
                    byte[] chunk = new byte[buffer.remaining()];
                    buffer.get(chunk);
                    stored.writeBytes(chunk);
                }
            }, new Cancellation());
            byte[] held = stored.toByteArray();
            Optional<byte[]> opened = SealedObjects.isSealed(info, key)
                    ? sealed.openPrefix(key, info, held) : Optional.empty();
            if (opened.isEmpty() || !Arrays.equals(opened.get(), data) || holdsPlaintext(held, data)) {
                list.add(CheckResult.failed(name, "the sealed probe " + probe + " did not come back as written: "
                        + (opened.isEmpty() ? "its seal mark is gone from its metadata" : "the store holds its plaintext"
                        + " or it opened to other bytes"), "something between this host and the store changes data"
                        + " or metadata: do not back up through it"));
            } else {
                list.add(CheckResult.passed(name, data.length + "-byte probe sealed on the host with key "
                        + fingerprint(held) + ", stored sealed (" + held.length
                        + " bytes, none of its plaintext), read back and opened identical"));
            }
        } catch (S3Exception e) {
            list.add(diagnosis.of(name, "s3:GetObject", probe, e));
        } catch (SealException e) {
            list.add(CheckResult.failed(name, e.getMessage(), "something between this host and the store changes"
                    + " data: do not back up through it"));
        } finally {
            delete(key, probe);
        }
    }

    /** The header's key fingerprint, bytes 13 to 21 of a sealed object, in hex. */
    private static String fingerprint(byte[] sealedObject) {
        return HexFormat.of().formatHex(sealedObject, 13, 21);
    }

    /** Whether any 32-byte run of {@code plaintext}, at a few places, shows in {@code stored}. */
    private static boolean holdsPlaintext(byte[] stored, byte[] plaintext) {
        for (int at = 0; at + 32 <= plaintext.length; at += plaintext.length / 8) {
            byte[] run = Arrays.copyOfRange(plaintext, at, at + 32);
            for (int i = 0; i + 32 <= stored.length; i++) {
                if (Arrays.equals(stored, i, i + 32, run, 0, 32)) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * One line per storage option, proved by the store's report on the probe as after every
     * backup upload (S3Client#proveStorage), a lock the store ignored applied afterwards as a
     * backup does: a store can answer 200 to a header it ignores.
     */
    private void storedAsAsked(String key, String probe, Instant written) throws IOException {
        if (s3.policy().proofs(StorageReport.NONE, written).isEmpty()) {
            return;
        }
        StorageConfirmation confirmation;
        try {
            confirmation = s3.proveStorage(key, s3.headObject(key), written);
        } catch (S3Exception e) {
            list.add(diagnosis.of("stored as asked", "s3:GetObject and s3:PutObjectRetention", probe, e));
            return;
        }
        for (OptionProof proof : confirmation.proofs()) {
            String name = proofName(proof.option());
            if (proof.kept()) {
                String repaired = proof.isLock() && confirmation.lockApplied()
                        ? " after PutObjectRetention: the store ignored the lock headers of the write, so every"
                                + " backup object gets its retention set afterwards, one request more"
                        : "";
                list.add(CheckResult.passed(name, proof.option() + " " + proof.asked() + ": the store reports "
                        + proof.reported().orElse("STANDARD (no storage class header)") + " on the probe (HeadObject)"
                        + repaired));
            } else {
                list.add(CheckResult.failed(name, proof.option() + " " + proof.asked() + " is not applied: "
                        + diagnosis.endpoint().display() + " answered the write with 200 but reports "
                        + proof.reported().orElse("none") + " on the probe, so every backup upload would fail",
                        "remove " + proof.option() + " from the config if this store does not offer it, or have its"
                                + " administrator enable it"));
            }
        }
    }

    private static String proofName(String option) {
        return switch (option) {
            case "server_side_encryption" -> "encryption";
            case "sse_kms_key_id" -> "KMS key";
            case "sse_customer_key" -> "SSE-C";
            case "storage_class" -> "storage class";
            default -> "retention";
        };
    }

    /** The storage options the probe carried, as a backup's objects do; empty for the bucket's defaults. */
    private String storedWith() {
        StoragePolicy policy = s3.policy();
        List<String> options = new ArrayList<>();
        policy.serverSideEncryption().ifPresent(sse -> options.add("server_side_encryption " + sse
                + policy.kmsKeyId().map(id -> " with key " + id).orElse("")));
        policy.customerKey().ifPresent(key -> options.add("an SSE-C key"));
        policy.storageClass().ifPresent(c -> options.add("storage_class " + c));
        policy.objectLock().ifPresent(lock -> options.add(lock.mode() + " Object Lock for " + days(lock.retainDays())));
        return options.isEmpty() ? ", the bucket's default encryption and storage class"
                : ", with " + String.join(", ", options);
    }

    /** A refused PutObject; when the server refused the storage options' headers, the fix names them. */
    private CheckResult writeRefused(S3Exception e) {
        if (e.refusedOptions().isEmpty()) {
            return diagnosis.of("write", "s3:PutObject", where(layout.folderPrefix()), e);
        }
        String options = e.refusedOptions().get();
        String kms = s3.policy().serverSideEncryption().filter("aws:kms"::equals).isPresent()
                ? "; for aws:kms, the key must exist in the bucket's region and allow kms:GenerateDataKey and"
                        + " kms:Decrypt to the user or role of '" + diagnosis.accessKeyId() + "'"
                : "";
        return CheckResult.failed("write", e.getMessage(), "correct " + options + " in the config (spec/config.md),"
                + " or remove them if " + diagnosis.endpoint().display() + " does not offer that feature" + kms);
    }

    /**
     * A probe left behind is no reason a backup would fail, but prune and delete_backup need the
     * permission too. Under Object Lock (the config's, or the bucket's default retention) a
     * DeleteObject succeeds yet only puts a delete marker over the probe, whose version stays
     * locked: one HEAD asks first, and the outcome is a warning, not a failure.
     */
    private void delete(String key, String probe) throws IOException {
        Optional<ObjectRetention> locked = Optional.empty();
        try {
            locked = Optional.of(s3.objectRetention(key)).filter(r -> r.lockedAt(s3.clock().instant()));
        } catch (S3Exception e) {
            // Not knowing the lock changes nothing about the delete below, which says what went wrong.
        }
        try {
            s3.deleteObject(key, Optional.empty());
        } catch (S3Exception e) {
            list.add(asWarning(diagnosis.of("delete", "s3:DeleteObject", probe, e), "; the probe " + probe
                    + " stays behind (delete_backup and prune need this permission too)"));
            return;
        }
        if (locked.isEmpty()) {
            list.add(CheckResult.passed("delete", "probe deleted (DeleteObject)"));
            return;
        }
        ObjectRetention retention = locked.get();
        String until = retention.retainUntil().map(date -> " until " + date).orElse("")
                + retention.mode().map(mode -> " (" + mode + ")").orElse("")
                + (retention.legalHold() ? " and under a legal hold" : "");
        list.add(CheckResult.warning("delete", "the probe is under Object Lock" + until + ": DeleteObject only put a"
                + " delete marker over it, and its " + PROBE_BYTES / 1024 / 1024 + " MiB version stays stored (and"
                + " billed) until then", "nothing to do for backups; a lifecycle rule expiring noncurrent versions"
                + " removes it once the lock ends; check --read-only writes no probe"));
    }

    private String where(String key) {
        return "s3://" + diagnosis.endpoint().bucket() + "/" + key;
    }

    private static String rate(String what, long bytes, long nanos) {
        double seconds = Math.max(nanos, 1) / 1e9;
        return String.format(Locale.ROOT, "%d MiB %s in %.2f s (%.1f MiB/s)", bytes / 1024 / 1024, what, seconds,
                bytes / MIB / seconds);
    }

    /** Digests a body as it lands, without keeping it; a retried answer starts over. */
    private static final class Sha256Sink implements BodySink {
        private MessageDigest digest = Digests.sha256();
        private long length;

        @Override
        public void begin(long announced) {
            digest = Digests.sha256();
            length = 0;
        }

        @Override
        public void accept(ByteBuffer bytes) {
            length += bytes.remaining();
            digest.update(bytes);
        }

        long length() {
            return length;
        }

        byte[] digest() {
            return digest.digest();
        }
    }
}
