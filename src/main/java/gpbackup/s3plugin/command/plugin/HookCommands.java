package gpbackup.s3plugin.command.plugin;

import gpbackup.s3plugin.UsageException;
import gpbackup.s3plugin.backup.KeyLayout;
import gpbackup.s3plugin.backup.ObjectLocks;
import gpbackup.s3plugin.command.PluginContext;
import gpbackup.s3plugin.s3.Payload;
import gpbackup.s3plugin.s3.S3Exception;
import java.util.Optional;
import java.util.Set;

/**
 * The setup and cleanup hooks gpbackup and gprestore run once on the coordinator, once per
 * segment host and once per segment: {@code CONFIG LOCAL_BACKUP_DIR SCOPE [CONTENT_ID]}.
 */
public final class HookCommands {
    private static final String SEGMENT_HOST = "segment_host";
    private static final Set<String> SCOPES = Set.of("master", "coordinator", "segment_host", "segment");

    private HookCommands() {
    }

    /**
     * Before a backup, proves on the coordinator and on each segment host that the bucket
     * takes writes, so a wrong key or bucket fails in seconds rather than after hours. The
     * probe object is the backup's report, which gpbackup writes for real at the end; it is
     * removed again where the credentials allow deletes, and overwritten otherwise.
     */
    public static void setupForBackup(PluginContext context) {
        if (!checksHost(context)) {
            return;
        }
        String localBackupDir = context.arg(1).replaceAll("/+$", "");
        String timestamp = lastSegment(localBackupDir);
        String probeKey = context.layout().keyFor(localBackupDir + "/" + KeyLayout.reportFile(timestamp));
        if (context.config().storage().objectLockMode().isPresent()) {
            ObjectLocks.requireBucketLock(context.s3());
        }
        // Sent with the storage policy's headers, so a server that refuses one of them says so now,
        // and read back, so one that accepts and ignores one of them does too.
        context.s3().putObjectConfirmed(probeKey, Payload.empty());
        try {
            context.s3().deleteObject(probeKey, Optional.empty());
        } catch (S3Exception e) {
            context.log().warn("left the empty probe " + probeKey + " (gpbackup overwrites it): " + e.getMessage());
        }
        context.log().info("setup for backup: bucket " + context.config().bucket() + " at "
                + context.s3().endpoint().display() + " takes writes");
        startAgentOnSegmentHost(context);
    }

    /** Before a restore, proves on the coordinator and each segment host that the folder can be listed. */
    public static void setupForRestore(PluginContext context) {
        if (!checksHost(context)) {
            return;
        }
        try {
            context.s3().listPage(context.layout().folderPrefix(), Optional.empty(), 1);
        } catch (S3Exception e) {
            // A restore needs only GetObject; a policy without ListBucket must not fail here.
            // AccessDenied still proves the bucket exists and the keys and signature are good.
            if (!e.code().filter("AccessDenied"::equals).isPresent()) {
                throw e;
            }
            context.log().warn("setup for restore: cannot list the folder (" + e.getMessage() + "); continuing");
            startAgentOnSegmentHost(context);
            return;
        }
        context.log().info("setup for restore: bucket " + context.config().bucket() + " at "
                + context.s3().endpoint().display() + " is readable");
        startAgentOnSegmentHost(context);
    }

    /**
     * Stops the segment host's agent. Nothing else is left to clean: every transfer finishes or
     * aborts within its own command.
     */
    public static void cleanup(PluginContext context) {
        if (scope(context).equals(SEGMENT_HOST)) {
            AgentHooks.stopFor(context);
        }
    }

    /**
     * The per-table calls run on the segment hosts, so that is where an agent pays; the hook
     * runs there once per backup, before any data (spec/agent.md).
     */
    private static void startAgentOnSegmentHost(PluginContext context) {
        if (scope(context).equals(SEGMENT_HOST)) {
            AgentHooks.startFor(context);
        }
    }

    /** Whether this scope is one that checks the connection (coordinator or segment host). */
    private static boolean checksHost(PluginContext context) {
        return !scope(context).equals("segment");
    }

    private static String scope(PluginContext context) {
        String scope = context.arg(2);
        if (!SCOPES.contains(scope)) {
            throw new UsageException("scope '" + scope + "' is not one of master, coordinator, segment_host, segment");
        }
        if (context.argCount() == 4) {
            // gpbackup quotes the content id through its shell: "-1" arrives with the quotes.
            String contentId = context.arg(3).replace("\"", "");
            if (!contentId.matches("-?[0-9]+")) {
                throw new UsageException("content id '" + context.arg(3) + "' is not a number");
            }
        }
        return scope;
    }

    private static String lastSegment(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }
}
