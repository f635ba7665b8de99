package gpbackup.s3plugin.command.verify;

import gpbackup.s3plugin.PluginException;
import gpbackup.s3plugin.UsageException;
import gpbackup.s3plugin.backup.KeyLayout;
import gpbackup.s3plugin.backup.SealedObjects;
import gpbackup.s3plugin.command.OperatorArguments;
import gpbackup.s3plugin.command.PluginContext;
import gpbackup.s3plugin.progress.Progress;
import gpbackup.s3plugin.s3.ObjectInfo;
import gpbackup.s3plugin.s3.ObjectSummary;
import gpbackup.s3plugin.s3.PartInfo;
import gpbackup.s3plugin.s3.S3Exception;
import gpbackup.s3plugin.transfer.DigestRecord;
import gpbackup.s3plugin.transfer.MultipartEtag;
import gpbackup.s3plugin.transfer.ObjectReadback.Algorithm;
import gpbackup.s3plugin.transfer.ObjectReadback;
import gpbackup.s3plugin.transfer.ParallelTransfers;
import gpbackup.s3plugin.transfer.PartDigest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BiFunction;
import java.util.function.LongConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code verify CONFIG TIMESTAMP [--json]}: proves one backup intact without restoring it. Every
 * object under the backup's prefix is read back whole, several at once within the memory budget,
 * and checked against what was stored: the digest record {@code backup_file}/{@code backup_data}
 * wrote beside it, else its ETag when that is an MD5 or a multipart ETag whose part boundaries
 * are known (never under SSE-KMS or SSE-C, whose ETags are not MD5s); every {@code .gz} is
 * decompressed to its end; the files a restore needs must be there. Reads only: read-only
 * credentials are enough.
 */
public final class VerifyCommand {
    private static final String NAME = "verify";
    private static final String JSON = "--json";
    private static final Pattern PLAIN_MD5 = Pattern.compile("\"?([0-9a-fA-F]{32})\"?");
    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern MULTIPART = Pattern.compile("\"?([0-9a-fA-F]{32})-([0-9]{1,5})\"?");

    private final PluginContext context;
    private final String timestamp;

    private VerifyCommand(PluginContext context, String timestamp) {
        this.context = context;
        this.timestamp = timestamp;
    }

    public static void verify(PluginContext context) throws IOException {
        OperatorArguments args = OperatorArguments.afterConfig(context, NAME, Set.of(JSON), Set.of());
        if (args.positional().size() != 1) {
            throw new UsageException(NAME + " needs one TIMESTAMP: " + NAME + " CONFIG TIMESTAMP [--json]");
        }
        new VerifyCommand(context, args.positional().get(0)).run(args.has(JSON));
    }

    private void run(boolean json) throws IOException {
        KeyLayout layout = context.layout();
        List<String> prefixes = layout.backupLocations(timestamp);
        Map<String, Long> objects = new TreeMap<>();
        List<String> records = new ArrayList<>();
        for (String prefix : prefixes) {
            for (ObjectSummary object : context.s3().listAll(prefix)) {
                if (object.key().endsWith("/")) {
                    continue; // a folder placeholder some stores list
                }
                if (KeyLayout.isDigestRecord(object.key())) {
                    records.add(object.key());
                } else {
                    objects.put(object.key(), object.size());
                }
            }
        }
        String location = "s3://" + context.config().bucket() + "/" + prefixes.get(0);
        if (objects.isEmpty() && records.isEmpty()) {
            throw new PluginException("no backup " + timestamp + " at " + location);
        }
        long start = System.nanoTime();
        List<ObjectVerdict> verdicts = checkAll(objects, Set.copyOf(records));
        for (String record : records) {
            String data = KeyLayout.dataKeyOf(record);
            if (!objects.containsKey(data)) {
                verdicts.add(ObjectVerdict.missing(data, "a digest record of it exists, the object does not"));
            }
        }
        for (String name : KeyLayout.filesRestoreNeeds(timestamp)) {
            String key = prefixes.get(0) + name;
            if (prefixes.stream().noneMatch(prefix -> objects.containsKey(prefix + name))) {
                verdicts.removeIf(v -> v.key().equals(key));
                verdicts.add(ObjectVerdict.missing(key, "gprestore needs it"));
            }
        }
        VerifyReport report = new VerifyReport(timestamp, location, verdicts, (System.nanoTime() - start) / 1_000_000);
        byte[] text = (json ? report.json() : report.text()).getBytes(StandardCharsets.UTF_8);
        context.stdout().write(text);
        context.stdout().flush();
        context.log().info("verify of backup " + timestamp + ": " + report.summary());
        if (!report.intact()) {
            throw new PluginException("backup " + timestamp + " is not proven intact: " + report.failures());
        }
    }

    /** Checks every object, {@code restore_max_concurrent_requests} at once; each read shares the one buffer pool. */
    private List<ObjectVerdict> checkAll(Map<String, Long> objects, Set<String> records) throws IOException {
        long total = objects.values().stream().mapToLong(Long::longValue).sum();
        List<String> keys = List.copyOf(objects.keySet());
        ObjectVerdict[] verdicts = new ObjectVerdict[keys.size()];
        try (Progress progress = context.progress("verify " + timestamp, total)) {
            LongConsumer advance = bytes -> {
                synchronized (progress) {
                    progress.advance(bytes);
                }
            };
            List<ParallelTransfers.Task> tasks = new ArrayList<>();
            for (int i = 0; i < keys.size(); i++) {
                int index = i;
                String key = keys.get(i);
                tasks.add(() -> verdicts[index] = checkQuietly(key, records.contains(KeyLayout.digestRecordKey(key)),
                        advance));
            }
            ParallelTransfers.runAll(context.config().restore().concurrency(), tasks);
        }
        return new ArrayList<>(List.of(verdicts));
    }

    /** One object's verdict; a failure to read it is its verdict, not the end of the run. */
    private ObjectVerdict checkQuietly(String key, boolean recorded, LongConsumer progress) {
        try {
            return check(key, recorded, progress);
        } catch (IOException | UncheckedIOException | PluginException e) {
            return new ObjectVerdict(key, -1, ObjectVerdict.Status.ERROR, List.of(), Optional.of(e.getMessage()));
        }
    }

    private ObjectVerdict check(String key, boolean recorded, LongConsumer progress) throws IOException {
        ObjectInfo info = context.s3().headObject(key);
        List<String> checks = new ArrayList<>();
        Optional<String> sha256 = Optional.ofNullable(info.userMetadata().get(DigestRecord.SHA256_METADATA));
        // The metadata travels with the object, so it wins over a record beside it (which a
        // rewrite of the object could have left stale) and spares reading that record.
        Optional<DigestRecord> record = sha256.isPresent() ? Optional.of(metadataRecord(key, info, sha256.get()))
                : recorded ? readRecord(key) : Optional.empty();
        if (record.isPresent() && record.get().size() != info.size()) {
            return new ObjectVerdict(key, info.size(), ObjectVerdict.Status.FAILED, checks, Optional.of(
                    "size " + info.size() + " differs from the recorded " + record.get().size()));
        }
        String where = sha256.isPresent() ? " recorded at backup in its metadata" : " recorded at backup";
        Plan plan = record.map(r -> recordedPlan(r, where)).orElseGet(() -> etagPlan(key, info));
        SealedObjects sealed = context.sealedObjects();
        boolean sealedObject = SealedObjects.isSealed(info, key);
        // A sealed file's gzip is inside its frames: checked only when they can be opened.
        boolean gzip = key.endsWith(".gz") && (!sealedObject || sealed.sealing());
        ObjectReadback.Result read = new ObjectReadback(context.downloader()).read(key, info, plan.partSizes(),
                plan.algorithm(), gzip, progress, sealed.forReadback(info, key));
        List<String> problems = new ArrayList<>();
        boolean proved = false;
        if (sealedObject) {
            checks.add(sealed.sealing() ? "sealed: every frame opened and authenticated"
                    : "sealed: header and length checked, frames not opened (client_side_encryption is off in this"
                            + " config, so there is no key)");
            proved = sealed.sealing();
        }
        if (plan.algorithm().isPresent()) {
            Optional<String> mismatch = plan.compare().apply(read.partDigests(), info);
            if (mismatch.isEmpty()) {
                checks.add(plan.description() + ": match");
                proved = true;
            } else if (plan.mismatchIsFault()) {
                checks.add(plan.description() + ": DIFFERS");
                problems.add(mismatch.get());
            } else {
                checks.add(mismatch.get());
            }
        } else {
            checks.add(plan.description());
        }
        record.filter(r -> !r.etag().isEmpty() && !r.etag().equals(info.etag()))
                .ifPresent(r -> checks.add("ETag " + info.etag() + " is not the recorded " + r.etag()
                        + " (the object was written again)"));
        if (gzip) {
            if (read.gzipFault().isPresent()) {
                checks.add("gzip: " + read.gzipFault().get());
                problems.add("gzip " + read.gzipFault().get());
            } else {
                checks.add("gzip: " + read.gzipMembers() + " member" + (read.gzipMembers() == 1 ? "" : "s")
                        + " decompressed to the end, CRC-32 and length match");
                proved = true;
            }
        }
        if (key.endsWith(KeyLayout.reportFile(timestamp)) && info.size() == 0) {
            problems.add("empty: gpbackup never wrote its report over the setup probe; the backup did not finish");
        }
        ObjectVerdict.Status status = !problems.isEmpty() ? ObjectVerdict.Status.FAILED
                : proved ? ObjectVerdict.Status.OK : ObjectVerdict.Status.UNPROVEN;
        Optional<String> problem = !problems.isEmpty() ? Optional.of(String.join("; ", problems))
                : proved ? Optional.empty() : Optional.of("read whole, but nothing to compare it with");
        return new ObjectVerdict(key, info.size(), status, checks, problem);
    }

    private Optional<DigestRecord> readRecord(String key) throws IOException {
        ByteArrayOutputStream stored = new ByteArrayOutputStream();
        if (context.downloader().downloadWhole(KeyLayout.digestRecordKey(key), stored).isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(DigestRecord.parse(stored.toByteArray()));
        } catch (IllegalArgumentException e) {
            throw new PluginException("its digest record " + KeyLayout.digestRecordKey(key) + " is damaged: "
                    + e.getMessage());
        }
    }

    /** The digest a single-part object carries as user metadata, as a record of its one part. */
    private static DigestRecord metadataRecord(String key, ObjectInfo info, String sha256) {
        if (!SHA256_HEX.matcher(sha256).matches()) {
            throw new PluginException("its metadata " + DigestRecord.SHA256_METADATA + " is not a SHA-256: '"
                    + sha256 + "'");
        }
        return new DigestRecord(info.size(), info.etag(), List.of(new PartDigest(info.size(), sha256)));
    }

    private Plan recordedPlan(DigestRecord record, String where) {
        List<Long> sizes = record.parts().stream().map(PartDigest::size).toList();
        List<String> expected = record.parts().stream().map(PartDigest::sha256Hex).toList();
        return new Plan(sizes, Optional.of(Algorithm.SHA256), true,
                "sha256 of " + parts(sizes.size()) + where, (digests, info) -> {
                    for (int i = 0; i < expected.size(); i++) {
                        if (i >= digests.size() || !expected.get(i).equals(digests.get(i))) {
                            return Optional.of("part " + (i + 1) + " of " + expected.size()
                                    + " differs from the digest recorded at backup");
                        }
                    }
                    return Optional.empty();
                });
    }

    /** Without a record of ours: what the ETag can prove, if anything. */
    private Plan etagPlan(String key, ObjectInfo info) {
        // Under SSE-KMS and SSE-C S3's ETag is no MD5 of the data, though it may look like one: an
        // MD5 compared with it would fail an intact object, so it is not compared at all.
        Optional<String> hidden = context.s3().policy().encryptionHidingMd5();
        if (hidden.isPresent()) {
            return Plan.none("no SHA-256 recorded, and under " + hidden.get() + " (the config's "
                    + (hidden.get().equals("SSE-C") ? "SSE-C key" : "server_side_encryption: aws:kms")
                    + ") an ETag is not an MD5 of the content: content not checkable by ETag");
        }
        // The object itself may say so where the config does not (a bucket's default SSE-KMS).
        Optional<String> reported = info.stored().encryptionHidingMd5();
        if (reported.isPresent()) {
            return Plan.none("no SHA-256 recorded, and under " + reported.get() + " (as the store reports of the"
                    + " object) an ETag is not an MD5 of the content: content not checkable by ETag");
        }
        Matcher md5 = PLAIN_MD5.matcher(info.etag());
        if (md5.matches()) {
            String expected = md5.group(1).toLowerCase(java.util.Locale.ROOT);
            return new Plan(List.of(info.size()), Optional.of(Algorithm.MD5), true, "MD5 against the single-part ETag",
                    (digests, object) -> digests.equals(List.of(expected)) ? Optional.empty()
                            : Optional.of("its MD5 differs from its ETag " + info.etag()));
        }
        Matcher multipart = MULTIPART.matcher(info.etag());
        if (!multipart.matches()) {
            return Plan.none("ETag " + info.etag() + " is not an MD5: content not checkable by ETag");
        }
        int count = Integer.parseInt(multipart.group(2));
        if (count == 1) {
            return multipartPlan(List.of(info.size()), true, "multipart ETag recomputed over its one part");
        }
        Optional<List<Long>> told = partsFromServer(key, count, info.size());
        if (told.isPresent()) {
            return multipartPlan(told.get(), true, "multipart ETag recomputed over " + parts(count)
                    + " (boundaries from the server)");
        }
        long partSize = context.config().backup().chunkSize();
        if (count > 0 && (info.size() + partSize - 1) / partSize == count) {
            List<Long> sizes = new ArrayList<>();
            for (long left = info.size(); left > 0; left -= partSize) {
                sizes.add(Math.min(partSize, left));
            }
            return multipartPlan(sizes, false, "multipart ETag recomputed over " + parts(count) + " of " + partSize
                    + " bytes (part boundaries inferred from backup_multipart_chunksize)");
        }
        return Plan.none("multipart ETag not checkable: part boundaries unknown");
    }

    /**
     * With boundaries the server told, a mismatch is a changed object; with inferred ones it may
     * only mean the guess was wrong, so then only a match counts, and a mismatch proves nothing.
     */
    private static Plan multipartPlan(List<Long> sizes, boolean told, String description) {
        return new Plan(sizes, Optional.of(Algorithm.MD5), told, description, (digests, info) -> {
            Optional<String> etag = MultipartEtag.of(digests);
            if (etag.isPresent() && etag.get().equalsIgnoreCase(quoted(info.etag()))) {
                return Optional.empty();
            }
            return Optional.of(told ? "its multipart ETag " + info.etag() + " does not match its content"
                    : "multipart ETag not checkable: part boundaries unknown (the configured part size does not"
                    + " reproduce it)");
        });
    }

    /** The part sizes a server that honours {@code ?partNumber=} tells; empty when it does not. */
    private Optional<List<Long>> partsFromServer(String key, int count, long size) {
        List<Long> sizes = new ArrayList<>();
        try {
            for (int part = 1; part <= count; part++) {
                PartInfo info = context.s3().headPart(key, part);
                if (info.partsCount().isEmpty() || info.partsCount().getAsInt() != count) {
                    return Optional.empty();
                }
                sizes.add(info.size());
            }
        } catch (S3Exception e) {
            return Optional.empty(); // a store that refuses partNumber: boundaries unknown
        }
        return sizes.stream().mapToLong(Long::longValue).sum() == size ? Optional.of(sizes) : Optional.empty();
    }

    private static String quoted(String etag) {
        return etag.startsWith("\"") ? etag : "\"" + etag + "\"";
    }

    private static String parts(int n) {
        return n + (n == 1 ? " part" : " parts");
    }

    /**
     * How an object's content is checked: part lengths, the digest per part, and how the digests
     * compare (what differs between the digests read and what was stored; empty when they agree).
     * A mismatch is a fault unless the part boundaries were only guessed.
     */
    private record Plan(List<Long> partSizes, Optional<Algorithm> algorithm, boolean mismatchIsFault, String description,
                        BiFunction<List<String>, ObjectInfo, Optional<String>> compare) {
        static Plan none(String why) {
            return new Plan(List.of(), Optional.empty(), false, why, (digests, info) -> Optional.empty());
        }
    }
}
