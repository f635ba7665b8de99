package gpbackup.s3plugin.transfer;

import gpbackup.s3plugin.PluginException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.CompletionService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Runs independent transfers (the files of a directory) on a bounded number of threads. The
 * first failure, whichever task it comes from, stops the rest at once; and the call returns only
 * after every task has ended, so their cleanup (removing partial files, aborting uploads) is done
 * before the process exits.
 */
public final class ParallelTransfers {
    private static final long CLEANUP_WAIT_SECONDS = 60;

    /** One transfer. */
    @FunctionalInterface
    public interface Task {
        void run() throws IOException;
    }

    private ParallelTransfers() {
    }

    public static void runAll(int parallel, List<Task> tasks) throws IOException {
        ExecutorService pool = WorkerThreads.create("transfer", parallel);
        CompletionService<Void> done = new ExecutorCompletionService<>(pool);
        try {
            for (Task task : tasks) {
                done.submit(() -> {
                    try {
                        task.run();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                    return null;
                });
            }
            for (int i = 0; i < tasks.size(); i++) {
                done.take().get();
            }
        } catch (ExecutionException e) {
            stop(pool);
            RuntimeException failure = Futures.failure(e, "transfer");
            // The task's IOException, wrapped above to cross the executor.
            if (failure instanceof UncheckedIOException io) {
                throw io.getCause();
            }
            throw failure;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop(pool);
            throw new PluginException("transfer interrupted", e);
        } finally {
            pool.shutdownNow();
        }
    }

    private static void stop(ExecutorService pool) {
        pool.shutdownNow();
        try {
            pool.awaitTermination(CLEANUP_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
