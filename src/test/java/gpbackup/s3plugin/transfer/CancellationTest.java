package gpbackup.s3plugin.transfer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gpbackup.s3plugin.log.PluginLog;
import gpbackup.s3plugin.s3.S3Exception;
import gpbackup.s3plugin.s3.WireMockS3;
import gpbackup.s3plugin.transfer.MemoryStorage.Request;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.SequenceInputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;

/**
 * After a failure nothing more reaches the storage: no GET once a download has failed, no part
 * PUT after the AbortMultipartUpload, and no request still under way when the call returns.
 * Requests after the failing one are held until the cancellation ends them, so the failure
 * always meets requests in flight; each race runs 50 times, the failing part moving along.
 */
class CancellationTest {
    private static final int PART = 1024;
    private static final int PARTS = 10;
    private static final int PIECE = 100;
    private static final int PIECES = 12;
    private static final long WAIT_SECONDS = 20;

    private final MemoryStorage storage = new MemoryStorage();

    private static byte[] data(int size) {
        byte[] data = new byte[size];
        new Random(size).nextBytes(data);
        return data;
    }

    /** Fails request {@code failing} of {@code operation} on {@code key}; holds the later ones until cancelled. */
    private void failAndHoldTheRest(String operation, String key, long failing) {
        storage.gate((request, cancellation) -> {
            if (request.is(operation, key) && request.number() == failing) {
                throw MemoryStorage.error(403, "AccessDenied");
            }
            if (request.is(operation, key) && request.number() > failing) {
                MemoryStorage.hold(new CountDownLatch(1), request, cancellation);
            }
        });
    }

    @RepeatedTest(50)
    void aFailedPartStopsTheOthersAndNothingIsSentAfterTheAbort(RepetitionInfo repetition) {
        int failing = 1 + repetition.getCurrentRepetition() % PARTS;
        failAndHoldTheRest("part", "k", failing);
        StreamUploader uploader = Engines.uploader(storage, PART, 4, WireMockS3.quietLog());

        S3Exception e = assertThrows(S3Exception.class,
                () -> uploader.uploadRecorded("k", new ByteArrayInputStream(data(PARTS * PART + 1))).size());

        assertEquals(403, e.status(), "the first failure is reported");
        assertEquals(0, storage.inProgress(), "a request outlived the upload");
        List<Request> journal = storage.journal();
        assertEquals(new Request("abort", "k", 0), journal.get(journal.size() - 1), "the abort comes last: " + journal);
        assertEquals(1, journal.stream().filter(r -> r.operation().equals("abort")).count(), "one abort");
        assertFalse(journal.stream().anyMatch(r -> r.operation().equals("complete")), "never completed");
        assertTrue(journal.stream().filter(r -> r.operation().equals("part")).allMatch(r -> r.number() <= failing + 4),
                "parts beyond those held at the failure were sent: " + journal);
        assertEquals(0, storage.uploadsOpen());
        assertTrue(storage.object("k").isEmpty(), "no object appears");
    }

    @RepeatedTest(50)
    void aFailedPieceStopsTheOthersAndNoGetOutlivesTheDownload(RepetitionInfo repetition) {
        int failing = repetition.getCurrentRepetition() % PIECES;
        byte[] object = data(PIECES * PIECE);
        storage.store("k", object);
        failAndHoldTheRest("get", "k", (long) failing * PIECE);
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        S3Exception e = assertThrows(S3Exception.class, () -> Engines.downloader(storage, PIECE, 4)
                .download("k", List.of(new ByteRange(0, object.length)), Optional.empty(), out));

        assertEquals(403, e.status(), "the first failure is reported");
        assertEquals(0, storage.inProgress(), "a GET outlived the download");
        // The writer cannot pass the failed piece, so pieces from failing + window on are never asked for.
        assertTrue(storage.journal().stream().allMatch(r -> r.number() < (failing + 4L) * PIECE),
                "pieces beyond the window of the failed one were asked for: " + storage.journal());
        // Pieces before the failed one may be stopped too, if not yet answered: what was written is whole pieces, in order.
        byte[] written = out.toByteArray();
        assertTrue(written.length % PIECE == 0 && written.length <= failing * PIECE, "written: " + written.length);
        assertArrayEquals(Arrays.copyOf(object, written.length), written);
    }

    @Test
    void aFailedPartIsAbortedWhileTheReaderStillWaitsForInput() throws Exception {
        // Part 1 fails only once the reader waits for input after part 3: failed earlier, it lets the
        // reader find the failure at its next part and end the upload without ever waiting.
        CountDownLatch readerWaits = new CountDownLatch(1);
        CountDownLatch abortSent = new CountDownLatch(1);
        storage.gate((request, cancellation) -> {
            if (request.is("part", "k") && request.number() == 1) {
                readerWaits.await(WAIT_SECONDS, TimeUnit.SECONDS);
                throw MemoryStorage.error(403, "AccessDenied");
            }
            if (request.is("abort", "k")) {
                abortSent.countDown();
            }
        });
        CountDownLatch inputMayEnd = new CountDownLatch(1);
        InputStream silentAfterThreeParts = new SequenceInputStream(new ByteArrayInputStream(data(3 * PART)),
                new InputStream() {
                    @Override
                    public int read() throws IOException {
                        readerWaits.countDown();
                        try {
                            inputMayEnd.await();
                        } catch (InterruptedException e) {
                            throw new IOException(e);
                        }
                        return -1;
                    }
                });
        StreamUploader uploader = Engines.uploader(storage, PART, 2, WireMockS3.quietLog());
        CompletableFuture<Long> backup = CompletableFuture.supplyAsync(() -> {
            try {
                return uploader.uploadRecorded("k", silentAfterThreeParts).size();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });

        assertTrue(readerWaits.await(WAIT_SECONDS, TimeUnit.SECONDS), "the reader never came to wait for input");
        assertTrue(abortSent.await(WAIT_SECONDS, TimeUnit.SECONDS), "no abort while the input was silent");
        assertFalse(backup.isDone(), "the reader still waits for input");
        inputMayEnd.countDown();
        ExecutionException e = assertThrows(ExecutionException.class, () -> backup.get(WAIT_SECONDS, TimeUnit.SECONDS));
        assertEquals(403, assertInstanceOf(S3Exception.class, e.getCause()).status());
        List<Request> journal = storage.journal();
        assertEquals(new Request("abort", "k", 0), journal.get(journal.size() - 1), "the abort comes last: " + journal);
    }

    @RepeatedTest(50)
    void oneFailedFileLetsTheOtherFilesFinishOrAbortTheirUploads() {
        storage.gate((request, cancellation) -> {
            if (request.is("part", "a") && request.number() == 1) {
                throw MemoryStorage.error(403, "AccessDenied");
            }
        });
        ByteArrayOutputStream logged = new ByteArrayOutputStream();
        PluginLog log = new PluginLog(null, new PrintStream(logged, true, StandardCharsets.UTF_8), "u", "h", 1,
                Clock.systemUTC());
        StreamUploader uploader = Engines.uploader(storage, PART, 2, log);
        List<ParallelTransfers.Task> tasks = new ArrayList<>();
        for (String name : List.of("b", "a", "c")) {
            tasks.add(() -> uploader.uploadRecorded(name, new ByteArrayInputStream(data(6 * PART))).size());
        }

        S3Exception e = assertThrows(S3Exception.class, () -> ParallelTransfers.runAll(3, tasks));

        assertEquals(403, e.status(), "the first failure is reported: " + e.getMessage());
        assertEquals(0, storage.inProgress(), "a request outlived the transfers");
        assertEquals(0, storage.uploadsOpen(), "every started upload was completed or aborted");
        for (String name : List.of("a", "b", "c")) {
            List<Request> mine = storage.journal().stream().filter(r -> r.key().equals(name)).toList();
            int abort = mine.indexOf(new Request("abort", name, 0));
            if (abort >= 0) {
                assertEquals(mine.size() - 1, abort, name + ": requests after the abort: " + mine);
            }
        }
        String text = logged.toString(StandardCharsets.UTF_8);
        assertFalse(text.contains("could not abort"), text);
    }
}
