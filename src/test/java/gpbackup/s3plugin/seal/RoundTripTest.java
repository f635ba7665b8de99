package gpbackup.s3plugin.seal;

import static gpbackup.s3plugin.seal.SealFixtures.NAME;
import static gpbackup.s3plugin.seal.SealFixtures.key;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RoundTripTest {
    private static final int FRAME = 4096;
    private static final KeyRing RING = KeyRing.of(key(1), key(2));

    private static byte[] seal(byte[] plaintext, int frameSize, Random chunks) {
        SealedHeader header = SealedHeader.fresh(frameSize, RING.sealingKey().fingerprint(), new byte[0], new SecureRandom());
        return Sealing.seal(plaintext, header, RING.sealingKey(), NAME, chunks);
    }

    @ParameterizedTest(name = "{0} bytes")
    @ValueSource(ints = {0, 1, FRAME - 1, FRAME, FRAME + 1, 2 * FRAME, 2 * FRAME + 1, 3 << 20})
    void opensWhatItSealedWithReadsAndWritesCutAnywhere(int length) throws Exception {
        Random random = new Random(length);
        byte[] plaintext = Sealing.random(random, length);
        byte[] sealed = seal(plaintext, FRAME, random);
        SealedLayout layout = new SealedLayout(62, FRAME);
        assertEquals(layout.sealedLength(length), sealed.length);
        assertArrayEquals(plaintext, Sealing.open(sealed, RING, NAME, random));
    }

    @Test
    void aFewMebibytesInLargerFrames() throws Exception {
        Random random = new Random(7);
        byte[] plaintext = Sealing.random(random, (5 << 20) + 12345);
        for (int frameSize : new int[] {64 << 10, 1 << 20, 4 << 20}) {
            byte[] sealed = seal(plaintext, frameSize, random);
            assertEquals(new SealedLayout(62, frameSize).sealedLength(plaintext.length), sealed.length);
            assertArrayEquals(plaintext, Sealing.open(sealed, RING, NAME, random));
        }
    }

    @Test
    void opensRandomSubRangesFromOnlyTheFramesThatHoldThem() throws Exception {
        Random random = new Random(11);
        byte[] plaintext = Sealing.random(random, 9 * FRAME + 77);
        byte[] sealed = seal(plaintext, FRAME, random);
        for (int i = 0; i < 300; i++) {
            int from = random.nextInt(plaintext.length + 1);
            int to = from + random.nextInt(Math.min(plaintext.length - from, 3 * FRAME) + 1);
            // Only the span's bytes are handed over: the rest of the object is zeroed, as if never fetched.
            SealedHeader header = SealedHeader.parse(sealed, NAME);
            ObjectOpener opener = ObjectOpener.of(header, RING, NAME);
            FrameSpan span = opener.span(sealed.length, from, to);
            byte[] fetched = new byte[sealed.length];
            System.arraycopy(sealed, (int) span.sealedStart(), fetched, (int) span.sealedStart(), (int) span.sealedLength());
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (OpeningOutputStream sink = opener.sink(span, out)) {
                Sealing.feed(sink, fetched, (int) span.sealedStart(), (int) span.sealedEnd(), random);
            }
            assertArrayEquals(Arrays.copyOfRange(plaintext, from, to), out.toByteArray(), "[" + from + ", " + to + ")");
        }
    }

    @Test
    void anObjectSealedUnderAnOlderKeyOfTheRingOpens() throws Exception {
        byte[] plaintext = Sealing.random(new Random(3), 10_000);
        byte[] sealed = SealingInputStream.seal(new ByteArrayInputStream(plaintext), KeyRing.of(key(2)), NAME, FRAME,
                new SecureRandom()).readAllBytes();
        assertArrayEquals(plaintext, Sealing.open(sealed, RING, NAME, new Random(3)));
    }

    @Test
    void twoSealsOfOnePlaintextDiffer() throws Exception {
        byte[] plaintext = new byte[5000];
        byte[] a = SealingInputStream.seal(new ByteArrayInputStream(plaintext), RING, NAME, FRAME, new SecureRandom()).readAllBytes();
        byte[] b = SealingInputStream.seal(new ByteArrayInputStream(plaintext), RING, NAME, FRAME, new SecureRandom()).readAllBytes();
        assertEquals(a.length, b.length);
        assertNotEquals(Arrays.toString(Arrays.copyOfRange(a, 62, a.length)), Arrays.toString(Arrays.copyOfRange(b, 62, b.length)));
    }

    @Test
    void singleByteReadsAndWritesWork() throws Exception {
        byte[] plaintext = Sealing.random(new Random(4), FRAME + 3);
        SealingInputStream in = SealingInputStream.seal(new ByteArrayInputStream(plaintext), RING, NAME, FRAME, new SecureRandom());
        ByteArrayOutputStream sealed = new ByteArrayOutputStream();
        for (int c; (c = in.read()) >= 0; ) {
            sealed.write(c);
        }
        byte[] object = sealed.toByteArray();
        ObjectOpener opener = ObjectOpener.of(SealedHeader.parse(object, NAME), RING, NAME);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        FrameSpan span = opener.whole(object.length);
        try (OpeningOutputStream sink = opener.sink(span, out)) {
            for (int i = (int) span.sealedStart(); i < object.length; i++) {
                sink.write(object[i]);
            }
        }
        assertArrayEquals(plaintext, out.toByteArray());
    }

    @Test
    void piecesOfASpanOpenOnTheirOwnAndAddUpToTheRange() throws Exception {
        Random random = new Random(12);
        byte[] plaintext = Sealing.random(random, 20 * FRAME + 9);
        byte[] sealed = seal(plaintext, FRAME, random);
        ObjectOpener opener = ObjectOpener.of(SealedHeader.parse(sealed, NAME), RING, NAME);
        FrameSpan span = opener.span(sealed.length, 1000, 19 * FRAME + 7);
        List<FrameSpan> pieces = span.split(3 * (FRAME + 16) + 5);
        assertEquals(7, pieces.size());
        ByteArrayOutputStream[] outs = new ByteArrayOutputStream[pieces.size()];
        for (int p = pieces.size() - 1; p >= 0; p--) {
            outs[p] = new ByteArrayOutputStream();
            try (OpeningOutputStream sink = opener.sink(pieces.get(p), outs[p])) {
                Sealing.feed(sink, sealed, (int) pieces.get(p).sealedStart(), (int) pieces.get(p).sealedEnd(), random);
            }
        }
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (ByteArrayOutputStream out : outs) {
            out.writeTo(all);
        }
        assertArrayEquals(Arrays.copyOfRange(plaintext, 1000, 19 * FRAME + 7), all.toByteArray());
    }
}
