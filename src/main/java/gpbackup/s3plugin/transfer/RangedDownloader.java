package gpbackup.s3plugin.transfer;

import gpbackup.s3plugin.PluginException;
import gpbackup.s3plugin.config.TransferSettings;
import gpbackup.s3plugin.s3.S3Client;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;

/**
 * Downloads byte ranges of one object and writes them, in order, to a stream.
 *
 * <p>Ranges are cut into pieces of at most the restore chunk size and fetched
 * {@code concurrency} at a time through a sliding window: piece {@code i + concurrency} is
 * requested only once piece {@code i} has been written, so memory stays at
 * {@code concurrency} pieces however large the object is.
 */
public final class RangedDownloader {
    private final S3Client s3;
    private final TransferSettings settings;

    public RangedDownloader(S3Client s3, TransferSettings settings) {
        this.s3 = s3;
        this.settings = settings;
    }

    /**
     * Writes the given ranges of {@code key} to {@code out}; returns the bytes written.
     *
     * @param etag when present, every read must see this version of the object
     */
    public long download(String key, List<ByteRange> ranges, Optional<String> etag, OutputStream out)
            throws IOException {
        List<ByteRange> pieces = new ArrayList<>();
        for (ByteRange range : ranges) {
            pieces.addAll(range.split(settings.chunkSize()));
        }
        if (pieces.isEmpty()) {
            return 0;
        }
        int window = Math.min(settings.concurrency(), pieces.size());
        ExecutorService pool = TransferPool.create("download", window);
        Deque<CompletableFuture<PartBuffer>> inFlight = new ArrayDeque<>();
        long written = 0;
        try {
            int next = 0;
            while (next < window) {
                inFlight.add(fetch(key, pieces.get(next++), etag, pool));
            }
            while (!inFlight.isEmpty()) {
                PartBuffer piece = join(inFlight.poll());
                piece.writeTo(out);
                // Each piece is passed on whole, so output cut short by a later failure ends on a piece boundary.
                out.flush();
                written += piece.length();
                if (next < pieces.size()) {
                    inFlight.add(fetch(key, pieces.get(next++), etag, pool));
                }
            }
            out.flush();
            return written;
        } finally {
            inFlight.forEach(f -> f.cancel(true));
            pool.shutdownNow();
        }
    }

    private CompletableFuture<PartBuffer> fetch(String key, ByteRange piece, Optional<String> etag,
                                                ExecutorService pool) {
        return CompletableFuture.supplyAsync(() -> {
            PartBuffer[] result = new PartBuffer[1];
            s3.getRange(key, piece.start(), piece.end(), etag, (in, length) -> {
                PartBuffer buffer = PartBuffer.readFrom(in, length);
                if (buffer.length() != length) {
                    throw new IOException("connection closed after " + buffer.length() + " of " + length + " bytes");
                }
                result[0] = buffer;
            });
            return result[0];
        }, pool);
    }

    private static PartBuffer join(CompletableFuture<PartBuffer> future) {
        try {
            return future.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new PluginException("download failed: " + e.getCause(), e.getCause());
        } catch (CancellationException e) {
            throw new PluginException("download cancelled", e);
        }
    }
}
