package gpbackup.s3plugin.transfer;

import gpbackup.s3plugin.PluginException;
import gpbackup.s3plugin.config.TransferSettings;
import gpbackup.s3plugin.s3.Cancellation;
import gpbackup.s3plugin.s3.S3Client;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Downloads byte ranges of one object and writes them, in order, to a stream.
 *
 * <p>Ranges are cut into pieces of at most the restore chunk size and fetched
 * {@code concurrency} at a time through a sliding window: piece {@code i + concurrency} is
 * requested only once piece {@code i} has been written, so memory stays at
 * {@code concurrency} pieces however large the object is, and a slow reader of the output
 * slows the downloads down rather than letting pieces pile up.
 *
 * <p>The first failure of any piece cancels the others at once: no further GET is sent, those
 * in flight are torn down, and the call returns only after every worker has stopped.
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
        return new Download(key, etag, Math.min(settings.concurrency(), pieces.size())).run(pieces, out);
    }

    /** The state of one download. */
    private final class Download {
        private final String key;
        private final Optional<String> etag;
        private final int window;
        private final Cancellation cancellation = new Cancellation();
        private final AtomicReference<RuntimeException> firstFailure = new AtomicReference<>();
        private final Deque<CompletableFuture<PartBuffer>> inFlight = new ArrayDeque<>();
        private final ExecutorService pool;

        Download(String key, Optional<String> etag, int window) {
            this.key = key;
            this.etag = etag;
            this.window = window;
            this.pool = TransferPool.create("download", window);
        }

        long run(List<ByteRange> pieces, OutputStream out) throws IOException {
            long written = 0;
            try {
                int next = 0;
                while (next < window) {
                    inFlight.add(fetch(pieces.get(next++)));
                }
                while (!inFlight.isEmpty()) {
                    PartBuffer piece = join(inFlight.poll());
                    piece.writeTo(out);
                    // Each piece is passed on whole, so output cut short by a later failure ends on a piece boundary.
                    out.flush();
                    written += piece.length();
                    if (next < pieces.size()) {
                        inFlight.add(fetch(pieces.get(next++)));
                    }
                }
                return written;
            } catch (IOException | RuntimeException | Error e) {
                stop();
                RuntimeException first = firstFailure.get();
                if (first != null && first != e) {
                    first.addSuppressed(e);
                    throw first;
                }
                throw e;
            } finally {
                pool.shutdown();
            }
        }

        private CompletableFuture<PartBuffer> fetch(ByteRange piece) {
            return CompletableFuture.supplyAsync(() -> {
                try {
                    PartBuffer[] result = new PartBuffer[1];
                    s3.getRange(key, piece.start(), piece.end(), etag, (in, length) -> {
                        PartBuffer buffer = PartBuffer.readFrom(in, length);
                        if (buffer.length() != length) {
                            throw new IOException("connection closed after " + buffer.length() + " of " + length
                                    + " bytes");
                        }
                        result[0] = buffer;
                    }, cancellation);
                    return result[0];
                } catch (RuntimeException | Error e) {
                    if (!cancellation.isCancelled() && e instanceof RuntimeException r) {
                        firstFailure.compareAndSet(null, r);
                    }
                    // Noticed at once, not when the writer reaches this piece.
                    cancellation.cancel();
                    throw e;
                }
            }, pool);
        }

        /** Cancels every piece and waits for the workers, so no request outlives the call. */
        private void stop() {
            cancellation.cancel();
            boolean interrupted = false;
            for (CompletableFuture<PartBuffer> piece : inFlight) {
                while (true) {
                    try {
                        piece.handle((result, failure) -> null).get();
                        break;
                    } catch (InterruptedException e) {
                        interrupted = true;
                    } catch (ExecutionException e) {
                        break;
                    }
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The piece, or its failure; interruptible, so a stopped directory restore stops here too. */
    private static PartBuffer join(CompletableFuture<PartBuffer> future) {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PluginException("download interrupted", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw new PluginException("download failed: " + e.getCause(), e.getCause());
        }
    }
}
