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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
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
    private static final BooleanSupplier NEVER = () -> false;

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

    /**
     * Uploads everything {@code in} yields to {@code key}, then checks that the object is there
     * with that many bytes; returns the number of bytes.
     */
    public long upload(String key, InputStream source) throws IOException {
        return uploadDigested(key, source).size();
    }

    /**
     * {@link #upload}, returning what a {@link DigestRecord} keeps of the object: its size, the
     * ETag the server reports, and the SHA-256 of each part, taken from the signing of the parts.
     */
    public DigestRecord uploadDigested(String key, InputStream source) throws IOException {
        return uploadRecorded(key, source).digests();
    }

    /**
     * {@link #uploadDigested}, saying also whether the digests still need a record beside the
     * object: a single PutObject carries its SHA-256 (computed anyway to sign it) as the user
     * metadata {@link DigestRecord#SHA256_METADATA}, so it needs none; a multipart upload does.
     */
    public Upload uploadRecorded(String key, InputStream source) throws IOException {
        Instant started = storage.now();
        PushbackInputStream in = new PushbackInputStream(source, 1);
        BlockBuffer first = readPart(in, plan.partSize(1), NEVER)
                .orElseThrow(() -> new IllegalStateException("no stop condition, yet stopped"));
        List<PartDigest> digests = new ArrayList<>();
        long sent;
        boolean single = first.length() < plan.partSize(1) || endOfStream(in, first);
        if (single) {
            try {
                String sha256 = first.sha256Hex();
                digests.add(new PartDigest(first.length(), sha256));
                storage.putObject(key, first, Map.of(DigestRecord.SHA256_METADATA, sha256));
            } finally {
                first.release();
            }
            sent = first.length();
        } else {
            sent = new Multipart(key, digests).run(in, first);
        }
        ObjectInfo stored = verifyStored(key, sent, started);
        return new Upload(new DigestRecord(sent, stored.etag(), digests), !single, stored.stored().versionId());
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

    /**
     * Whether the stream ends right after the first part, in which case it is a single PUT. One
     * byte is read ahead and pushed back, rather than a second part, so the choice costs no memory.
     */
    private static boolean endOfStream(PushbackInputStream in, BlockBuffer first) throws IOException {
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
    private Optional<BlockBuffer> readPart(InputStream in, long size, BooleanSupplier stop) throws IOException {
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
            return Optional.of(BlockBuffer.readFrom(in, size, ticket.get(), true));
        } catch (IOException | RuntimeException | Error e) {
            ticket.get().release();
            throw e;
        }
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
     * One multipart upload, top-down: create it; read, reserve and send the parts in turn, as
     * {@link PartsInFlight} allows; complete it with the ETags in part order. Any failure aborts
     * it instead (see {@link PartsInFlight}). Creation and completion run on a worker and are
     * awaited whatever happens, so an upload that exists on the server is always completed or
     * aborted, never forgotten by an interrupted caller.
     */
    private final class Multipart {
        private final String key;
        private final String what;
        private final ExecutorService workers = WorkerThreads.create("upload", concurrency);
        private final PartsInFlight parts;
        private final List<PartDigest> digests;
        private String uploadId;

        /** @param digests gets each part's length and SHA-256, in part order */
        Multipart(String key, List<PartDigest> digests) {
            this.key = key;
            this.digests = digests;
            this.what = "upload of " + key;
            this.parts = new PartsInFlight(workers, concurrency, pool, what, this::abortQuietly);
        }

        long run(InputStream in, BlockBuffer first) throws IOException {
            try {
                uploadId = Futures.joinUninterruptibly(onWorker(() -> storage.createMultipartUpload(key)), what);
            } catch (RuntimeException | Error e) {
                first.release();
                workers.shutdown();
                throw e;
            }
            try {
                long total = sendParts(in, first);
                List<String> etags = parts.etagsInOrder();
                Futures.joinUninterruptibly(onWorker(() -> completeOrRecognise(etags)), what);
                log.debug("uploaded " + etags.size() + " parts of " + plan.partSize(1) + " to "
                        + plan.partSize(etags.size()) + " bytes to " + key);
                return total;
            } catch (IOException | RuntimeException | Error e) {
                throw parts.failAndAwaitAbort(e);
            } finally {
                workers.shutdown();
            }
        }

        /** Sends {@code first}, which is full and not the last, then reads and sends parts 2, 3, …; returns the bytes. */
        private long sendParts(InputStream in, BlockBuffer first) throws IOException {
            try {
                parts.takeSlot();
            } catch (RuntimeException e) {
                first.release();
                throw e;
            }
            digests.add(new PartDigest(first.length(), first.sha256Hex()));
            parts.send(1, first, this::uploadPart);
            long total = first.length();
            for (int number = 2; ; number++) {
                long size = plan.partSize(number);
                parts.takeSlot();
                BlockBuffer part = readPart(in, size, parts::failed).orElse(null);
                if (part == null || parts.failed() || part.length() == 0) {
                    if (part != null) {
                        part.release();
                    }
                    parts.rethrowIfFailed();
                    return total;
                }
                if (number > maxParts) {
                    part.release();
                    throw new PluginException(storage.location(key) + " would need more than " + maxParts
                            + " parts; parts grow to " + plan.largestPart() + " bytes, so at most "
                            + plan.maxStreamSize(maxParts) + " bytes fit; raise memory_budget and"
                            + " backup_multipart_chunksize");
                }
                // Taken before sending: a sent part's buffer goes back to the pool when its upload ends.
                digests.add(new PartDigest(part.length(), part.sha256Hex()));
                parts.send(number, part, this::uploadPart);
                total += part.length();
                if (part.length() < size) {
                    return total;
                }
            }
        }

        private String uploadPart(int partNumber, BlockBuffer part, Cancellation cancellation) {
            return storage.uploadPart(key, uploadId, partNumber, part, cancellation);
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
                // Under SSE-KMS and SSE-C ETags are not MD5s: nothing recognises the object, so it fails.
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
