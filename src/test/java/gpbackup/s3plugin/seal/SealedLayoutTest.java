package gpbackup.s3plugin.seal;

import static gpbackup.s3plugin.seal.SealFixtures.NAME;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SealedLayoutTest {
    private static final SealedLayout LAYOUT = new SealedLayout(62, 4096);

    @Test
    void sealedLengthIsHeaderPlusPlaintextPlusATagPerFrame() {
        assertEquals(62 + 16, LAYOUT.sealedLength(0));
        assertEquals(62 + 1 + 16, LAYOUT.sealedLength(1));
        assertEquals(62 + 4095 + 16, LAYOUT.sealedLength(4095));
        assertEquals(62 + 4096 + 16, LAYOUT.sealedLength(4096));
        assertEquals(62 + 4097 + 32, LAYOUT.sealedLength(4097));
        assertEquals(62 + 3 * 4096 + 5 + 4 * 16, LAYOUT.sealedLength(3 * 4096 + 5));
        assertEquals(1, LAYOUT.frameCount(0));
        assertEquals(1, LAYOUT.frameCount(4096));
        assertEquals(2, LAYOUT.frameCount(4097));
    }

    @Test
    void plaintextLengthInvertsSealedLengthForEveryLengthUpToFourFrames() {
        for (long p = 0; p <= 4 * 4096 + 1; p++) {
            assertEquals(p, LAYOUT.plaintextLength(LAYOUT.sealedLength(p), NAME));
        }
    }

    @Test
    void refusesEveryLengthNoPlaintextSealsTo() {
        Set<Long> possible = new HashSet<>();
        for (long p = 0; p <= 3 * 4096; p++) {
            possible.add(LAYOUT.sealedLength(p));
        }
        int refused = 0;
        for (long c = 0; c <= LAYOUT.sealedLength(3 * 4096); c++) {
            if (!possible.contains(c)) {
                long length = c;
                SealException e = assertThrows(SealException.class, () -> LAYOUT.plaintextLength(length, NAME));
                assertEquals(NAME + " is " + c + " bytes, a length no sealed object with a 62-byte header and 4096-byte"
                        + " frames can have: it was cut short or changed", e.getMessage());
                refused++;
            }
        }
        // 0..77 (no whole empty frame), then after each of the first two full frames 15 tag-short lengths and an empty frame.
        assertEquals(78 + 2 * 16, refused);
    }

    @Test
    void theWorkedExampleOfTheSpec() {
        SealedLayout layout = new SealedLayout(62, 65536);
        long plaintext = 1_000_000;
        assertEquals(16, layout.frameCount(plaintext));
        assertEquals(1_000_318, layout.sealedLength(plaintext));
        assertEquals(plaintext, layout.plaintextLength(1_000_318, NAME));

        FrameSpan span = layout.span(plaintext, 200_000, 300_000);
        assertEquals(3, span.firstFrame());
        assertEquals(4, span.lastFrame());
        assertEquals(196_718, span.sealedStart());
        assertEquals(327_822, span.sealedEnd());
        assertEquals(131_104, span.sealedLength());
        assertEquals(3_392, span.skip());
        assertEquals(100_000, span.length());

        FrameSpan tail = layout.span(plaintext, 999_000, 1_000_000);
        assertEquals(15, tail.firstFrame());
        assertEquals(15, tail.lastFrame());
        assertEquals(983_342, tail.sealedStart());
        assertEquals(1_000_318, tail.sealedEnd());
    }

    @Test
    void anEmptyRangeStillNamesOneFrame() {
        FrameSpan empty = LAYOUT.whole(0);
        assertEquals(0, empty.firstFrame());
        assertEquals(0, empty.lastFrame());
        assertEquals(62, empty.sealedStart());
        assertEquals(78, empty.sealedEnd());
        FrameSpan atEnd = LAYOUT.span(8192, 8192, 8192);
        assertEquals(1, atEnd.firstFrame(), "the last frame, not one past it");
        assertEquals(1, atEnd.lastFrame());
    }

    @Test
    void aSpanCoversExactlyTheFramesOfItsRange() {
        Random random = new Random(5);
        for (int i = 0; i < 10_000; i++) {
            long plaintext = random.nextInt(20 * 4096);
            long from = plaintext == 0 ? 0 : random.nextInt((int) plaintext + 1);
            long to = from + random.nextInt((int) (plaintext - from) + 1);
            FrameSpan span = LAYOUT.span(plaintext, from, to);
            long n = LAYOUT.frameCount(plaintext);
            assertEquals(LAYOUT.frameStart(span.firstFrame()), span.sealedStart());
            long endOfLast = span.lastFrame() == n - 1 ? LAYOUT.sealedLength(plaintext) : LAYOUT.frameStart(span.lastFrame() + 1);
            assertEquals(endOfLast, span.sealedEnd());
            assertEquals(from, span.openedStart() + span.skip());
            if (to > from) {
                assertEquals(from / 4096, span.firstFrame());
                assertEquals((to - 1) / 4096, span.lastFrame());
            }
        }
    }

    @Test
    void refusesARangeOutsideTheObject() {
        assertThrows(IllegalArgumentException.class, () -> LAYOUT.span(100, 50, 101));
        assertThrows(IllegalArgumentException.class, () -> LAYOUT.span(100, 60, 50));
        assertThrows(IllegalArgumentException.class, () -> LAYOUT.span(100, -1, 50));
    }

    @Test
    void anObjectHoldsAtMostTwoToTheThirtyTwoMinusOneFrames() {
        long most = SealedLayout.MAX_FRAMES * 4096;
        assertEquals(SealedLayout.MAX_FRAMES, LAYOUT.frameCount(most));
        assertEquals(most, LAYOUT.plaintextLength(LAYOUT.sealedLength(most), NAME));
        assertThrows(IllegalArgumentException.class, () -> LAYOUT.frameCount(most + 1));
        assertThrows(SealException.class, () -> LAYOUT.plaintextLength(LAYOUT.sealedLength(most) + 17, NAME));
    }

    @Test
    void aSpanSplitsIntoWholeFramePiecesThatAddUpToIt() {
        Random random = new Random(6);
        for (int i = 0; i < 2_000; i++) {
            long plaintext = random.nextInt(40 * 4096);
            long from = plaintext == 0 ? 0 : random.nextInt((int) plaintext + 1);
            long to = from + random.nextInt((int) (plaintext - from) + 1);
            FrameSpan span = LAYOUT.span(plaintext, from, to);
            long most = random.nextInt(6 * 4112);
            List<FrameSpan> pieces = span.split(most);
            assertEquals(span.sealedStart(), pieces.get(0).sealedStart());
            assertEquals(span.sealedEnd(), pieces.get(pieces.size() - 1).sealedEnd());
            assertEquals(span.from(), pieces.get(0).from());
            assertEquals(span.to(), pieces.get(pieces.size() - 1).to());
            for (int p = 0; p < pieces.size(); p++) {
                FrameSpan piece = pieces.get(p);
                assertTrue(piece.frames() == 1 || piece.sealedLength() <= most, "at most the bound, or one frame");
                if (p > 0) {
                    assertEquals(pieces.get(p - 1).sealedEnd(), piece.sealedStart());
                    assertEquals(pieces.get(p - 1).to(), piece.from());
                    assertEquals(pieces.get(p - 1).lastFrame() + 1, piece.firstFrame());
                }
            }
        }
    }
}
