package gpbackup.s3plugin.backup;

import gpbackup.s3plugin.PluginException;
import gpbackup.s3plugin.s3.ObjectRetention;
import gpbackup.s3plugin.s3.ObjectSummary;
import gpbackup.s3plugin.s3.S3Client;
import gpbackup.s3plugin.s3.S3Exception;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Object Lock as the commands that write or delete backups see it: whether the bucket can lock
 * objects at all, and which objects under a prefix are locked until when, asked of every object
 * before anything is deleted (delete_backup; prune can ask the same).
 */
public final class ObjectLocks {
    private ObjectLocks() {
    }

    /**
     * The objects under {@code prefixes} that Object Lock protects at {@code now} (a retention
     * not yet over, or a legal hold), in listing order. One HEAD per object.
     */
    static List<ObjectRetention> lockedUnder(S3Client s3, List<String> prefixes, Instant now) {
        List<ObjectRetention> locked = new ArrayList<>();
        for (String prefix : prefixes) {
            for (ObjectSummary object : s3.listAll(prefix)) {
                if (object.key().endsWith("/")) {
                    continue; // a folder placeholder of some servers: no data to protect
                }
                ObjectRetention retention = s3.objectRetention(object.key());
                if (retention.lockedAt(now)) {
                    locked.add(retention);
                }
            }
        }
        return locked;
    }

    /**
     * Fails, naming the latest retain-until date, when any object under {@code prefixes} is
     * locked; so a delete that follows removes all of a backup or, when this throws, nothing.
     */
    public static void refuseDeleteIfLocked(S3Client s3, String what, List<String> prefixes, Instant now) {
        lockDescription(s3, prefixes, now).ifPresent(locked -> {
            throw new PluginException("cannot delete " + what + ": " + locked + "; nothing was deleted");
        });
    }

    /**
     * What keeps the objects under {@code prefixes} from being deleted at {@code now}, as
     * "N of its objects are under Object Lock, the last until DATE (MODE) (s3://...)"; empty when
     * none is locked.
     */
    public static Optional<String> lockDescription(S3Client s3, List<String> prefixes, Instant now) {
        List<ObjectRetention> locked = lockedUnder(s3, prefixes, now);
        if (locked.isEmpty()) {
            return Optional.empty();
        }
        Optional<ObjectRetention> latest = locked.stream().filter(r -> r.retainUntil().isPresent())
                .max(Comparator.comparing(r -> r.retainUntil().get()));
        long held = locked.stream().filter(ObjectRetention::legalHold).count();
        StringBuilder message = new StringBuilder(locked.size() + " of its objects are under Object Lock");
        latest.ifPresent(r -> message.append(", the last until ").append(r.retainUntil().get())
                .append(r.mode().map(mode -> " (" + mode + ")").orElse(""))
                .append(" (s3://").append(s3.endpoint().bucket()).append('/').append(r.key()).append(')'));
        if (held > 0) {
            message.append(", ").append(held).append(" under a legal hold");
        }
        return Optional.of(message.toString());
    }

    /**
     * Whether a delete must first ask every object for its lock (one HEAD each). Always when
     * object_lock_mode is set; otherwise only when the bucket has Object Lock enabled, which one
     * GetObjectLockConfiguration tells: a bucket's default retention, or objects written while the
     * option was set, lock objects the config no longer mentions. A bucket that cannot say (no
     * permission, a server without Object Lock) is taken to have none: its deletes are not
     * slowed by a HEAD per object for a lock it most likely cannot have.
     */
    public static boolean worthChecking(S3Client s3, boolean configured) {
        if (configured) {
            return true;
        }
        try {
            return s3.objectLockEnabled();
        } catch (S3Exception e) {
            return false;
        }
    }

    /**
     * Fails with one line unless the bucket has Object Lock enabled: without it S3 refuses every
     * upload that asks for a retention, so a backup would fail at its first table.
     */
    public static void requireBucketLock(S3Client s3) {
        String bucket = s3.endpoint().bucket();
        boolean enabled;
        try {
            enabled = s3.objectLockEnabled();
        } catch (S3Exception e) {
            throw new PluginException("object_lock_mode is set but the Object Lock configuration of bucket '" + bucket
                    + "' cannot be read: " + e.getMessage(), e);
        }
        if (!enabled) {
            throw new PluginException(noBucketLock(bucket) + "; " + NO_BUCKET_LOCK_FIX);
        }
    }

    /** What to do about {@link #noBucketLock}; {@code check} shows it as the fix. */
    public static final String NO_BUCKET_LOCK_FIX = "use a bucket created with Object Lock, or remove object_lock_mode and"
            + " object_lock_retain_days";

    /** The problem of a config asking for Object Lock on a bucket without it. */
    public static String noBucketLock(String bucket) {
        return "object_lock_mode is set but bucket '" + bucket + "' has no Object Lock enabled"
                + " (ObjectLockConfigurationNotFoundError)";
    }
}
