package gpbackup.s3plugin.command.plugin;

import gpbackup.s3plugin.PluginException;
import gpbackup.s3plugin.UsageException;
import gpbackup.s3plugin.backup.KeyLayout;
import gpbackup.s3plugin.backup.SealedObjects;
import gpbackup.s3plugin.command.PluginContext;
import gpbackup.s3plugin.progress.Progress;
import gpbackup.s3plugin.s3.ObjectSummary;
import gpbackup.s3plugin.transfer.ParallelTransfers;
import gpbackup.s3plugin.transfer.RangedDownloader;
import gpbackup.s3plugin.transfer.StreamUploader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * The Go plugin's hidden commands for copying a whole directory tree by hand:
 * {@code backup_directory[_parallel] CONFIG DIR [N]} and {@code restore_directory[_parallel] CONFIG DIR [N]}.
 *
 * <p>Each file's key is its path as walked from DIR, with no folder prefix and without a leading
 * slash: S3Proxy refuses keys that start with "/" and other stores reject or normalise them. A
 * restore lists DIR as a directory and writes each object to DIR/<path below DIR>, keeping
 * sub-directories; for an absolute DIR with nothing there it lists "/DIR/", where the Go plugin
 * and older versions of this one put the tree.
 */
public final class DirectoryCommands {
    static final int DEFAULT_PARALLEL = 5;
    private static final int MAX_PARALLEL = 64;

    private DirectoryCommands() {
    }

    public static void backupDirectory(PluginContext context) throws IOException {
        backup(context, 1);
    }

    public static void backupDirectoryParallel(PluginContext context) throws IOException {
        backup(context, parallelism(context));
    }

    public static void restoreDirectory(PluginContext context) throws IOException {
        restore(context, 1);
    }

    public static void restoreDirectoryParallel(PluginContext context) throws IOException {
        restore(context, parallelism(context));
    }

    private static void backup(PluginContext context, int parallel) throws IOException {
        Path dir = directory(context);
        if (!Files.isDirectory(dir)) {
            throw new PluginException("cannot back up " + dir + ": not a directory");
        }
        List<Path> files;
        try (Stream<Path> walk = Files.walk(dir)) {
            files = walk.filter(Files::isRegularFile).sorted().toList();
        }
        long start = System.nanoTime();
        AtomicLong bytes = new AtomicLong();
        StreamUploader uploader = context.uploader();
        SealedObjects sealed = context.sealedObjects();
        ParallelTransfers.runAll(parallel, files.stream().<ParallelTransfers.Task>map(file -> () -> {
            bytes.addAndGet(FileCommands.upload(uploader, sealed, file, keyOf(file), Progress.silent()).size());
        }).toList());
        context.log().info(TransferReport.line("Uploaded", bytes.get(), files.size() + " files of " + dir, start));
    }

    private static void restore(PluginContext context, int parallel) throws IOException {
        Path dir = directory(context);
        String prefix = KeyLayout.asDirectory(keyOf(dir));
        List<ObjectSummary> objects = files(context, prefix);
        if (objects.isEmpty() && dir.isAbsolute()) {
            prefix = "/" + prefix;
            objects = files(context, prefix);
            if (!objects.isEmpty()) {
                context.log().info("found " + dir + " at keys starting with '/', where older versions put it");
            }
        }
        Files.createDirectories(dir);
        Path realDir = dir.toRealPath();
        long start = System.nanoTime();
        AtomicLong bytes = new AtomicLong();
        RangedDownloader downloader = context.downloader();
        SealedObjects sealed = context.sealedObjects();
        List<ParallelTransfers.Task> tasks = new ArrayList<>();
        for (ObjectSummary object : objects) {
            if (!object.key().startsWith(prefix)) {
                throw refusing(object.key(), dir);
            }
            Path target = dir.resolve(object.key().substring(prefix.length())).normalize();
            if (!target.startsWith(dir) || target.equals(dir)) {
                throw refusing(object.key(), dir);
            }
            tasks.add(() -> {
                // A symbolic link inside DIR must not carry a file outside it.
                Files.createDirectories(target.getParent());
                if (!target.getParent().toRealPath().startsWith(realDir)) {
                    throw refusing(object.key(), dir);
                }
                StoredObject stored = new StoredObject(object.key(), context.s3().headObject(object.key()));
                bytes.addAndGet(FileCommands.download(downloader, sealed, stored, target, context.umask(),
                        Progress.silent()));
            });
        }
        ParallelTransfers.runAll(parallel, tasks);
        context.log().info(TransferReport.line("Downloaded", bytes.get(), objects.size() + " files to " + dir, start));
    }

    /** The key of a file or directory: its path without leading slashes. */
    public static String keyOf(Path path) {
        return path.toString().replaceFirst("^/+", "");
    }

    /** The objects under {@code prefix} that are files, not directory markers. */
    private static List<ObjectSummary> files(PluginContext context, String prefix) {
        return context.s3().listAll(prefix).stream().filter(o -> !o.key().endsWith("/")).toList();
    }

    private static int parallelism(PluginContext context) {
        if (context.argCount() < 3) {
            return DEFAULT_PARALLEL;
        }
        String text = context.arg(2);
        try {
            int n = Integer.parseInt(text);
            if (n >= 1 && n <= MAX_PARALLEL) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new UsageException("parallelism '" + text + "' must be a whole number from 1 to " + MAX_PARALLEL);
    }

    /** DIR, normalised; ".", "/" or a path above the current directory names no key prefix. */
    private static Path directory(PluginContext context) {
        Path dir = Path.of(context.arg(1)).normalize();
        if (dir.toString().isEmpty() || dir.startsWith("..") || dir.getNameCount() == 0) {
            throw new UsageException("directory '" + context.arg(1) + "' must be an absolute path or a path below"
                    + " the current directory, not '.', '..' or '/'");
        }
        return dir;
    }

    private static PluginException refusing(String key, Path dir) {
        return new PluginException("refusing to restore s3 key '" + key + "' outside " + dir);
    }
}
