package gpbackup.s3plugin.transfer;

import gpbackup.s3plugin.PluginException;
import gpbackup.s3plugin.log.PluginLog;
import gpbackup.s3plugin.s3.Cancellation;
import gpbackup.s3plugin.s3.ObjectInfo;
import gpbackup.s3plugin.s3.S3Exception;
import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackInputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Uploads a stream of unknown length to one object.
 *
 * <p>A stream that fits in one part becomes a single PutObject. A longer one becomes a multipart
 * upload whose parts, sized by a {@link PartPlan}, are read one after another and sent at most
 * {@code concurrency} at a time, through a window that starts small and grows while growing pays
 * ({@link InFlightWindow}). Every part reserves its memory in the {@link BufferPool} before
 * it is read and owns it until closed; at most {@code concurrency + 1} parts are held (those
 * queued or in flight plus the one being read), so memory stays within the pool however long
 * the stream. The first failure stops every part request and aborts the upload once, so a
 * half-written object never becomes visible.
 */
public final class StreamUploader {
    /** S3 numbers parts 1 to 10,000. */
    static final int MAX_PARTS = 10_000;

    private final ObjectStorage storage;
    private final PartPlan plan;
    private final int concurrency;
    private final BufferPool pool;
    private final PluginLog log;
    private final int maxParts;

    /** Parts as {@code plan} sizes them, {@code concurrency} in flight at most, memory from {@code pool}. */
    public StreamUploader(ObjectStorage storage, PartPlan plan, int concurrency, BufferPool pool, PluginLog log) {
        this(storage, plan, concurrency, pool, log, MAX_PARTS);
    }

    /** @param maxParts the most parts an upload may have (S3's limit, or fewer) */
    StreamUploader(ObjectStorage storage, PartPlan plan, int concurrency, BufferPool pool, PluginLog log,
                   int maxParts) {
        this.storage = storage;
        this.plan = plan;
        this.concurrency = concurrency;
        this.pool = pool;
        this.log = log;
        this.maxParts = maxParts;
    }

    /** Parts as {@link PartPlan#forUpload} sizes them for the configured chunk size within {@code pool}. */
    public static StreamUploader planned(ObjectStorage storage, long chunkSize, int concurrency, BufferPool pool,
                                         PluginLog log) {
        return new StreamUploader(storage, PartPlan.forUpload(chunkSize, pool.limit()), concurrency, pool, log);
    }

    /**
     * Uploads everything {@code source} yields to {@code key}, then checks that the object is
     * there with that many bytes, stored as asked. Returns what a {@link DigestRecord} keeps of
     * it (size, the server's ETag, each part's SHA-256, taken from the signing of the parts) and
     * whether that still needs a record beside the object: a single PutObject carries its
     * SHA-256 as the user metadata {@link DigestRecord#SHA256_METADATA}; a multipart upload does not.
     */
    public Upload uploadRecorded(String key, InputStream source) throws IOException {
        return uploadRecorded(key, source, Map.of());
    }

    /**
     * {@link #uploadRecorded(String, InputStream)}, the object getting {@code userMetadata} too (a single
     * PutObject's or the multipart upload's), e.g. the mark of a sealed object.
     */
    public Upload uploadRecorded(String key, InputStream source, Map<String, String> userMetadata) throws IOException {
        Instant started = storage.now();
        PushbackInputStream in = new PushbackInputStream(source, 1);
        List<PartDigest> digests = new ArrayList<>();
        Part first = reserve(in, 1, () -> false).orElseThrow();
        long sent = first.data().length();
        if (first.last()) {
            try (first) {
                digests.add(first.digest());
                Map<String, String> metadata = new TreeMap<>(userMetadata);
                metadata.put(DigestRecord.SHA256_METADATA, first.data().sha256Hex());
                storage.putObject(key, first.data(), metadata);
            }
        } else {
            sent = new Multipart(key, digests, userMetadata).run(in, first);
        }
        ObjectInfo stored = verifyStored(key, sent, started);
        return new Upload(new DigestRecord(sent, stored.etag(), digests), !first.last(), stored.stored().versionId());
    }

    /**
     * An upload's digests, whether they need a {@link DigestRecord} stored beside the object
     * (a multipart upload) or are already in the object's metadata (a single PutObject), and the
     * version the store gave the object in a versioned bucket.
     */
    public record Upload(DigestRecord digests, boolean needsRecord, Optional<String> versionId) {
        public long size() {
            return digests.size();
        }
    }

    /** One part read from the stream; it owns its room in the pool and gives it back when closed. */
    private record Part(int number, BlockBuffer data, boolean last) implements AutoCloseable {
        PartDigest digest() {
            return new PartDigest(data.length(), data.sha256Hex());
        }

        @Override
        public void close() {
            data.close();
        }
    }

    /**
     * The one reserve: room for part {@code number}, waited for unless {@code stop} says so (then
     * empty), filled from {@code in}. The part is the stream's last when it is short or the
     * stream ends right after it: one byte is read ahead and pushed back, so telling costs no memory.
     */
    private Optional<Part> reserve(PushbackInputStream in, int number, BooleanSupplier stop) throws IOException {
        long size = plan.partSize(number);
        Optional<BufferPool.Ticket> room;
        try {
            room = pool.reserve(size, stop);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PluginException("upload interrupted", e);
        }
        if (room.isEmpty()) {
            return Optional.empty();
        }
        try {
            BlockBuffer data = BlockBuffer.readFrom(in, size, room.get(), true);
            return Optional.of(new Part(number, data, data.length() < size || atEnd(in)));
        } catch (IOException | RuntimeException | Error e) {
            room.get().release();
            throw e;
        }
    }

    private static boolean atEnd(PushbackInputStream in) throws IOException {
        int next = in.read();
        if (next >= 0) {
            in.unread(next);
        }
        return next < 0;
    }

    /**
     * A server can acknowledge an upload it then fails to keep (S3Proxy's in-memory store does,
     * when it runs out of heap while assembling parts). A backup must never look complete when
     * it is not, so the object's size is read back, as the Go plugin also did after each upload;
     * the same HEAD proves the object is stored as asked (encrypted, locked, of its class).
     */
    private ObjectInfo verifyStored(String key, long sent, Instant started) {
        ObjectInfo stored;
        try {
            stored = storage.headObject(key);
        } catch (S3Exception e) {
            if (!e.isNotFound()) {
                throw e;
            }
            throw new PluginException("the server acknowledged the upload of " + storage.location(key)
                    + " but does not have the object; the backup of it failed");
        }
        if (stored.size() != sent) {
            throw new PluginException("the server holds " + stored.size() + " bytes for " + storage.location(key)
                    + " but " + sent + " were sent; the backup of it failed");
        }
        return storage.confirmStorage(key, stored, started);
    }

    /**
     * One multipart upload, top-down like the download loop: create it; then, part by part, wait
     * for a slot, reserve, read and hand the part to a worker; complete it with the ETags in part
     * order. The first failure (of a part, of the input or of the caller) cancels every part
     * request; once none is left the upload is aborted, on a worker, which nothing interrupts,
     * so the abort neither waits for a silent input nor is lost by an interrupted caller.
     * Creation and completion run on a worker too and are awaited whatever happens.
     */
    private final class Multipart {
        private final String key;
        private final String what;
        private final List<PartDigest> digests;
        private final Map<String, String> userMetadata;
        private final ExecutorService workers = WorkerThreads.create("upload", concurrency);
        private final Cancellation cancellation = new Cancellation();
        /** Parts in flight: a few at first, more while more pay, at most {@code concurrency}. */
        private final InFlightWindow window = new InFlightWindow(concurrency, System::nanoTime);
        /** Every part's ETag to come, in part order; with {@link #failure}, guarded by itself. */
        private final List<CompletableFuture<String>> etags = new ArrayList<>();
        /** The parts sent and maybe not yet answered; the reader's alone. */
        private final List<CompletableFuture<String>> sending = new ArrayList<>();
        private final CompletableFuture<Void> aborted = new CompletableFuture<>();
        private volatile Throwable failure;
        private String uploadId;

        /** @param digests gets each part's length and SHA-256, in part order */
        Multipart(String key, List<PartDigest> digests, Map<String, String> userMetadata) {
            this.key = key;
            this.digests = digests;
            this.userMetadata = userMetadata;
            this.what = "upload of " + key;
        }

        /** Uploads {@code first}, which is full and not the last, and the rest of {@code in}; returns the bytes. */
        long run(PushbackInputStream in, Part first) throws IOException {
            try {
                uploadId = Futures.joinUninterruptibly(onWorker(() -> storage.createMultipartUpload(key, userMetadata)), what);
            } catch (RuntimeException | Error e) {
                // Nothing to abort: the upload never existed.
                first.close();
                workers.shutdown();
                throw e;
            }
            try {
                long total = 0;
                for (Part part = first; ; part = next(in, part.number() + 1)) {
                    total += part.data().length();
                    send(part);
                    if (part.last()) {
                        break;
                    }
                }
                List<String> inOrder = new ArrayList<>(etags.size());
                for (CompletableFuture<String> etag : etags) {
                    inOrder.add(Futures.join(etag, what));
                }
                Futures.joinUninterruptibly(onWorker(() -> completeOrRecognise(inOrder)), what);
                log.debug("uploaded " + inOrder.size() + " parts of " + plan.partSize(1) + " to "
                        + plan.partSize(inOrder.size()) + " bytes to " + key);
                return total;
            } catch (IOException | RuntimeException | Error e) {
                // The one exit on failure: abort once, then throw what failed first.
                Throwable firstFailure = fail(e);
                Futures.joinUninterruptibly(aborted, what);
                if (firstFailure == e) {
                    throw e;
                }
                firstFailure.addSuppressed(e);
                throw unchecked(firstFailure);
            } finally {
                workers.shutdown();
            }
        }

        /** Part {@code number}, once at most the window's parts are in flight, besides the one to read. */
        private Part next(PushbackInputStream in, int number) throws IOException {
            sending.removeIf(CompletableFuture::isDone);
            while (sending.size() > window.size()) {
                // A part's future completes once it has given its room back; a failed one ends the wait too.
                Futures.join(CompletableFuture.anyOf(sending.toArray(new CompletableFuture<?>[0]))
                        .exceptionally(partFailure -> null), what);
                sending.removeIf(CompletableFuture::isDone);
            }
            if (Thread.currentThread().isInterrupted()) {
                throw new PluginException(what + " interrupted");
            }
            if (failure != null) {
                throw unchecked(failure);
            }
            Part part = reserve(in, number, () -> failure != null).orElseThrow(() -> unchecked(failure));
            if (!part.last() && number >= maxParts) {
                part.close();
                throw new PluginException(storage.location(key) + " would need more than " + maxParts
                        + " parts; parts grow to " + plan.largestPart() + " bytes, so at most "
                        + plan.maxStreamSize(maxParts) + " bytes fit; raise memory_budget and"
                        + " backup_multipart_chunksize");
            }
            return part;
        }

        /** Hands {@code part} to a worker, which closes it once its request has ended. */
        private void send(Part part) {
            // Taken before sending: a sent part's room goes back to the pool when its upload ends.
            digests.add(part.digest());
            CompletableFuture<String> etag = new CompletableFuture<>();
            boolean registered;
            synchronized (etags) {
                registered = failure == null && etags.add(etag);
            }
            if (!registered) {
                part.close();
                throw unchecked(failure);
            }
            sending.add(etag);
            workers.execute(() -> {
                String answer;
                try (part) {
                    answer = storage.uploadPart(key, uploadId, part.number(), part.data(), cancellation);
                    window.done(part.data().length());
                } catch (RuntimeException | Error e) {
                    fail(e);
                    etag.completeExceptionally(e);
                    return;
                }
                etag.complete(answer);
            });
        }

        /**
         * Records the first failure and returns it: cancels every part request, wakes a reader
         * waiting for room, and aborts the upload once the parts sent so far have ended. A part
         * registered later never starts its request, since the cancellation is thrown first.
         */
        private Throwable fail(Throwable cause) {
            CompletableFuture<?>[] sent;
            synchronized (etags) {
                if (failure != null) {
                    return failure;
                }
                failure = cause;
                sent = etags.toArray(new CompletableFuture<?>[0]);
            }
            cancellation.cancel();
            pool.wakeWaiters();
            CompletableFuture.allOf(sent).handle((ok, partFailure) -> null)
                    .thenRunAsync(() -> abortQuietly(cause), workers)
                    .whenComplete((ok, abortFailure) -> aborted.complete(null));
            return cause;
        }

        private RuntimeException unchecked(Throwable t) {
            if (t instanceof Error error) {
                throw error;
            }
            return t instanceof RuntimeException r ? r : new PluginException(what + " failed: " + t.getMessage(), t);
        }

        /**
         * When the answer to CompleteMultipartUpload is lost, the retry finds the upload gone
         * ({@code NoSuchUpload}) although it did complete; the object's ETag, which S3 derives
         * from the parts' ETags, tells whether the object now at the key is this upload. Under
         * SSE-KMS and SSE-C the ETags are not MD5s and tell nothing, so the upload fails.
         */
        private Void completeOrRecognise(List<String> partEtags) {
            try {
                storage.completeMultipartUpload(key, uploadId, partEtags);
            } catch (S3Exception e) {
                Optional<String> expected = storage.etagsAreMd5() ? MultipartEtag.of(partEtags) : Optional.empty();
                if (!e.code().filter("NoSuchUpload"::equals).isPresent() || expected.isEmpty()
                        || !expected.get().equals(storage.headObject(key).etag())) {
                    throw e;
                }
                log.info("multipart upload of " + key + " had completed before its answer was lost");
            }
            return null;
        }

        private void abortQuietly(Throwable cause) {
            try {
                storage.abortMultipartUpload(key, uploadId);
                log.info("aborted multipart upload of " + key + " after failure: " + cause.getMessage());
            } catch (RuntimeException abortFailure) {
                log.warn("could not abort multipart upload " + uploadId + " of " + key + ": "
                        + abortFailure.getMessage() + "; a bucket lifecycle rule for incomplete uploads will clean it up");
            }
        }

        /** Runs {@code call} on a worker, which nothing interrupts. */
        private <T> CompletableFuture<T> onWorker(Supplier<T> call) {
            return CompletableFuture.supplyAsync(call, workers);
        }
    }
}
