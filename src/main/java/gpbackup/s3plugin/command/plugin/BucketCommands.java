package gpbackup.s3plugin.command.plugin;

import gpbackup.s3plugin.PluginException;
import gpbackup.s3plugin.UsageException;
import gpbackup.s3plugin.backup.BackupDeletion;
import gpbackup.s3plugin.backup.KeyLayout;
import gpbackup.s3plugin.backup.ObjectLocks;
import gpbackup.s3plugin.command.PluginContext;
import gpbackup.s3plugin.s3.ObjectSummary;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/** {@code delete_backup}, {@code list_directory} and {@code delete_directory}. */
public final class BucketCommands {
    private static final int DELETE_BATCH = 1000;

    private BucketCommands() {
    }

    /**
     * Deletes every object of one backup, under {@code <folder>/backups/<date>/<timestamp>/} and the
     * Go plugin's {@code <folder>//backups/...}, its reports first, and nothing else.
     */
    public static void deleteBackup(PluginContext context) {
        String timestamp = context.arg(1);
        List<String> locations = context.layout().backupLocations(timestamp);
        if (ObjectLocks.worthChecking(context.s3(), context.config().storage().objectLockMode().isPresent())) {
            ObjectLocks.refuseDeleteIfLocked(context.s3(), "backup " + timestamp, locations,
                    context.s3().clock().instant());
        }
        AtomicLong deleted = new AtomicLong();
        Optional<String> failure = BackupDeletion.deleteWhole(context.s3(), timestamp, locations,
                page -> deleted.addAndGet(page.size()));
        if (failure.isPresent()) {
            throw new PluginException("delete_backup: backup " + timestamp + " was not deleted whole: "
                    + failure.get());
        }
        context.log().info("deleted " + deleted + " objects of backup " + timestamp + " under " + locations.get(0));
    }

    /** Deletes every object under a prefix, read as a directory. */
    public static void deleteDirectory(PluginContext context) {
        String given = context.arg(1);
        if (given.isBlank() || given.equals("/")) {
            throw new UsageException("delete_directory needs a non-empty prefix; it will not empty the whole bucket");
        }
        String prefix = KeyLayout.asDirectory(given);
        int deleted = deleteAll(context, prefix);
        context.log().info("deleted " + deleted + " objects under " + prefix);
    }

    /** Prints {@code NAME  SIZE(bytes)} for every object under a prefix (default: the folder). */
    public static void listDirectory(PluginContext context) throws IOException {
        String prefix = context.argCount() == 2 ? KeyLayout.asDirectory(context.arg(1))
                : context.layout().folderPrefix();
        List<ObjectSummary> objects = context.s3().listAll(prefix).stream()
                .filter(o -> !o.key().endsWith("/")) // folder placeholders of some servers
                .toList();
        int width = Math.max("NAME".length(), objects.stream().mapToInt(o -> o.key().length()).max().orElse(0));
        StringBuilder table = new StringBuilder();
        table.append(String.format("%-" + width + "s  %s\n", "NAME", "SIZE(bytes)"));
        for (ObjectSummary object : objects) {
            table.append(String.format("%-" + width + "s  %d\n", object.key(), object.size()));
        }
        OutputStream out = context.stdout();
        out.write(table.toString().getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static int deleteAll(PluginContext context, String prefix) {
        List<String> keys = context.s3().listAll(prefix).stream().map(ObjectSummary::key).toList();
        for (int from = 0; from < keys.size(); from += DELETE_BATCH) {
            context.s3().deleteObjects(keys.subList(from, Math.min(keys.size(), from + DELETE_BATCH)));
        }
        return keys.size();
    }
}
