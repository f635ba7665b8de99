package gpbackup.s3plugin.backup;

import gpbackup.s3plugin.s3.BodySink;
import gpbackup.s3plugin.s3.Cancellation;
import gpbackup.s3plugin.s3.ListPage;
import gpbackup.s3plugin.s3.ObjectInfo;
import gpbackup.s3plugin.s3.ObjectSummary;
import gpbackup.s3plugin.s3.S3Client;
import gpbackup.s3plugin.s3.S3Exception;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The backups under the configured folder, read from the bucket alone: every key under
 * {@code <folder>/backups/} (and the Go plugin's {@code <folder>//backups/}) is listed page by page
 * and counted into its backup as it arrives, so memory grows with the number of backups, not of
 * objects; then each backup's report is read. Needs only ListBucket and GetObject.
 */
public final class BackupCatalog {
    /** {@code <date>/<timestamp>/<file>} below a backups prefix. */
    private static final Pattern BACKUP_KEY = Pattern.compile("([0-9]{8})/([0-9]{14})/(.+)");
    /** A segment's file: {@code gpbackup_<contentid>_<timestamp>_<oid>.gz}, {@code ..._toc.yaml}, {@code ....gz}; coordinator files have no id. */
    private static final Pattern SEGMENT_FILE = Pattern.compile("gpbackup_([0-9]{1,9})_([0-9]{14})([_.].*)?");
    private static final int PAGE = 1000;
    /** Reports are a few KB; anything past this is object counts, which are not read. */
    private static final int REPORT_BYTES = 1 << 20;

    /** The backups found, in timestamp order, and how many keys under the prefixes fit no backup. */
    public record Listing(List<BackupSummary> backups, long unrecognized) {
    }

    private final S3Client s3;
    private final KeyLayout layout;
    private final SealedObjects sealed;

    /** A catalog whose sealed reports stay unread (no keys): their backups list as complete, status unknown. */
    public BackupCatalog(S3Client s3, KeyLayout layout) {
        this(s3, layout, new SealedObjects(Optional.empty()));
    }

    /** @param sealed opens the reports of sealed backups when it has the keys; without, their status is unknown */
    public BackupCatalog(S3Client s3, KeyLayout layout, SealedObjects sealed) {
        this.s3 = s3;
        this.layout = layout;
        this.sealed = sealed;
    }

    public Listing read() {
        Map<String, Tally> tallies = new TreeMap<>();
        long unrecognized = 0;
        for (String prefix : layout.backupsPrefixes()) {
            Optional<String> token = Optional.empty();
            do {
                ListPage page = s3.listPage(prefix, token, PAGE);
                for (ObjectSummary object : page.objects()) {
                    String rest = object.key().substring(prefix.length());
                    if (rest.endsWith("/")) {
                        continue; // a folder placeholder of some servers
                    }
                    Matcher m = BACKUP_KEY.matcher(rest);
                    if (!m.matches()) {
                        unrecognized++;
                        continue;
                    }
                    String timestamp = m.group(2);
                    tallies.computeIfAbsent(timestamp, Tally::new)
                            .add(prefix + m.group(1) + "/" + timestamp + "/", m.group(3), object);
                }
                token = page.nextToken();
            } while (token.isPresent());
        }
        List<BackupSummary> backups = new ArrayList<>();
        for (Tally tally : tallies.values()) {
            backups.add(tally.summary(this));
        }
        return new Listing(List.copyOf(backups), unrecognized);
    }

    /** The report; empty when it is empty or vanished since the listing (a prune or delete_backup at work). */
    private Optional<BackupReport> readReport(String key) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        BodySink sink = new BodySink() {
            @Override
            public void begin(long length) {
                bytes.reset();
            }

            @Override
            public void accept(ByteBuffer buffer) {
                byte[] chunk = new byte[buffer.remaining()];
                buffer.get(chunk);
                bytes.write(chunk, 0, chunk.length);
            }
        };
        ObjectInfo info;
        try {
            info = s3.getFirstBytes(key, REPORT_BYTES, sink, new Cancellation());
        } catch (S3Exception e) {
            if (e.isNotFound()) {
                return Optional.empty();
            }
            throw e;
        }
        if (SealedObjects.isSealed(info, key)) {
            try {
                Optional<byte[]> opened = sealed.openPrefix(key, info, bytes.toByteArray());
                // Without the key the backup still finished (the report exists): never "incomplete",
                // which prune would delete beside a newer complete backup.
                return opened.isEmpty() ? Optional.of(BackupReport.sealedWithoutKey())
                        : report(new String(opened.get(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return report(bytes.toString(StandardCharsets.UTF_8));
    }

    private static Optional<BackupReport> report(String text) {
        return text.isEmpty() ? Optional.empty() : Optional.of(BackupReport.parse(text));
    }

    /** Counts of one backup while the listing runs. */
    private static final class Tally {
        private final String timestamp;
        private final TreeSet<String> locations = new TreeSet<>();
        private final TreeSet<Integer> segments = new TreeSet<>();
        private final List<ObjectSummary> reports = new ArrayList<>(1);
        private long objects;
        private long bytes;
        private Instant newest = Instant.EPOCH;

        Tally(String timestamp) {
            this.timestamp = timestamp;
        }

        void add(String location, String file, ObjectSummary object) {
            locations.add(location);
            newest = object.lastModified().isAfter(newest) ? object.lastModified() : newest;
            if (KeyLayout.isDigestRecord(file)) {
                return; // verify's proof of a file, not a file gpbackup wrote; deleted with the backup all the same
            }
            objects++;
            bytes += object.size();
            Matcher segment = SEGMENT_FILE.matcher(file);
            if (segment.matches() && segment.group(2).equals(timestamp)) {
                segments.add(Integer.parseInt(segment.group(1)));
            }
            if (file.equals(KeyLayout.reportFile(timestamp))) {
                reports.add(object);
            }
        }

        BackupSummary summary(BackupCatalog catalog) {
            Optional<BackupReport> report = Optional.empty();
            for (ObjectSummary candidate : reports) {
                if (candidate.size() > 0) {
                    report = catalog.readReport(candidate.key());
                    if (report.isPresent()) {
                        break;
                    }
                }
            }
            boolean empty = report.isEmpty() && reports.stream().anyMatch(r -> r.size() == 0);
            return new BackupSummary(timestamp, objects, bytes, segments.size(), List.copyOf(locations), report,
                    empty, newest);
        }
    }
}
