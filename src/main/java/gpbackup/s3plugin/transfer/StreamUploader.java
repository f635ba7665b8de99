package gpbackup.s3plugin.transfer;

import gpbackup.s3plugin.PluginException;
import gpbackup.s3plugin.config.TransferSettings;
import gpbackup.s3plugin.log.PluginLog;
import gpbackup.s3plugin.s3.Cancellation;
import gpbackup.s3plugin.s3.ObjectInfo;
import gpbackup.s3plugin.s3.S3Client;
import gpbackup.s3plugin.s3.S3Exception;
import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackInputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Uploads a stream of unknown length to one object.
 *
 * <p>A stream that fits in one part becomes a single PutObject. A longer one becomes a multipart
 * upload whose parts, sized by a {@link PartPlan}, are read one after another and sent
 * {@code concurrency} at a time. Every part's memory is reserved in the {@link BufferPool}
 * before it is read, and at most {@code concurrency + 1} parts are held (those queued or in
 * flight plus the one being read), so memory stays within the pool however long the stream.
 * If anything fails, the part uploads are stopped and then the upload is aborted, so a
 * half-written object never becomes visible.
 */
public final class StreamUploader {
    /** S3 numbers parts 1 to 10,000. */
    static final int MAX_PARTS = 10_000;

    private final S3Client s3;
    private final PartPlan plan;
    private final int concurrency;
    private final BufferPool pool;
    private final PluginLog log;
    private final int maxParts;

    /** Parts of exactly the configured part size, in a pool of their own just large enough. */
    public StreamUploader(S3Client s3, TransferSettings settings, PluginLog log) {
        this(s3, settings, log, MAX_PARTS);
    }

    StreamUploader(S3Client s3, TransferSettings settings, PluginLog log, int maxParts) {
        this(s3, PartPlan.fixed(settings.chunkSize()), settings.concurrency(),
                new BufferPool(roundUpToBlocks(settings.chunkSize()) * (settings.concurrency() + 2)), log, maxParts);
    }

    /** Parts as {@code plan} sizes them, {@code concurrency} in flight at most, memory from {@code pool}. */
    public StreamUploader(S3Client s3, PartPlan plan, int concurrency, BufferPool pool, PluginLog log) {
        this(s3, plan, concurrency, pool, log, MAX_PARTS);
    }

    StreamUploader(S3Client s3, PartPlan plan, int concurrency, BufferPool pool, PluginLog log, int maxParts) {
        this.s3 = s3;
        this.plan = plan;
        this.concurrency = concurrency;
        this.pool = pool;
        this.log = log;
        this.maxParts = maxParts;
    }

    static long roundUpToBlocks(long bytes) {
        return Math.max(1, (bytes + BufferPool.BLOCK_SIZE - 1) / BufferPool.BLOCK_SIZE) * BufferPool.BLOCK_SIZE;
    }

    /**
     * Uploads everything {@code in} yields to {@code key}, then checks that the object is there
     * with that many bytes; returns the number of bytes.
     */
    public long upload(String key, InputStream source) throws IOException {
        PushbackInputStream in = new PushbackInputStream(source, 1);
        PartBuffer first = readPart(in, plan.partSize(1), () -> false)
                .orElseThrow(() -> new IllegalStateException("no stop condition, yet stopped"));
        long sent;
        if (first.length() < plan.partSize(1) || endOfStream(in, first)) {
            try {
                s3.putObject(key, first);
            } finally {
                first.release();
            }
            sent = first.length();
        } else {
            sent = new Multipart(key).run(in, first);
        }
        verifyStored(key, sent);
        return sent;
    }

    /**
     * Whether the stream ends right after the first part, in which case it is a single PUT. One
     * byte is read ahead and pushed back, rather than a second part, so the choice costs no memory.
     */
    private static boolean endOfStream(PushbackInputStream in, PartBuffer first) throws IOException {
        int next;
        try {
            next = in.read();
        } catch (IOException | RuntimeException | Error e) {
            first.release();
            throw e;
        }
        if (next < 0) {
            return true;
        }
        in.unread(next);
        return false;
    }

    /** Reserves room for a part of {@code size} (waiting unless {@code stop} says so) and fills it from {@code in}. */
    private Optional<PartBuffer> readPart(InputStream in, long size, BooleanSupplier stop) throws IOException {
        Optional<BufferPool.Ticket> ticket;
        try {
            ticket = pool.reserve(size, stop);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PluginException("upload interrupted", e);
        }
        if (ticket.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(PartBuffer.readFrom(in, size, ticket.get(), true));
        } catch (IOException | RuntimeException | Error e) {
            ticket.get().release();
            throw e;
        }
    }

    /**
     * A server can acknowledge an upload it then fails to keep (S3Proxy's in-memory store does,
     * when it runs out of heap while assembling parts). A backup must never look complete when
     * it is not, so the object's size is read back, as the Go plugin also did after each upload.
     */
    private void verifyStored(String key, long sent) {
        ObjectInfo stored;
        try {
            stored = s3.headObject(key);
        } catch (S3Exception e) {
            if (!e.isNotFound()) {
                throw e;
            }
            throw new PluginException("the server acknowledged the upload of s3://" + s3.endpoint().bucket() + "/"
                    + key + " but does not have the object; the backup of it failed");
        }
        if (stored.size() != sent) {
            throw new PluginException("the server holds " + stored.size() + " bytes for s3://" + s3.endpoint().bucket()
                    + "/" + key + " but " + sent + " were sent; the backup of it failed");
        }
    }

    /**
     * The state of one multipart upload. The reading thread (the caller) fills parts and hands
     * them to the workers. The first failure, wherever it happens, throws the upload's
     * {@link Cancellation}: part PUTs not yet sent are never sent, those in flight are torn down.
     * When the last worker has stopped, AbortMultipartUpload goes out from a worker thread, which
     * nothing interrupts, so no part can land after the abort and an interrupted caller (a
     * stopped directory backup) still cleans up.
     */
    private final class Multipart {
        private final String key;
        private String uploadId;
        /** Parts held at once: those queued or being sent, and the one being read. */
        private final int partsHeld = concurrency + 1;
        private final Semaphore held = new Semaphore(partsHeld);
        private final Cancellation cancellation = new Cancellation();
        private final AtomicReference<Throwable> failure = new AtomicReference<>();
        private final CountDownLatch aborted = new CountDownLatch(1);
        private final List<CompletableFuture<String>> etags = new ArrayList<>();
        private final ExecutorService workers = TransferPool.create("upload", concurrency);
        private int active;
        private boolean abortStarted;

        Multipart(String key) {
            this.key = key;
        }

        long run(InputStream in, PartBuffer first) throws IOException {
            try {
                uploadId = create();
            } catch (RuntimeException | Error e) {
                first.release();
                workers.shutdown();
                throw e;
            }
            try {
                long total = sendParts(in, first);
                List<String> completed = new ArrayList<>(etags.size());
                for (CompletableFuture<String> etag : etags) {
                    completed.add(join(etag));
                }
                complete(completed);
                log.debug("uploaded " + completed.size() + " parts of " + plan.partSize(1) + " to "
                        + plan.partSize(completed.size()) + " bytes to " + key);
                return total;
            } catch (IOException | RuntimeException | Error e) {
                fail(e);
                awaitAbort();
                Throwable cause = failure.get();
                if (cause != e && cause instanceof RuntimeException r) {
                    r.addSuppressed(e);
                    throw r;
                }
                if (cause != e && cause instanceof Error error) {
                    throw error;
                }
                throw e;
            } finally {
                workers.shutdown();
            }
        }

        /**
         * CreateMultipartUpload, sent from a worker and awaited even if this thread is
         * interrupted meanwhile: cancelled half-way, the upload could exist on the server
         * without our knowing its id, and then nothing could abort it.
         */
        private String create() {
            return onWorker(() -> s3.createMultipartUpload(key));
        }

        /**
         * Runs {@code call} on a worker, which nothing interrupts, and waits for it even if this
         * thread is interrupted meanwhile; the interrupt is kept for what comes next.
         */
        private <T> T onWorker(Supplier<T> call) {
            CompletableFuture<T> result = CompletableFuture.supplyAsync(call, workers);
            boolean interrupted = false;
            try {
                while (true) {
                    try {
                        return result.get();
                    } catch (InterruptedException e) {
                        interrupted = true;
                    } catch (ExecutionException e) {
                        throw Futures.failure(e, "upload of " + key);
                    }
                }
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        /**
         * CompleteMultipartUpload, on a worker like {@link #create}: once sent it may take
         * effect, so its answer decides between success and abort, not an interrupt.
         */
        private void complete(List<String> partEtags) {
            onWorker(() -> {
                completeOrRecognise(partEtags);
                return null;
            });
        }

        /**
         * When the answer to CompleteMultipartUpload is lost, the retry finds the upload gone
         * ({@code NoSuchUpload}) although it did complete; the object's ETag, which S3 derives
         * from the parts' ETags, tells whether the object now at the key is this upload.
         */
        private void completeOrRecognise(List<String> partEtags) {
            try {
                s3.completeMultipartUpload(key, uploadId, partEtags);
            } catch (S3Exception e) {
                Optional<String> expected = MultipartEtag.of(partEtags);
                if (!e.code().filter("NoSuchUpload"::equals).isPresent() || expected.isEmpty()
                        || !expected.get().equals(s3.headObject(key).etag())) {
                    throw e;
                }
                log.info("multipart upload of " + key + " had completed before its answer was lost");
            }
        }

        /** Reads and hands out parts 2, 3, … after {@code first}, which is full and not the last; returns the bytes. */
        private long sendParts(InputStream in, PartBuffer first) throws IOException {
            try {
                if (Thread.currentThread().isInterrupted()) {
                    throw new PluginException("upload of " + key + " interrupted");
                }
                acquireHeld();
            } catch (RuntimeException e) {
                first.release();
                throw e;
            }
            submit(1, first);
            long total = first.length();
            for (int number = 2; ; number++) {
                long size = plan.partSize(number);
                acquireHeld();
                PartBuffer part = readPart(in, size, () -> failure.get() != null).orElse(null);
                if (part == null || failure.get() != null) {
                    if (part != null) {
                        part.release();
                    }
                    rethrowIfFailed();
                }
                if (part.length() == 0) {
                    part.release();
                    held.release();
                    return total;
                }
                if (number > maxParts) {
                    part.release();
                    throw new PluginException("s3://" + s3.endpoint().bucket() + "/" + key + " would need more than "
                            + maxParts + " parts; parts grow to " + plan.largestPart() + " bytes, so at most "
                            + plan.maxStreamSize(maxParts) + " bytes fit; raise memory_budget and"
                            + " backup_multipart_chunksize");
                }
                total += part.length();
                submit(number, part);
                if (part.length() < size) {
                    return total;
                }
            }
        }

        private void submit(int partNumber, PartBuffer part) {
            CompletableFuture<String> etag = new CompletableFuture<>();
            etags.add(etag);
            synchronized (this) {
                active++;
            }
            workers.execute(() -> {
                try {
                    etag.complete(s3.uploadPart(key, uploadId, partNumber, part, cancellation));
                } catch (RuntimeException | Error e) {
                    etag.completeExceptionally(e);
                    fail(e);
                } finally {
                    part.release();
                    held.release();
                    partEnded();
                }
            });
        }

        /** Records the first failure and stops everything at once; the abort follows when the workers are idle. */
        private void fail(Throwable cause) {
            failure.compareAndSet(null, cause);
            cancellation.cancel();
            // Wakes the reading thread if it waits for room; it then sees the failure.
            held.release(partsHeld + 1);
            pool.wakeWaiters();
            abortWhenIdle();
        }

        private void partEnded() {
            synchronized (this) {
                active--;
            }
            abortWhenIdle();
        }

        private void abortWhenIdle() {
            synchronized (this) {
                if (failure.get() == null || active > 0 || abortStarted) {
                    return;
                }
                abortStarted = true;
            }
            workers.execute(() -> {
                try {
                    abortQuietly(failure.get());
                } finally {
                    aborted.countDown();
                }
            });
        }

        /** Waits for the abort even when interrupted: returning earlier could end the process before it is sent. */
        private void awaitAbort() {
            boolean interrupted = false;
            while (true) {
                try {
                    aborted.await();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }

        private void acquireHeld() {
            try {
                held.acquire();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new PluginException("upload interrupted", e);
            }
            rethrowIfFailed();
        }

        private void rethrowIfFailed() {
            Throwable t = failure.get();
            if (t instanceof RuntimeException r) {
                throw r;
            }
            if (t instanceof Error e) {
                throw e;
            }
            if (t != null) {
                throw new PluginException("upload of " + key + " failed: " + t.getMessage(), t);
            }
        }

        private void abortQuietly(Throwable cause) {
            try {
                s3.abortMultipartUpload(key, uploadId);
                log.info("aborted multipart upload of " + key + " after failure: " + cause.getMessage());
            } catch (RuntimeException abortFailure) {
                log.warn("could not abort multipart upload " + uploadId + " of " + key + ": "
                        + abortFailure.getMessage() + "; a bucket lifecycle rule for incomplete uploads will clean it up");
            }
        }
    }

    private static String join(CompletableFuture<String> future) {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PluginException("upload interrupted", e);
        } catch (ExecutionException e) {
            throw Futures.failure(e, "upload");
        }
    }
}
