package gpbackup.s3plugin.transfer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import gpbackup.s3plugin.s3.PayloadStreams;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Parts held in memory block by block, and byte ranges cut into pieces. */
class BlockBufferAndByteRangeTest {
    private static final int BLOCK = BufferPool.BLOCK_SIZE;
    private final CountedPool counted = new CountedPool(8L * BLOCK);
    private final BufferPool pool = counted.pool();

    private BlockBuffer read(InputStream in, long limit) throws IOException {
        return BlockBuffer.readFrom(in, limit, pool.tryReserve(limit).orElseThrow(), true);
    }

    private static byte[] data(int n) {
        byte[] bytes = new byte[n];
        new Random(n).nextBytes(bytes);
        return bytes;
    }

    /** A stream that hands out at most 1000 bytes per read, as a pipe does. */
    private static InputStream trickle(byte[] data) {
        InputStream whole = new ByteArrayInputStream(data);
        return new InputStream() {
            @Override
            public int read() throws IOException {
                return whole.read();
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return whole.read(b, off, Math.min(len, 1000));
            }
        };
    }

    @Test
    void readsUpToTheLimitAcrossBlocksAndLeavesTheRestInTheStream() throws IOException {
        byte[] data = data(BLOCK * 2 + 5000);
        InputStream in = trickle(data);
        BlockBuffer part = read(in, BLOCK + 10);
        assertEquals(BLOCK + 10, part.length());
        assertArrayEquals(Arrays.copyOfRange(data, 0, BLOCK + 10), PayloadStreams.open(part).readAllBytes());
        BlockBuffer rest = read(in, 4L * BLOCK);
        assertEquals(data.length - BLOCK - 10, rest.length());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        rest.writeTo(out);
        assertArrayEquals(Arrays.copyOfRange(data, BLOCK + 10, data.length), out.toByteArray());
    }

    @Test
    void canBeReadAgainForARetry() throws IOException {
        byte[] data = data(3000);
        BlockBuffer part = read(new ByteArrayInputStream(data), 5000);
        assertArrayEquals(data, PayloadStreams.open(part).readAllBytes());
        InputStream again = PayloadStreams.open(part);
        assertEquals(data[0] & 0xff, again.read());
        assertArrayEquals(Arrays.copyOfRange(data, 1, data.length), again.readAllBytes());
        assertEquals(-1, again.read());
    }

    @Test
    void theSha256IsComputedWhileReadingAndMatchesTheBody() throws Exception {
        byte[] data = data(BLOCK + 777);
        BlockBuffer part = read(trickle(data), 2L * BLOCK);
        assertEquals(java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(data)),
                part.sha256Hex());
        assertEquals(2, part.buffers().size(), "published as one slice per block, not copied into one array");
    }

    @Test
    void releasedBlocksAreReusedNotReallocated() throws IOException {
        for (int i = 0; i < 5; i++) {
            read(new ByteArrayInputStream(data(3 * BLOCK)), 3L * BLOCK).close();
        }
        assertEquals(3, counted.blocksAllocated());
    }

    @Test
    void emptyStreamGivesAnEmptyPart() throws IOException {
        BlockBuffer part = read(InputStream.nullInputStream(), 100);
        assertEquals(0, part.length());
        assertEquals(-1, PayloadStreams.open(part).read());
    }

    @Test
    void aLandedBodyCrossesBlocksAndARetryStartsOverInTheSameBlocks() throws IOException {
        byte[] data = data(2 * BLOCK + 321);
        BlockBuffer.Landing landing = new BlockBuffer.Landing(pool.tryReserve(data.length).orElseThrow());
        landing.begin(data.length);
        landing.accept(ByteBuffer.wrap(data, 0, BLOCK + 7));
        // The connection broke; the retried answer delivers everything again, in odd-sized buffers.
        landing.begin(data.length);
        for (int at = 0; at < data.length; at += 300_001) {
            landing.accept(ByteBuffer.wrap(data, at, Math.min(300_001, data.length - at)));
        }
        BlockBuffer piece = landing.buffer();
        assertEquals(data.length, piece.length());
        assertArrayEquals(data, PayloadStreams.open(piece).readAllBytes());
        assertEquals(3, counted.blocksAllocated(), "the retry took new blocks instead of reusing its own");
    }

    @Test
    void aLandingThatGotLessThanAnnouncedIsNoPiece() throws IOException {
        BlockBuffer.Landing landing = new BlockBuffer.Landing(pool.tryReserve(100).orElseThrow());
        landing.begin(100);
        landing.accept(ByteBuffer.wrap(data(60)));
        assertThrows(IllegalStateException.class, landing::buffer);
    }

    @Test
    void aPieceLeavesThroughADescriptorOutputAfterWhatWasBufferedBeforeIt(@TempDir Path dir) throws IOException {
        byte[] data = data(BLOCK + 4321);
        BlockBuffer piece = read(trickle(data), 2L * BLOCK);
        Path file = dir.resolve("out");
        try (DescriptorOutput out = new DescriptorOutput(FileChannel.open(file, StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE))) {
            out.write("head".getBytes(StandardCharsets.US_ASCII));
            piece.writeTo(out);
            out.write("tail".getBytes(StandardCharsets.US_ASCII));
        }
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.writeBytes("head".getBytes(StandardCharsets.US_ASCII));
        expected.writeBytes(data);
        expected.writeBytes("tail".getBytes(StandardCharsets.US_ASCII));
        assertArrayEquals(expected.toByteArray(), Files.readAllBytes(file));
    }

    @Test
    void rangeIsSplitIntoPiecesOfAtMostTheGivenSize() {
        assertEquals(List.of(new ByteRange(10, 110), new ByteRange(110, 210), new ByteRange(210, 215)),
                new ByteRange(10, 215).split(100));
        assertEquals(List.of(new ByteRange(0, 100)), new ByteRange(0, 100).split(100));
        assertEquals(List.of(), new ByteRange(7, 7).split(100));
        assertEquals(205, new ByteRange(10, 215).length());
    }

    @Test
    void negativeOrBackwardRangesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new ByteRange(-1, 5));
        assertThrows(IllegalArgumentException.class, () -> new ByteRange(5, 4));
    }
}
