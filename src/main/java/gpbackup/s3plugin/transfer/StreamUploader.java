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
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * Uploads a stream of unknown length to one object.
 *
 * <p>A stream that fits in one part becomes a single PutObject. A longer one becomes a multipart
 * upload whose parts are read one after another and sent {@code concurrency} at a time; at most
 * {@code concurrency + 1} parts are in memory at once (those in flight plus the one being read),
 * and no reference to a sent part outlives its request. If anything fails, the part uploads are
 * stopped and then the upload is aborted, so a half-written object never becomes visible.
 */
public final class StreamUploader {
    /** S3 numbers parts 1 to 10,000. */
    static final int MAX_PARTS = 10_000;

    private final S3Client s3;
    private final TransferSettings settings;
    private final PluginLog log;
    private final int maxParts;

    public StreamUploader(S3Client s3, TransferSettings settings, PluginLog log) {
        this(s3, settings, log, MAX_PARTS);
    }

    StreamUploader(S3Client s3, TransferSettings settings, PluginLog log, int maxParts) {
        this.s3 = s3;
        this.settings = settings;
        this.log = log;
        this.maxParts = maxParts;
    }

    /**
     * Uploads everything {@code in} yields to {@code key}, then checks that the object is there
     * with that many bytes; returns the number of bytes.
     */
    public long upload(String key, InputStream in) throws IOException {
        Deque<PartBuffer> readAhead = firstParts(in);
        long sent;
        if (readAhead.size() == 1) {
            PartBuffer only = readAhead.poll();
            s3.putObject(key, only);
            sent = only.length();
        } else {
            sent = new Multipart(key).run(in, readAhead);
        }
        verifyStored(key, sent);
        return sent;
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
     * Reads up to two parts before choosing between PutObject and a multipart upload: a stream of
     * exactly one part is a single PUT. The parts live only in the returned deque, so nothing in
     * the caller's frame keeps one alive once it has been sent.
     */
    private Deque<PartBuffer> firstParts(InputStream in) throws IOException {
        long partSize = settings.chunkSize();
        Deque<PartBuffer> parts = new ArrayDeque<>();
        parts.add(PartBuffer.readFrom(in, partSize));
        if (parts.peekFirst().length() == partSize) {
            parts.add(PartBuffer.readFrom(in, partSize));
            if (parts.peekLast().length() == 0) {
                parts.pollLast();
            }
        }
        return parts;
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
        /** Parts held in memory beyond the one being read: those queued or being sent. */
        private final int partsHeld = settings.concurrency() + 1;
        private final Semaphore buffers = new Semaphore(partsHeld);
        private final Cancellation cancellation = new Cancellation();
        private final AtomicReference<Throwable> failure = new AtomicReference<>();
        private final CountDownLatch aborted = new CountDownLatch(1);
        private final List<CompletableFuture<String>> etags = new ArrayList<>();
        private final ExecutorService pool = TransferPool.create("upload", settings.concurrency());
        private int active;
        private boolean abortStarted;

        Multipart(String key) {
            this.key = key;
        }

        long run(InputStream in, Deque<PartBuffer> readAhead) throws IOException {
            try {
                uploadId = create();
            } catch (RuntimeException | Error e) {
                pool.shutdown();
                throw e;
            }
            try {
                if (Thread.currentThread().isInterrupted()) {
                    throw new PluginException("upload of " + key + " interrupted");
                }
                long total = sendParts(in, readAhead);
                List<String> completed = new ArrayList<>(etags.size());
                for (CompletableFuture<String> etag : etags) {
                    completed.add(join(etag));
                }
                complete(completed);
                log.debug("uploaded " + completed.size() + " parts of up to " + settings.chunkSize() + " bytes to " + key);
                return total;
            } catch (IOException | RuntimeException | Error e) {
                fail(e);
                awaitAbort();
                Throwable first = failure.get();
                if (first != e && first instanceof RuntimeException r) {
                    r.addSuppressed(e);
                    throw r;
                }
                if (first != e && first instanceof Error error) {
                    throw error;
                }
                throw e;
            } finally {
                pool.shutdown();
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
            CompletableFuture<T> result = CompletableFuture.supplyAsync(call, pool);
            boolean interrupted = false;
            try {
                while (true) {
                    try {
                        return result.get();
                    } catch (InterruptedException e) {
                        interrupted = true;
                    } catch (ExecutionException e) {
                        if (e.getCause() instanceof RuntimeException r) {
                            throw r;
                        }
                        if (e.getCause() instanceof Error error) {
                            throw error;
                        }
                        throw new PluginException("upload of " + key + " failed: " + e.getCause(), e.getCause());
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

        private long sendParts(InputStream in, Deque<PartBuffer> readAhead) throws IOException {
            long partSize = settings.chunkSize();
            acquire(readAhead.size());
            long total = 0;
            for (int number = 1; ; number++) {
                PartBuffer part = readAhead.poll();
                if (part == null) {
                    acquire(1);
                    part = PartBuffer.readFrom(in, partSize);
                    rethrowIfFailed();
                }
                if (part.length() == 0) {
                    buffers.release();
                    return total;
                }
                if (number > maxParts) {
                    throw new PluginException("s3://" + s3.endpoint().bucket() + "/" + key + " would need more than "
                            + maxParts + " parts of " + partSize + " bytes; raise backup_multipart_chunksize");
                }
                total += part.length();
                boolean last = part.length() < partSize;
                submit(number, part);
                if (last) {
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
            pool.execute(() -> {
                try {
                    etag.complete(s3.uploadPart(key, uploadId, partNumber, part, cancellation));
                } catch (RuntimeException | Error e) {
                    etag.completeExceptionally(e);
                    fail(e);
                } finally {
                    buffers.release();
                    partEnded();
                }
            });
        }

        /** Records the first failure and stops everything at once; the abort follows when the workers are idle. */
        private void fail(Throwable cause) {
            failure.compareAndSet(null, cause);
            cancellation.cancel();
            // Wakes the reading thread if it waits for a buffer; it then sees the failure.
            buffers.release(partsHeld + 2);
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
            pool.execute(() -> {
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

        private void acquire(int permits) {
            try {
                buffers.acquire(permits);
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
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw new PluginException("upload failed: " + e.getCause(), e.getCause());
        }
    }
}
