package gpbackup.s3plugin.backup;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What gpbackup's {@code gpbackup_<ts>_report} says about its backup. gpbackup writes the report
 * at the very end, after {@code _config.yaml}, for a successful and for a failed backup alike, as
 * {@code key:   value} lines ("backup status:" is {@code Success} or {@code Failure}, followed by
 * "backup error:" when it failed); an incremental backup lists its restore plan's timestamps, one
 * a line, after "incremental backup set:". Unknown fields are empty, never guessed.
 *
 * @param status         {@code Success}, {@code Failure}, or empty when the report has no status line
 * @param error          the failed backup's error
 * @param incrementalSet the backups an incremental restore reads, itself included; empty for a full backup
 */
public record BackupReport(Optional<String> status, Optional<String> error, Optional<String> database,
                    Optional<String> gpbackupVersion, Optional<String> gpdbVersion, Optional<String> compression,
                    Optional<String> section, boolean incremental, List<String> incrementalSet) {
    static final String SUCCESS = "Success";
    static final String FAILURE = "Failure";
    /** No status gpbackup writes: the report is sealed and this process has no key to open it. */
    private static final String SEALED = "(sealed)";

    /** A report that exists but is sealed, read without the key: its backup finished, nothing more is known. */
    public static BackupReport sealedWithoutKey() {
        return new BackupReport(Optional.of(SEALED), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.empty(), false, List.of());
    }

    boolean sealed() {
        return status.filter(SEALED::equals).isPresent();
    }

    static BackupReport parse(String text) {
        Map<String, String> fields = new HashMap<>();
        List<String> set = new ArrayList<>();
        boolean inSet = false;
        for (String raw : text.split("\r?\n")) {
            String line = raw.strip();
            if (inSet && line.matches("[0-9]{14}")) {
                set.add(line);
                continue;
            }
            inSet = false;
            int colon = line.indexOf(':');
            if (colon <= 0) {
                continue;
            }
            String key = line.substring(0, colon).strip().toLowerCase(java.util.Locale.ROOT);
            String value = line.substring(colon + 1).strip();
            if (key.equals("incremental backup set")) {
                inSet = true;
            } else {
                fields.putIfAbsent(key, value);
            }
        }
        return new BackupReport(field(fields, "backup status"), field(fields, "backup error"),
                field(fields, "database name"), field(fields, "gpbackup version"), field(fields, "gpdb version"),
                field(fields, "compression"), field(fields, "backup section"),
                field(fields, "incremental").filter("true"::equalsIgnoreCase).isPresent(), List.copyOf(set));
    }

    private static Optional<String> field(Map<String, String> fields, String key) {
        return Optional.ofNullable(fields.get(key)).filter(v -> !v.isEmpty());
    }

    boolean succeeded() {
        return status.filter(SUCCESS::equals).isPresent();
    }

    boolean failed() {
        return status.filter(FAILURE::equals).isPresent();
    }

    /** {@code full} or {@code incremental}, and the section when not all of them. */
    String backupType() {
        String type = incremental ? "incremental" : "full";
        return section.filter(s -> !s.equalsIgnoreCase("All Sections"))
                .map(s -> type + " " + s.toLowerCase(java.util.Locale.ROOT).replace(' ', '-')).orElse(type);
    }
}
