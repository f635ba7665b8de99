package gpbackup.s3plugin.cli;

import gpbackup.s3plugin.PluginException;
import gpbackup.s3plugin.s3.ObjectSummary;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * The Go plugin's hidden commands for copying a whole directory tree by hand:
 * {@code backup_directory[_parallel] CONFIG DIR [N]} and {@code restore_directory[_parallel] CONFIG DIR [N]}.
 *
 * <p>Key layout is the Go plugin's, so trees cross between the two plugins: each file's key is
 * its path as walked from DIR, with no folder prefix. A restore lists DIR as a directory and
 * writes each object to DIR/<path below DIR>, keeping sub-directories.
 */
final class DirectoryCommands {
    static final int DEFAULT_PARALLEL = 5;
    private static final int MAX_PARALLEL = 64;

    private DirectoryCommands() {
    }

    static void backupDirectory(PluginContext context) throws IOException {
        backup(context, 1);
    }

    static void backupDirectoryParallel(PluginContext context) throws IOException {
        backup(context, parallelism(context));
    }

    static void restoreDirectory(PluginContext context) throws IOException {
        restore(context, 1);
    }

    static void restoreDirectoryParallel(PluginContext context) throws IOException {
        restore(context, parallelism(context));
    }

    private static void backup(PluginContext context, int parallel) throws IOException {
        Path dir = Path.of(context.arg(1)).normalize();
        if (!Files.isDirectory(dir)) {
            throw new PluginException("cannot back up " + dir + ": not a directory");
        }
        List<Path> files;
        try (Stream<Path> walk = Files.walk(dir)) {
            files = walk.filter(Files::isRegularFile).sorted().toList();
        }
        long start = System.nanoTime();
        AtomicLong bytes = new AtomicLong();
        runAll(parallel, files.stream().<Task>map(file -> () -> {
            bytes.addAndGet(FileCommands.upload(context, file, file.toString()));
        }).toList());
        context.log().info(TransferReport.line("Uploaded", bytes.get(), files.size() + " files of " + dir, start));
    }

    private static void restore(PluginContext context, int parallel) throws IOException {
        Path dir = Path.of(context.arg(1)).normalize();
        String prefix = KeyLayout.asDirectory(dir.toString());
        List<ObjectSummary> objects = context.s3().listAll(prefix).stream()
                .filter(o -> !o.key().endsWith("/"))
                .toList();
        Files.createDirectories(dir);
        long start = System.nanoTime();
        AtomicLong bytes = new AtomicLong();
        List<Task> tasks = new ArrayList<>();
        for (ObjectSummary object : objects) {
            Path target = dir.resolve(object.key().substring(prefix.length())).normalize();
            if (!target.startsWith(dir) || target.equals(dir)) {
                throw new PluginException("refusing to restore s3 key '" + object.key() + "' outside " + dir);
            }
            tasks.add(() -> bytes.addAndGet(FileCommands.download(context, StoredObject.at(context, object.key()), target)));
        }
        runAll(parallel, tasks);
        context.log().info(TransferReport.line("Downloaded", bytes.get(), objects.size() + " files to " + dir, start));
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

    @FunctionalInterface
    private interface Task {
        void run() throws IOException;
    }

    /** Runs the tasks on {@code parallel} threads; the first failure stops the rest and is rethrown. */
    private static void runAll(int parallel, List<Task> tasks) throws IOException {
        ExecutorService pool = Executors.newFixedThreadPool(parallel, runnable -> {
            Thread thread = new Thread(runnable, "directory");
            thread.setDaemon(true);
            return thread;
        });
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (Task task : tasks) {
                futures.add(pool.submit(() -> {
                    try {
                        task.run();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }));
            }
            for (Future<?> future : futures) {
                future.get();
            }
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof UncheckedIOException u) {
                throw u.getCause();
            }
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            throw new PluginException("directory transfer failed: " + cause, cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PluginException("directory transfer interrupted", e);
        } finally {
            pool.shutdownNow();
        }
    }
}
