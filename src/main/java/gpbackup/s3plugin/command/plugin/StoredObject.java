package gpbackup.s3plugin.command.plugin;

import gpbackup.s3plugin.command.PluginContext;
import gpbackup.s3plugin.s3.ObjectInfo;
import gpbackup.s3plugin.s3.S3Exception;

/**
 * A backup file found in the bucket: its key and what HEAD said of it.
 *
 * <p>The Go plugin joined folder and file with a plain "/", so with {@code folder: x/} it wrote
 * {@code x//backups/...}. Our keys never double the slash; to restore those backups too, a file
 * missing at our key is looked for once more at that older key.
 */
public record StoredObject(String key, ObjectInfo info) {

    /** The object for a backup file path, at our key or else at the Go plugin's trailing-slash key. */
    static StoredObject locate(PluginContext context, String path) {
        String key = context.layout().keyFor(path);
        try {
            return new StoredObject(key, context.s3().headObject(key));
        } catch (S3Exception missing) {
            if (!missing.isNotFound() || missing.code().filter("NoSuchBucket"::equals).isPresent()) {
                throw missing;
            }
            String goKey = context.layout().goTrailingSlashKeyFor(path);
            try {
                StoredObject found = new StoredObject(goKey, context.s3().headObject(goKey));
                context.log().info("found " + path + " at " + goKey + ", where the Go plugin put it");
                return found;
            } catch (S3Exception alsoMissing) {
                throw missing;
            }
        }
    }
}
