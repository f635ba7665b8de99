package gpbackup.s3plugin.audit;

import gpbackup.s3plugin.backup.BackupTimestamps;
import gpbackup.s3plugin.s3.RequestObserver;
import gpbackup.s3plugin.s3.RequestRecord;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The audit trail of one plugin call: each S3 request it makes becomes a line of the configured
 * file, naming the call's host, pid and command and the backup the request belongs to.
 */
public final class CallAudit implements RequestObserver, AutoCloseable {
    private final CallIdentity call;
    private final AuditFile file;

    private CallAudit(CallIdentity call, AuditFile file) {
        this.call = call;
        this.file = file;
    }

    /**
     * The trail for {@code call} into {@code auditLog}; the file is opened at the first request, so
     * a call that makes none leaves no trace and creates no file.
     *
     * @param warn the call's plugin log, for a file that cannot be written
     */
    public static CallAudit to(Path auditLog, CallIdentity call, Consumer<String> warn) {
        return new CallAudit(call, new AuditFile(auditLog, warn));
    }

    @Override
    public void ended(RequestRecord record) {
        // The key names the backup where it can (list_backups, verify and prune touch many); else the call does.
        Optional<String> backup = BackupTimestamps.inPath(record.key()).or(call::backup);
        file.append(AuditLine.format(call, backup, record).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void close() {
        file.close();
    }
}
