package gpbackup.s3plugin.backup;

import gpbackup.s3plugin.UsageException;
import gpbackup.s3plugin.transfer.DigestRecord;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Where gpbackup's files live in the bucket, the same as the Go plugin:
 * {@code <folder>/backups/<YYYYMMDD>/<timestamp>/<file>}, taken from the last four
 * '/'-separated parts of the local path gpbackup passes.
 */
public record KeyLayout(String folder) {
    private static final Pattern TIMESTAMP = Pattern.compile("[0-9]{14}");
    private static final String DIGEST_RECORD_SUFFIX = DigestRecord.KEY_SUFFIX;
    static final String AOT_TRAINING_FOLDER = ".gpbackup_s3_plugin_aot_training/";

    /** The object key for a local backup path such as {@code /data/gpseg0/backups/20240101/20240101120000/f}. */
    public String keyFor(String path) {
        String[] parts = path.split("/", -1);
        if (parts.length < 4) {
            throw new UsageException("path '" + path + "' must end in backups/<YYYYMMDD>/<timestamp>/<file>"
                    + " (at least four '/'-separated parts)");
        }
        return folder + "/" + String.join("/", Arrays.copyOfRange(parts, parts.length - 4, parts.length));
    }

    /**
     * The key the Go plugin used for the same path when the config's folder ended in a slash:
     * it joined folder and file with another "/", giving {@code <folder>//backups/...}.
     */
    public String goTrailingSlashKeyFor(String path) {
        return withGoSlash(keyFor(path));
    }

    /** The prefix holding every object of one backup; the trailing slash keeps siblings out. */
    public String backupPrefix(String timestamp) {
        if (!TIMESTAMP.matcher(timestamp).matches()) {
            throw new UsageException("timestamp '" + timestamp + "' must be 14 digits, YYYYMMDDHHMMSS");
        }
        return folder + "/backups/" + timestamp.substring(0, 8) + "/" + timestamp + "/";
    }

    /** Every place backup {@code timestamp}'s objects may be: ours, then the Go plugin's (trailing-slash folder). */
    public List<String> backupLocations(String timestamp) {
        return List.of(backupPrefix(timestamp), withGoSlash(backupPrefix(timestamp)));
    }

    /** The prefixes holding backups: ours, then the Go plugin's variant for a folder that ended in "/". */
    public List<String> backupsPrefixes() {
        return List.of(folderPrefix() + "backups/", folderPrefix() + "/backups/");
    }

    /** Whether {@code location} is where the Go plugin put a backup for a folder ending in "/". */
    public boolean inGoTrailingSlashLayout(String location) {
        return location.startsWith(folderPrefix() + "/");
    }

    /** gpbackup's report of backup {@code timestamp}: a backup without one is incomplete. */
    public static String reportFile(String timestamp) {
        return "gpbackup_" + timestamp + "_report";
    }

    /** The files of backup {@code timestamp} that gprestore cannot restore without; the report last. */
    public static List<String> filesRestoreNeeds(String timestamp) {
        return List.of("gpbackup_" + timestamp + "_metadata.sql", "gpbackup_" + timestamp + "_toc.yaml",
                "gpbackup_" + timestamp + "_config.yaml", reportFile(timestamp));
    }

    /** One of our keys, which starts with {@code <folder>/}, with that slash doubled. */
    private String withGoSlash(String key) {
        return folder + "/" + key.substring(folder.length());
    }

    /**
     * Where {@code backup_file} and {@code backup_data} record the digests of the object at
     * {@code key} (spec/layout.md): beside it, one record per object, so the many plugin
     * processes of one backup never write the same key.
     */
    public static String digestRecordKey(String key) {
        return key + DIGEST_RECORD_SUFFIX;
    }

    /** The key of the object whose digests the record at {@code recordKey} holds. */
    public static String dataKeyOf(String recordKey) {
        return recordKey.substring(0, recordKey.length() - DIGEST_RECORD_SUFFIX.length());
    }

    /** Whether {@code key} is a digest record rather than a backup file. */
    public static boolean isDigestRecord(String key) {
        return key.endsWith(DIGEST_RECORD_SUFFIX);
    }

    /**
     * Where the AOT training of process {@code pid} on {@code host} writes its scratch object:
     * under the folder, which the credentials may be limited to, but outside {@code backups/},
     * so that no backup, listing, prune or verify ever sees it.
     */
    public String aotTrainingKey(String host, long pid) {
        return folder + "/" + AOT_TRAINING_FOLDER + host + "-" + pid;
    }

    /** The prefix of everything under the configured folder. */
    public String folderPrefix() {
        return folder + "/";
    }

    /** A user-given prefix read as a directory: it gets a trailing slash so "x" never matches "x2/". */
    public static String asDirectory(String prefix) {
        return prefix.endsWith("/") ? prefix : prefix + "/";
    }
}
