package gpbackup.s3plugin.backup;

import gpbackup.s3plugin.PluginException;
import gpbackup.s3plugin.s3.ListPage;
import gpbackup.s3plugin.s3.ObjectSummary;
import gpbackup.s3plugin.s3.S3Client;
import gpbackup.s3plugin.s3.S3Exception;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/** The one way a backup is deleted, by {@code delete_backup} and {@code prune} alike: its reports first. */
public final class BackupDeletion {
    private BackupDeletion() {
    }

    /**
     * Deletes every object of backup {@code timestamp} under {@code locations}, every location's
     * report first: once they are gone the backup lists as incomplete, so one a failure leaves
     * half-deleted never looks complete. The rest goes a page at a time, each page listed afresh
     * from the start of the prefix (what was deleted no longer shows), so memory stays at one page.
     *
     * @param deleted told of each page deleted after the reports
     * @return why the backup is not gone whole; empty when it is
     */
    public static Optional<String> deleteWhole(S3Client s3, String timestamp, List<String> locations,
                                               Consumer<List<ObjectSummary>> deleted) {
        try {
            for (String location : locations) {
                try {
                    s3.deleteObject(location + KeyLayout.reportFile(timestamp), Optional.empty());
                } catch (S3Exception e) {
                    if (!e.isNotFound()) { // some stores answer 404 for a key that is not there: gone already
                        throw e;
                    }
                }
            }
        } catch (PluginException e) {
            return Optional.of("its report could not be deleted, so nothing of it was, and it is still whole: "
                    + e.getMessage());
        }
        long done = 0;
        try {
            for (String location : locations) {
                String previousFirst = null;
                for (ListPage page; !(page = s3.listPage(location, Optional.empty(), 1000)).objects().isEmpty(); ) {
                    String first = page.objects().get(0).key();
                    if (first.equals(previousFirst)) {
                        throw new PluginException("s3 still lists " + first + " after deleting it");
                    }
                    previousFirst = first;
                    s3.deleteObjects(page.objects().stream().map(ObjectSummary::key).toList());
                    done += page.objects().size();
                    deleted.accept(page.objects());
                }
            }
        } catch (PluginException e) {
            return Optional.of("partly deleted: its report and " + done + " other objects are gone, so it lists as"
                    + " incomplete; run prune again or delete_backup " + timestamp + ". Cause: " + e.getMessage());
        }
        return Optional.empty();
    }
}
