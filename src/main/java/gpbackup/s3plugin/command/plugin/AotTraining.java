package gpbackup.s3plugin.command.plugin;

import gpbackup.s3plugin.Program;
import gpbackup.s3plugin.command.Command;
import gpbackup.s3plugin.command.PluginContext;
import gpbackup.s3plugin.config.PluginConfig;
import gpbackup.s3plugin.s3.S3Exception;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * {@code aot_training CONFIG LOCAL_BACKUP_DIR}: what a setup hook runs in the background while
 * Java 25 or later records the launcher's AOT cache. It runs the data path of real calls against
 * the configured store (a multipart upload from a stream, its read-back, ranged downloads
 * landing in pieces and leaving through stdout), so that every later call starts with those
 * classes loaded and linked and those methods already profiled for the JIT. A store that refuses
 * the write (a restore's read-only credentials) trains only what ran before the refusal.
 *
 * <p>Its scratch object is no part of the backup: it lives under the folder's
 * {@code .gpbackup_s3_plugin_aot_training/}, outside {@code backups/}, and is deleted at the end.
 * It is written with the config's encryption (a bucket policy may refuse any other write, and
 * SSE-C's headers on every part and read are part of the path it trains) but without its Object
 * Lock, which would keep it stored and billed, undeletable, for the retention, and with the
 * bucket's storage class, since an archive class cannot be read back and an infrequent-access one
 * bills a deleted object for a minimum of days. LOCAL_BACKUP_DIR only names the backup in the
 * audit trail.
 */
public final class AotTraining implements Command {
    /** Two default parts, a few pieces: enough calls for the JIT to see the hot paths. */
    private static final long SIZE = 17L << 20;
    private static final int UPLOADS = 2;
    private static final int DOWNLOADS = 3;

    @Override
    public PluginConfig configFor(PluginConfig loaded) {
        return loaded.withStorage(loaded.storage().encryptionOnly());
    }

    @Override
    public void run(PluginContext context) throws IOException {
        String key = context.layout().aotTrainingKey(Program.hostName(context::env),
                ProcessHandle.current().pid());
        List<Optional<String>> versions = new ArrayList<>();
        try {
            for (int i = 0; i < UPLOADS; i++) {
                versions.add(context.uploader().uploadRecorded(key, new PseudoRandomBytes(SIZE, i)).versionId());
            }
            for (int i = 0; i < DOWNLOADS; i++) {
                context.downloader().downloadWhole(key, context.stdout());
            }
        } catch (S3Exception e) {
            context.log().debug("AOT training stopped early: " + e.getMessage());
        } finally {
            delete(context, key, versions);
        }
    }

    /**
     * Deletes each version written, where the bucket is versioned (every Object Lock bucket is):
     * there a delete without one only puts a marker over the 17 MiB, which stays stored and billed.
     * Without versions, or after an upload that failed half-way, the key itself is deleted.
     */
    private static void delete(PluginContext context, String key, List<Optional<String>> versions) {
        List<Optional<String>> targets = new ArrayList<>(versions.stream().filter(Optional::isPresent).toList());
        if (targets.size() < versions.size() || versions.size() < UPLOADS) {
            targets.add(Optional.empty());
        }
        for (Optional<String> version : targets) {
            try {
                context.s3().deleteObject(key, version);
            } catch (S3Exception e) {
                context.log().warn("left the AOT training object " + key + version.map(v -> " (version " + v + ")")
                        .orElse("") + ": " + e.getMessage());
            }
        }
    }

    /** {@code size} bytes that do not compress, the way table data through gzip does not. */
    private static final class PseudoRandomBytes extends InputStream {
        private final SplittableRandom random;
        private long left;

        PseudoRandomBytes(long size, long seed) {
            this.random = new SplittableRandom(seed);
            this.left = size;
        }

        @Override
        public int read() {
            if (left == 0) {
                return -1;
            }
            left--;
            return random.nextInt(256);
        }

        @Override
        public int read(byte[] buffer, int offset, int length) {
            if (left == 0) {
                return -1;
            }
            int n = (int) Math.min(length, left);
            for (int i = 0; i < n; i += 8) {
                long word = random.nextLong();
                for (int j = i; j < Math.min(n, i + 8); j++) {
                    buffer[offset + j] = (byte) word;
                    word >>>= 8;
                }
            }
            left -= n;
            return n;
        }
    }
}
