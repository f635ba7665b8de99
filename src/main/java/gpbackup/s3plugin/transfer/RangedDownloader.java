package gpbackup.s3plugin.transfer;

import gpbackup.s3plugin.PluginException;
import gpbackup.s3plugin.s3.Cancellation;
import gpbackup.s3plugin.s3.ObjectInfo;
import gpbackup.s3plugin.s3.S3Exception;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * Downloads byte ranges of one object and writes them, in order, to a stream.
 *
 * <p>Ranges are cut into pieces of one size ({@link PartPlan#forDownload}) and fetched through a
 * sliding window of at most {@code concurrency}, which starts small and grows while growing pays
 * ({@link InFlightWindow}): a piece is written as soon as it is whole and next in order. The
 * window counts requests, not pieces: when one ends, the next piece is requested, however far
 * ahead of the writer, as long as its room can be reserved in the {@link BufferPool}. So pieces
 * that arrive early wait, memory stays within the pool however large the object, and a slow
 * reader of the output slows the downloads (the pool fills) rather than letting pieces pile up.
 *
 * <p>The first failure of any piece cancels the others at once: no further GET is sent, those
 * in flight are stopped, and the call returns only after every worker has stopped.
 */
public final class RangedDownloader {
    private final ObjectStorage storage;
    private final long pieceSize;
    private final int concurrency;
    private final BufferPool pool;
    private final LongSupplier nanoTime;

    /** Pieces of {@code pieceSize}, at most {@code concurrency} in flight, memory from {@code pool}. */
    public RangedDownloader(ObjectStorage storage, long pieceSize, int concurrency, BufferPool pool) {
        this(storage, pieceSize, concurrency, pool, System::nanoTime);
    }

    /** @param nanoTime the clock the in-flight window times its rounds by */
    RangedDownloader(ObjectStorage storage, long pieceSize, int concurrency, BufferPool pool, LongSupplier nanoTime) {
        this.storage = storage;
        this.pieceSize = pieceSize;
        this.concurrency = concurrency;
        this.pool = pool;
        this.nanoTime = nanoTime;
    }

    /** Pieces as {@link PartPlan#forDownload} sizes them for the configured {@code restore_multipart_chunksize}. */
    public static RangedDownloader planned(ObjectStorage storage, long chunkSize, int concurrency, BufferPool pool) {
        return new RangedDownloader(storage, PartPlan.forDownload(chunkSize).largestPart(), concurrency, pool);
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
            pieces.addAll(range.split(pieceSize));
        }
        if (pieces.isEmpty()) {
            return 0;
        }
        long fitting = Math.max(1, pool.limit() / BufferPool.wholeBlocks(pieceSize));
        int bound = (int) Math.min(Math.min(concurrency, fitting), pieces.size());
        return new Download(key, etag, new InFlightWindow(bound, nanoTime)).run(pieces, out);
    }

    /**
     * Writes all of {@code key} to {@code out} without knowing its size first: the first piece's
     * answer tells the size and the ETag, which the remaining pieces then must match, so an
     * object of one piece costs one request. Empty when that first GET finds no object or no
     * byte (404, 416); nothing has been written then, and the caller can look closer with HEAD.
     *
     * @return the bytes written
     */
    public Optional<Long> downloadWhole(String key, OutputStream out) throws IOException {
        return downloadWhole(key, object -> out);
    }

    /**
     * {@link #downloadWhole(String, OutputStream)} into the stream {@code outputFor} chooses once the first
     * answer told what the object is (its size, ETag and user metadata), before any byte is written.
     */
    public Optional<Long> downloadWhole(String key, Function<ObjectInfo, OutputStream> outputFor) throws IOException {
        BlockBuffer first;
        ObjectInfo object;
        try (BlockBuffer.Landing landing = reserve(pieceSize, true).orElseThrow()) {
            object = storage.getFirstBytes(key, pieceSize, landing, new Cancellation());
            first = landing.buffer();
        } catch (S3Exception e) {
            if (e.isNotFound() || e.status() == 416) {
                return Optional.empty();
            }
            throw e;
        }
        OutputStream out;
        try (first) {
            out = outputFor.apply(object);
            first.writeTo(out);
            out.flush();
        }
        long rest = object.size() - first.length();
        return Optional.of(first.length() + (rest == 0 ? 0
                : download(key, List.of(new ByteRange(first.length(), object.size())), Optional.of(object.etag()), out)));
    }

    /**
     * Room for a piece of {@code bytes}, owned by the landing that receives it. Only a download
     * with nothing in flight waits for room ({@code wait}); one with pieces in flight writes those
     * first, since only it can free their room (two downloads sharing the pool could otherwise
     * wait on each other for ever).
     */
    private Optional<BlockBuffer.Landing> reserve(long bytes, boolean wait) {
        try {
            return (wait ? pool.reserve(bytes, () -> false) : pool.tryReserve(bytes)).map(BlockBuffer.Landing::new);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PluginException("download interrupted", e);
        }
    }

    /** The state of one download. */
    private final class Download {
        private final String key;
        private final Optional<String> etag;
        private final InFlightWindow window;
        private final Cancellation cancellation = new Cancellation();
        private final AtomicReference<RuntimeException> firstFailure = new AtomicReference<>();
        /** Every piece requested and not yet written, in order; those that have arrived hold their room until written. */
        private final Deque<CompletableFuture<BlockBuffer>> inFlight = new ArrayDeque<>();
        /** Requests sent and not yet ended: at most the window's size. */
        private final AtomicInteger requesting = new AtomicInteger();
        /** A permit for each request that ends, so the writer can send the next without waiting for the head. */
        private final Semaphore ended = new Semaphore(0);
        private final ExecutorService workers;

        Download(String key, Optional<String> etag, InFlightWindow window) {
            this.key = key;
            this.etag = etag;
            this.window = window;
            this.workers = WorkerThreads.create("download", window.bound());
        }

        long run(List<ByteRange> pieces, OutputStream out) throws IOException {
            long written = 0;
            try {
                int next = 0;
                while (next < pieces.size() || !inFlight.isEmpty()) {
                    boolean roomLeft = true;
                    while (next < pieces.size() && requesting.get() < window.size() && !cancellation.isCancelled()) {
                        Optional<BlockBuffer.Landing> room = reserve(pieces.get(next).length(), inFlight.isEmpty());
                        if (room.isEmpty()) {
                            roomLeft = false;
                            break;
                        }
                        requesting.incrementAndGet();
                        inFlight.add(fetch(pieces.get(next++), room.get()));
                    }
                    CompletableFuture<BlockBuffer> head = inFlight.peek();
                    if (!head.isDone() && roomLeft && next < pieces.size() && !cancellation.isCancelled()) {
                        // Every request slot is busy but the memory holds more pieces: the next is sent as
                        // soon as any request ends, so one slow piece at the head does not idle the
                        // other connections (on a WAN the window drained and refilled in bursts).
                        // The head's own completion wakes the writer too: a request ends just before
                        // its future completes, and the writer must not then wait for the next one.
                        head.whenComplete((piece, failure) -> ended.release());
                        awaitAnEnd();
                        continue;
                    }
                    try (BlockBuffer piece = Futures.join(head, "download of " + key)) {
                        inFlight.poll();
                        piece.writeTo(out);
                        // Each piece is passed on whole, so output cut short by a later failure ends on a piece boundary.
                        out.flush();
                        written += piece.length();
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
                workers.shutdown();
            }
        }

        private CompletableFuture<BlockBuffer> fetch(ByteRange piece, BlockBuffer.Landing landing) {
            return CompletableFuture.supplyAsync(() -> {
                try (landing) {
                    storage.getRange(key, piece.start(), piece.end(), etag, landing, cancellation);
                    window.done(piece.length());
                    return landing.buffer();
                } catch (RuntimeException | Error e) {
                    if (!cancellation.isCancelled() && e instanceof RuntimeException r) {
                        firstFailure.compareAndSet(null, r);
                    }
                    // Noticed at once, not when the writer reaches this piece.
                    cancellation.cancel();
                    throw e;
                } finally {
                    requesting.decrementAndGet();
                    ended.release();
                }
            }, workers);
        }

        /** Waits until some request ends or the head completes (a request is in flight: the window is full of them). */
        private void awaitAnEnd() {
            try {
                ended.acquire();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new PluginException("download of " + key + " interrupted", e);
            }
        }

        /** Cancels every piece and waits for the workers, so no request outlives the call; frees the pieces' room. */
        private void stop() {
            cancellation.cancel();
            for (CompletableFuture<BlockBuffer> piece : inFlight) {
                Futures.joinUninterruptibly(piece.handle((result, failure) -> {
                    if (result != null) {
                        result.close();
                    }
                    return null;
                }), "download of " + key);
            }
        }
    }
}
