package gpbackup.s3plugin.backup;

import gpbackup.s3plugin.json.JsonText;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The two outputs of {@code list_backups}: an aligned table for people, one JSON document for
 * scripts. A backup without a report whose newest object is younger than {@code grace} at
 * {@code now} shows as "incomplete, may be running".
 */
public final class BackupListing {
    private static final String[] HEADER = {"TIMESTAMP", "OBJECTS", "BYTES", "SEGMENTS", "DATABASE", "GPBACKUP",
        "TYPE", "COMPRESSION", "STATUS"};

    private BackupListing() {
    }

    public static String table(String bucket, KeyLayout layout, BackupCatalog.Listing listing, Instant now,
                               Duration grace) {
        StringBuilder text = new StringBuilder();
        if (listing.backups().isEmpty()) {
            text.append("no backups under s3://").append(bucket).append('/').append(layout.folderPrefix())
                    .append("backups/\n");
        } else {
            List<String[]> rows = new ArrayList<>();
            rows.add(HEADER);
            long objects = 0;
            long bytes = 0;
            for (BackupSummary b : listing.backups()) {
                Optional<BackupReport> r = b.report();
                String status = b.mayBeRunning(now, grace).orElse(b.statusText()) + (b.inGoTrailingSlashLayout(layout)
                        ? " (in the Go plugin's layout for a folder ending in '/': " + layout.folderPrefix()
                        + "/backups/)" : "");
                rows.add(new String[] {b.timestamp(), Long.toString(b.objects()), Long.toString(b.bytes()),
                    Integer.toString(b.segments()), r.flatMap(BackupReport::database).orElse("-"),
                    r.flatMap(BackupReport::gpbackupVersion).orElse("-"),
                    r.map(BackupReport::backupType).orElse("-"), r.flatMap(BackupReport::compression).orElse("-"),
                    oneLine(status)});
                objects += b.objects();
                bytes += b.bytes();
            }
            int[] widths = new int[HEADER.length];
            for (String[] row : rows) {
                for (int i = 0; i < row.length; i++) {
                    widths[i] = Math.max(widths[i], row[i].length());
                }
            }
            for (String[] row : rows) {
                StringBuilder line = new StringBuilder();
                for (int i = 0; i < row.length; i++) {
                    boolean number = i >= 1 && i <= 3 && row != HEADER;
                    String cell = i == row.length - 1 ? row[i]
                            : String.format("%" + (number ? "" : "-") + widths[i] + "s", row[i]);
                    line.append(cell).append(i == row.length - 1 ? "" : "  ");
                }
                text.append(line.toString().stripTrailing()).append('\n');
            }
            text.append(listing.backups().size()).append(" backups, ").append(objects).append(" objects, ")
                    .append(bytes).append(" bytes\n");
        }
        if (listing.unrecognized() > 0) {
            text.append(listing.unrecognized()).append(" objects under ").append(layout.folderPrefix())
                    .append("backups/ are not in a <YYYYMMDD>/<timestamp>/ directory and are not counted\n");
        }
        return text.toString();
    }

    /** The JSON document; its schema is in spec/commands.md. */
    public static String json(String bucket, String folder, BackupCatalog.Listing listing, Instant now,
                              Duration grace) {
        StringBuilder json = new StringBuilder();
        json.append("{\"bucket\":").append(JsonText.quote(bucket))
                .append(",\"folder\":").append(JsonText.quote(folder))
                .append(",\"backups\":[");
        String comma = "";
        for (BackupSummary b : listing.backups()) {
            Optional<BackupReport> r = b.report();
            json.append(comma).append("\n{\"timestamp\":").append(JsonText.quote(b.timestamp()))
                    .append(",\"objects\":").append(b.objects())
                    .append(",\"bytes\":").append(b.bytes())
                    .append(",\"segments\":").append(b.segments())
                    .append(",\"complete\":").append(b.complete())
                    .append(",\"state\":").append(JsonText.quote(b.state().name().toLowerCase(java.util.Locale.ROOT)))
                    .append(",\"status\":").append(orNull(r.flatMap(BackupReport::status)))
                    .append(",\"error\":").append(orNull(r.flatMap(BackupReport::error)))
                    .append(",\"report_empty\":").append(b.reportEmpty())
                    .append(",\"may_be_running\":").append(b.mayBeRunning(now, grace).isPresent())
                    .append(",\"newest_object\":").append(JsonText.quote(b.newest().toString()))
                    .append(",\"database\":").append(orNull(r.flatMap(BackupReport::database)))
                    .append(",\"gpbackup_version\":").append(orNull(r.flatMap(BackupReport::gpbackupVersion)))
                    .append(",\"gpdb_version\":").append(orNull(r.flatMap(BackupReport::gpdbVersion)))
                    .append(",\"backup_type\":").append(orNull(r.map(BackupReport::backupType)))
                    .append(",\"compression\":").append(orNull(r.flatMap(BackupReport::compression)))
                    .append(",\"incremental_set\":").append(array(r.map(BackupReport::incrementalSet).orElse(List.of())))
                    .append(",\"locations\":").append(array(b.locations())).append('}');
            comma = ",";
        }
        json.append("],\"unrecognized_objects\":").append(listing.unrecognized()).append("}\n");
        return json.toString();
    }

    private static String oneLine(String text) {
        return text.replaceAll("[\\r\\n\\t]+", " ");
    }

    private static String array(List<String> values) {
        return values.stream().map(JsonText::quote).collect(Collectors.joining(",", "[", "]"));
    }

    private static String orNull(Optional<String> value) {
        return value.map(JsonText::quote).orElse("null");
    }
}
