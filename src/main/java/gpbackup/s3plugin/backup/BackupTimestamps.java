package gpbackup.s3plugin.backup;

import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the backup a key or a call belongs to, from gpbackup's layout
 * {@code .../backups/<YYYYMMDD>/<YYYYMMDDhhmmss>/...}, on the bucket and on local disks alike.
 */
public final class BackupTimestamps {
    private static final Pattern IN_PATH = Pattern.compile("(?:^|/)backups/([0-9]{8})/([0-9]{14})(?:/|$)");
    private static final Pattern ALONE = Pattern.compile("[0-9]{14}");

    private BackupTimestamps() {
    }

    /** The timestamp in a key or path under {@code backups/<date>/<timestamp>}, when its date agrees. */
    public static Optional<String> inPath(String path) {
        Matcher m = IN_PATH.matcher(path);
        while (m.find()) {
            if (m.group(2).startsWith(m.group(1))) {
                return Optional.of(m.group(2));
            }
        }
        return Optional.empty();
    }

    /**
     * The backup a call's arguments (the config path excluded) name: a path under gpbackup's
     * layout (the data and file commands, the hooks' local directory) or a bare timestamp
     * ({@code delete_backup}, the operator commands).
     */
    public static Optional<String> inArguments(List<String> arguments) {
        for (String argument : arguments) {
            if (ALONE.matcher(argument).matches()) {
                return Optional.of(argument);
            }
            Optional<String> found = inPath(argument);
            if (found.isPresent()) {
                return found;
            }
        }
        return Optional.empty();
    }
}
