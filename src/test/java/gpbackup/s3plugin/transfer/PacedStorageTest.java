package gpbackup.s3plugin.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import gpbackup.s3plugin.s3.BodySink;
import gpbackup.s3plugin.s3.Cancellation;
import gpbackup.s3plugin.s3.Payload;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What each request of a transfer takes of max_bandwidth, on a clock moved by hand. */
class PacedStorageTest {
    private static final long SECOND = 1_000_000_000L;
    private long now;
    private final List<Long> waits = new ArrayList<>();
    private final MemoryStorage memory = new MemoryStorage();
    /** 1,000 bytes a second. */
    private final ObjectStorage paced = new PacedStorage(memory, new BandwidthCap(1_000, () -> now, nanos -> {
        waits.add(nanos);
        now += nanos;
    }));

    private static final BodySink DISCARD = new BodySink() {
        @Override
        public void begin(long length) {
        }

        @Override
        public void accept(ByteBuffer bytes) {
            bytes.position(bytes.limit());
        }
    };

    @Test
    void uploadsAndRangedReadsTakeTheirBytesBeforeTheyStart() {
        paced.putObject("a", Payload.of(new byte[2_000]), Map.of());
        paced.getRange("a", 0, 500, Optional.empty(), DISCARD, new Cancellation());
        paced.getRange("a", 500, 2_000, Optional.empty(), DISCARD, new Cancellation());
        assertEquals(List.of(2 * SECOND, SECOND / 2), waits);
    }

    @Test
    void aSmallObjectReadByItsFirstBytesIsChargedWhatCameNotThePieceAskedFor() {
        memory.putObject("small", Payload.of(new byte[100]), Map.of());
        paced.getFirstBytes("small", 8L << 20, DISCARD, new Cancellation());
        paced.getFirstBytes("small", 8L << 20, DISCARD, new Cancellation());
        paced.getRange("small", 0, 1, Optional.empty(), DISCARD, new Cancellation());
        assertEquals(List.of(SECOND / 10, SECOND / 10), waits, "each waits for the 100 bytes before it, not 8 MiB's worth");
    }
}
