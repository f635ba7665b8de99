package gpbackup.s3plugin.transfer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The download window counts requests, not pieces: a slow piece at the head does not idle the others. */
class DownloadPipelineTest {
    private static final int PIECE = (int) BufferPool.BLOCK_SIZE;
    private final MemoryStorage storage = new MemoryStorage();

    @Test
    void whileTheHeadPieceIsSlowTheLaterPiecesAreStillRequestedAsRoomAllows() throws IOException {
        byte[] data = new byte[8 * PIECE];
        new Random(3).nextBytes(data);
        storage.store("k", data);
        // The head piece answers only once piece 5 has been asked for: with two requests at a time,
        // that is possible only if each ended request is followed by the next piece at once.
        CountDownLatch fifthAsked = new CountDownLatch(1);
        storage.gate((request, cancellation) -> {
            if (request.is("get", "k") && request.number() == 5L * PIECE) {
                fifthAsked.countDown();
            }
            if (request.is("get", "k") && request.number() == 0 && !fifthAsked.await(20, TimeUnit.SECONDS)) {
                throw MemoryStorage.error(500, "NeverAskedForPieceFive");
            }
        });
        // Two requests at a time, room for six pieces.
        RangedDownloader downloader = new RangedDownloader(storage, PIECE, 2, new BufferPool(6L * PIECE));
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        downloader.download("k", List.of(new ByteRange(0, data.length)), Optional.empty(), out);

        assertArrayEquals(data, out.toByteArray());
        assertTrue(storage.journal().stream().filter(r -> r.is("get", "k")).count() >= 8);
    }
}
