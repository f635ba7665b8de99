package gpbackup.s3plugin.transfer;

import gpbackup.s3plugin.PluginException;
import gpbackup.s3plugin.config.TransferSettings;
import gpbackup.s3plugin.log.PluginLog;
import gpbackup.s3plugin.s3.S3Client;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Uploads a stream of unknown length to one object.
 *
 * <p>A stream that fits in one part becomes a single PutObject. A longer one becomes a multipart
 * upload whose parts are read one after another and sent {@code concurrency} at a time; at most
 * {@code concurrency + 1} parts are in memory at once (those in flight plus the one being read).
 * If anything fails the upload is aborted, so a half-written object never becomes visible.
 */
public final class StreamUploader {
    /** S3 numbers parts 1 to 10,000. */
    static final int MAX_PARTS = 10_000;

    private final S3Client s3;
    private final TransferSettings settings;
    private final PluginLog log;

    public StreamUploader(S3Client s3, TransferSettings settings, PluginLog log) {
        this.s3 = s3;
        this.settings = settings;
        this.log = log;
    }

    /** Uploads everything {@code in} yields to {@code key}; returns the number of bytes. */
    public long upload(String key, InputStream in) throws IOException {
        long partSize = settings.chunkSize();
        PartBuffer first = PartBuffer.readFrom(in, partSize);
        PartBuffer second = first.length() < partSize ? null : PartBuffer.readFrom(in, partSize);
        if (second == null || second.length() == 0) {
            s3.putObject(key, first);
            return first.length();
        }
        String uploadId = s3.createMultipartUpload(key);
        try {
            return uploadParts(key, uploadId, in, first, second);
        } catch (IOException | RuntimeException | Error e) {
            abortQuietly(key, uploadId, e);
            throw e;
        }
    }

    private long uploadParts(String key, String uploadId, InputStream in, PartBuffer first, PartBuffer second)
            throws IOException {
        long partSize = settings.chunkSize();
        int concurrency = settings.concurrency();
        Semaphore buffers = new Semaphore(concurrency + 1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<CompletableFuture<String>> etags = new ArrayList<>();
        ExecutorService pool = TransferPool.create("upload", concurrency);
        long total = 0;
        try {
            acquire(buffers, 2);
            List<PartBuffer> readAhead = new ArrayList<>(List.of(first, second));
            for (int number = 1; ; number++) {
                PartBuffer part;
                if (!readAhead.isEmpty()) {
                    part = readAhead.remove(0);
                } else {
                    acquire(buffers, 1);
                    rethrowIfFailed(failure);
                    part = PartBuffer.readFrom(in, partSize);
                }
                if (part.length() == 0) {
                    buffers.release();
                    break;
                }
                if (number > MAX_PARTS) {
                    throw new PluginException("s3://" + s3.endpoint().bucket() + "/" + key + " would need more than "
                            + MAX_PARTS + " parts of " + partSize + " bytes; raise backup_multipart_chunksize");
                }
                total += part.length();
                int partNumber = number;
                etags.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        return s3.uploadPart(key, uploadId, partNumber, part);
                    } catch (RuntimeException e) {
                        failure.compareAndSet(null, e);
                        throw e;
                    } finally {
                        buffers.release();
                    }
                }, pool));
                if (part.length() < partSize) {
                    break;
                }
            }
            List<String> completed = new ArrayList<>(etags.size());
            for (CompletableFuture<String> etag : etags) {
                completed.add(join(etag));
            }
            s3.completeMultipartUpload(key, uploadId, completed);
            log.debug("uploaded " + completed.size() + " parts of up to " + partSize + " bytes to " + key);
            return total;
        } finally {
            pool.shutdownNow();
        }
    }

    private static void acquire(Semaphore semaphore, int permits) {
        try {
            semaphore.acquire(permits);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PluginException("upload interrupted", e);
        }
    }

    private static void rethrowIfFailed(AtomicReference<Throwable> failure) {
        Throwable t = failure.get();
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t != null) {
            throw new PluginException("upload failed: " + t, t);
        }
    }

    private static String join(CompletableFuture<String> future) {
        try {
            return future.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw e;
        }
    }

    private void abortQuietly(String key, String uploadId, Throwable cause) {
        try {
            s3.abortMultipartUpload(key, uploadId);
            log.info("aborted multipart upload of " + key + " after failure: " + cause.getMessage());
        } catch (RuntimeException abortFailure) {
            log.warn("could not abort multipart upload " + uploadId + " of " + key + ": "
                    + abortFailure.getMessage() + "; a bucket lifecycle rule for incomplete uploads will clean it up");
        }
    }
}
