package gpbackup.s3plugin.command.plugin;

import gpbackup.s3plugin.UsageException;
import gpbackup.s3plugin.backup.DigestRecordStore;
import gpbackup.s3plugin.backup.SealedObjects;
import gpbackup.s3plugin.command.PluginContext;
import gpbackup.s3plugin.progress.Progress;
import gpbackup.s3plugin.progress.ProgressStreams;
import gpbackup.s3plugin.seal.FrameSpan;
import gpbackup.s3plugin.seal.ObjectOpener;
import gpbackup.s3plugin.transfer.ByteRange;
import gpbackup.s3plugin.transfer.RangedDownloader;
import gpbackup.s3plugin.transfer.StreamUploader.Upload;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/** {@code backup_data}, {@code restore_data} and {@code restore_data_subset}: table data through pipes. */
public final class DataCommands {
    private DataCommands() {
    }

    /** Streams stdin to the object for a data file path, sealed when client-side encryption is on. */
    public static void backupData(PluginContext context) throws IOException {
        String key = context.layout().keyFor(context.arg(1));
        long start = System.nanoTime();
        SealedObjects sealed = context.sealedObjects();
        Upload uploaded;
        try (Progress progress = context.progress(task("backup_data", context.arg(1)), -1)) {
            uploaded = context.uploader().uploadRecorded(key,
                    sealed.forUpload(ProgressStreams.counting(context.stdin(), progress), key), sealed.uploadMetadata());
        }
        DigestRecordStore.store(context.s3(), key, uploaded);
        context.log().info(TransferReport.line("Uploaded", uploaded.size(), key, start));
    }

    /**
     * Streams the object for a data file path to stdout. The first ranged GET also tells the
     * size, so a table's small object costs one request; only when it finds nothing (a missing
     * or an empty object) does HEAD look closer, at our key and at the Go plugin's. A person
     * watching the progress line gets the HEAD first, for the total that the ETA needs. A sealed object
     * (known by the user metadata either answer carries) is opened on the way: only authenticated plaintext
     * reaches stdout.
     */
    public static void restoreData(PluginContext context) throws IOException {
        long start = System.nanoTime();
        RangedDownloader downloader = context.downloader();
        SealedObjects sealed = context.sealedObjects();
        if (!context.watched()) {
            String key = context.layout().keyFor(context.arg(1));
            AtomicReference<SealedObjects.Opening> opening = new AtomicReference<>();
            Optional<Long> streamed = downloader.downloadWhole(key,
                    info -> opening.updateAndGet(none -> sealed.forWholeDownload(info, key, context.stdout())));
            if (streamed.isPresent()) {
                opening.get().finish();
                context.log().info(TransferReport.line("Downloaded", streamed.get(), key, start));
                return;
            }
        }
        StoredObject object = StoredObject.locate(context, context.arg(1));
        long bytes;
        try (Progress progress = context.progress(task("restore_data", context.arg(1)), object.info().size())) {
            SealedObjects.Opening out = sealed.forWholeDownload(object.info(), object.key(),
                    ProgressStreams.counting(context.stdout(), progress));
            bytes = downloader.download(object.key(), List.of(new ByteRange(0, object.info().size())),
                    Optional.of(object.info().etag()), out);
            out.finish();
        }
        context.log().info(TransferReport.line("Downloaded", bytes, object.key(), start));
    }

    /**
     * Streams only some byte ranges of the object to stdout, in the order listed. gprestore
     * uses this for a filtered restore of an uncompressed backup when {@code restore_subset: on}.
     */
    public static void restoreDataSubset(PluginContext context) throws IOException {
        Path offsetsFile = Path.of(context.arg(2));
        long start = System.nanoTime();
        StoredObject object = StoredObject.locate(context, context.arg(1));
        if (SealedObjects.isSealed(object.info(), object.key())) {
            restoreSealedSubset(context, object, offsetsFile, start);
            return;
        }
        List<ByteRange> ranges = readOffsets(offsetsFile, object.info().size());
        long total = ranges.stream().mapToLong(ByteRange::length).sum();
        long bytes;
        try (Progress progress = context.progress(task("restore_data_subset", context.arg(1)), total)) {
            bytes = context.downloader().download(object.key(), ranges, Optional.of(object.info().etag()),
                    ProgressStreams.counting(context.stdout(), progress));
        }
        context.log().info(TransferReport.line("Downloaded", bytes,
                object.key() + " (" + ranges.size() + " ranges)", start));
    }

    /**
     * The ranges of a sealed object: each plaintext range maps to the whole frames holding it, and only those
     * are fetched (after the header), opened and cut to the range. Ranges are offsets into the plaintext.
     */
    private static void restoreSealedSubset(PluginContext context, StoredObject object, Path offsetsFile, long start)
            throws IOException {
        RangedDownloader downloader = context.downloader();
        ObjectOpener opener = context.sealedObjects().opener(downloader, object.key(), object.info());
        long sealedLength = object.info().size();
        List<ByteRange> ranges = readOffsets(offsetsFile, opener.plaintextLength(sealedLength));
        List<FrameSpan> spans = ranges.stream().filter(range -> range.length() > 0)
                .map(range -> opener.span(sealedLength, range.start(), range.end())).toList();
        long total = ranges.stream().mapToLong(ByteRange::length).sum();
        long fetched;
        try (Progress progress = context.progress(task("restore_data_subset", context.arg(1)), total)) {
            SealedObjects.Opening out = SealedObjects.forSpans(opener, spans,
                    ProgressStreams.counting(context.stdout(), progress));
            fetched = downloader.download(object.key(),
                    spans.stream().map(span -> new ByteRange(span.sealedStart(), span.sealedEnd())).toList(),
                    Optional.of(object.info().etag()), out);
            out.finish();
        }
        context.log().info(TransferReport.line("Downloaded", total, object.key() + " (" + ranges.size()
                + " ranges of its sealed plaintext, " + fetched + " sealed bytes fetched)", start));
    }

    /** What a progress line calls a transfer: the command and the file's name, its path being long. */
    static String task(String command, String path) {
        return command + " " + Path.of(path).getFileName();
    }

    /**
     * Parses gprestore's offsets file: {@code N s1 e1 s2 e2 ...}, N half-open byte ranges, all of
     * which must lie inside an object of {@code objectSize} bytes.
     */
    public static List<ByteRange> readOffsets(Path file, long objectSize) throws IOException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII).strip();
        } catch (NoSuchFileException e) {
            throw new UsageException("offsets file " + file + " does not exist");
        }
        String[] words = text.isEmpty() ? new String[0] : text.split("\\s+");
        if (words.length == 0) {
            throw new UsageException("offsets file " + file + " is empty");
        }
        long count = number(words[0], file);
        if (count != (words.length - 1) / 2 || (words.length - 1) % 2 != 0) {
            throw new UsageException("offsets file " + file + " announces " + words[0] + " ranges but holds "
                    + (words.length - 1) + " numbers");
        }
        List<ByteRange> ranges = new ArrayList<>();
        for (int i = 1; i < words.length; i += 2) {
            long s = number(words[i], file);
            long e = number(words[i + 1], file);
            if (e < s || e > objectSize) {
                throw new UsageException("offsets file " + file + ": range [" + s + ", " + e
                        + ") does not fit an object of " + objectSize + " bytes");
            }
            ranges.add(new ByteRange(s, e));
        }
        return ranges;
    }

    private static long number(String word, Path file) {
        try {
            long value = Long.parseLong(word);
            if (value >= 0) {
                return value;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new UsageException("offsets file " + file + ": '" + word + "' is not a byte offset");
    }
}
