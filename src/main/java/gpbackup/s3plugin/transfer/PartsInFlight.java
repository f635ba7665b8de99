package gpbackup.s3plugin.transfer;

import gpbackup.s3plugin.PluginException;
import gpbackup.s3plugin.s3.Cancellation;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Semaphore;
import java.util.function.Consumer;

/**
 * The parts of one multipart upload between being read and being answered. At most
 * {@code concurrency + 1} are held (those queued or being sent, and the one being read); each is
 * sent by a worker and gives its blocks and its slot back when its request has ended.
 *
 * <p>The first failure, of a part, of the input or of the caller, throws the upload's
 * {@link Cancellation}: part PUTs not yet sent are never sent, those in flight are torn down.
 * Once no part request is left, the abort runs on a worker, which nothing interrupts, so no part
 * lands after it, it does not wait for a silent input, and an interrupted caller (a stopped
 * directory backup) still cleans up.
 */
final class PartsInFlight {
    /** Sends one part; returns its ETag. */
    @FunctionalInterface
    interface Sender {
        String send(int partNumber, BlockBuffer part, Cancellation cancellation);
    }

    private final ExecutorService workers;
    private final int held;
    private final BufferPool pool;
    private final String what;
    private final Consumer<Throwable> abort;
    private final Cancellation cancellation = new Cancellation();
    private final Semaphore slots;
    private final List<CompletableFuture<String>> etags = new ArrayList<>();
    private final CompletableFuture<Void> aborted = new CompletableFuture<>();
    /** The first failure; with the two fields below, guarded by this. */
    private Throwable failure;
    private int sending;
    private boolean abortStarted;

    /**
     * @param what  the upload, for messages
     * @param abort aborts the upload, given the first failure; must not throw
     */
    PartsInFlight(ExecutorService workers, int concurrency, BufferPool pool, String what, Consumer<Throwable> abort) {
        this.workers = workers;
        this.held = concurrency + 1;
        this.pool = pool;
        this.what = what;
        this.abort = abort;
        this.slots = new Semaphore(held);
    }

    /** Waits until a part more may be held, unless the upload has failed (then throws its failure). */
    void takeSlot() {
        if (Thread.currentThread().isInterrupted()) {
            throw new PluginException(what + " interrupted");
        }
        try {
            slots.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PluginException(what + " interrupted", e);
        }
        rethrowIfFailed();
    }

    /** Hands {@code part}, which holds a slot, to a worker that sends it with {@code sender}. */
    void send(int partNumber, BlockBuffer part, Sender sender) {
        boolean failedAlready;
        synchronized (this) {
            failedAlready = failure != null;
            if (!failedAlready) {
                sending++;
            }
        }
        if (failedAlready) {
            // Released outside this lock: the pool's lock is taken before this one, never after.
            part.release();
            rethrowIfFailed();
        }
        etags.add(CompletableFuture.supplyAsync(() -> {
            try {
                return sender.send(partNumber, part, cancellation);
            } catch (RuntimeException | Error e) {
                fail(e);
                throw e;
            } finally {
                part.release();
                slots.release();
                partEnded();
            }
        }, workers));
    }

    /** The parts' ETags in part order, once every part has been answered. */
    List<String> etagsInOrder() {
        List<String> inOrder = new ArrayList<>(etags.size());
        for (CompletableFuture<String> etag : etags) {
            inOrder.add(Futures.join(etag, what));
        }
        return inOrder;
    }

    synchronized boolean failed() {
        return failure != null;
    }

    synchronized void rethrowIfFailed() {
        if (failure != null) {
            throw asUnchecked(failure);
        }
    }

    /**
     * Stops the upload for {@code e}, waits (uninterruptibly) until the abort has been sent, and
     * returns what the caller is to throw: the first failure, with {@code e} suppressed when it is
     * only a consequence of it (the reader finding the upload failed); {@code e} when it came first.
     */
    RuntimeException failAndAwaitAbort(Throwable e) throws IOException {
        fail(e);
        Futures.joinUninterruptibly(aborted, what);
        Throwable first;
        synchronized (this) {
            first = failure;
        }
        if (first != e) {
            RuntimeException unchecked = asUnchecked(first);
            unchecked.addSuppressed(e);
            return unchecked;
        }
        if (e instanceof IOException io) {
            throw io;
        }
        return asUnchecked(e);
    }

    /** Records the first failure and stops everything at once; the abort follows when no part is being sent. */
    private void fail(Throwable cause) {
        synchronized (this) {
            if (failure == null) {
                failure = cause;
            }
        }
        cancellation.cancel();
        // Wakes the reading thread if it waits for a slot or for room; it then sees the failure.
        slots.release(held + 1);
        pool.wakeWaiters();
        abortWhenIdle();
    }

    private void partEnded() {
        synchronized (this) {
            sending--;
        }
        abortWhenIdle();
    }

    private void abortWhenIdle() {
        Throwable cause;
        synchronized (this) {
            if (failure == null || sending > 0 || abortStarted) {
                return;
            }
            abortStarted = true;
            cause = failure;
        }
        workers.execute(() -> {
            try {
                abort.accept(cause);
            } finally {
                aborted.complete(null);
            }
        });
    }

    private RuntimeException asUnchecked(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error error) {
            throw error;
        }
        return new PluginException(what + " failed: " + t.getMessage(), t);
    }
}
