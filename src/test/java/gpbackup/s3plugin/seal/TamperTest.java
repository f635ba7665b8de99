package gpbackup.s3plugin.seal;

import static gpbackup.s3plugin.seal.SealFixtures.NAME;
import static gpbackup.s3plugin.seal.SealFixtures.concat;
import static gpbackup.s3plugin.seal.SealFixtures.key;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Every kind of change to a sealed object fails with one clear message, and no byte of a frame that did not
 * authenticate reaches the output: what was written is the plaintext of the frames before the failing one.
 */
class TamperTest {
    private static final int F = 4096;
    private static final int SEALED_FRAME = F + 16;
    private static final KeyRing RING = KeyRing.of(key(1));
    private static final byte[] PLAINTEXT = Sealing.random(new Random(28), 3 * F + 5);
    private static final byte[] ENVELOPE = {9, 8, 7};

    /** Four frames (three full, one of 5 bytes) after a 65-byte header (a 3-byte envelope). */
    private static byte[] sealed() {
        SealedHeader header = SealedHeader.fresh(F, key(1).fingerprint(), ENVELOPE, new SecureRandom());
        return Sealing.seal(PLAINTEXT, header, key(1), NAME, new Random(1));
    }

    private static final int H = 65;

    private static int frameAt(int index) {
        return H + index * SEALED_FRAME;
    }

    /** Opens the whole object and expects a failure whose message is returned; checks what reached the output. */
    private static String failure(byte[] object, KeyRing ring, String name, int framesBeforeFailure) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SealException e = assertThrows(SealException.class, () -> Sealing.open(object, ring, name, 0,
                SealedHeader.parse(object, name).layout().plaintextLength(object.length, name), new Random(2), out));
        assertArrayEquals(Arrays.copyOf(PLAINTEXT, framesBeforeFailure * F), out.toByteArray(),
                "only frames that authenticated reach the output");
        return e.getMessage();
    }

    private static String failure(byte[] object, int framesBeforeFailure) {
        return failure(object, RING, NAME, framesBeforeFailure);
    }

    private static String frameFails(int index) {
        return "frame " + index + " of " + NAME + " does not authenticate: the object was changed, or sealed for"
                + " another object or key";
    }

    private static String lastFrameFails(int index) {
        return "frame " + index + " of " + NAME + ", its last, does not authenticate: the object was cut short or"
                + " changed, or sealed for another object or key";
    }

    private static byte[] flip(byte[] object, int at) {
        byte[] changed = object.clone();
        changed[at] ^= 0x40;
        return changed;
    }

    @Test
    void theUntouchedObjectOpens() throws Exception {
        assertArrayEquals(PLAINTEXT, Sealing.open(sealed(), RING, NAME, new Random(3)));
    }

    @Test
    void aChangedMagicIsNotASealedObject() {
        assertEquals(NAME + " is not a sealed object: it does not start with GPS3SEAL", failure(flip(sealed(), 3), 0));
    }

    @Test
    void aChangedVersionIsRefused() {
        assertTrue(failure(flip(sealed(), 8), 0).startsWith(NAME + " is sealed in format version 65,"));
    }

    @Test
    void aChangedFrameSizeIsRefusedOrFailsEveryFrame() {
        byte[] invalid = sealed();
        ByteBuffer.wrap(invalid).putInt(9, 5000);
        assertTrue(failure(invalid, 0).startsWith(NAME + " has frame size 5000 in its sealed header"));
        byte[] doubled = sealed();
        ByteBuffer.wrap(doubled).putInt(9, 2 * F);
        assertEquals(frameFails(0), failure(doubled, 0));
        byte[] halved = sealed();
        ByteBuffer.wrap(halved).putInt(9, F / 2);
        assertTrue(failure(halved, 0).startsWith(NAME + " has frame size 2048 in its sealed header"));
    }

    @Test
    void aChangedFingerprintNamesAKeyTheRingDoesNotHave() {
        byte[] object = flip(sealed(), 13);
        KeyFingerprint named = SealedHeader.parse(object, NAME).fingerprint();
        assertEquals(NAME + " is sealed with key " + named + ", which is not among the configured keys ("
                + key(1).fingerprint() + "); add that key to the key file or variable, after the current key",
                failure(object, 0));
    }

    @Test
    void aChangedSaltNoncePrefixOrEnvelopeFailsTheFirstFrame() {
        for (int at : new int[] {21, 52, 53, 59, 62, 64}) {
            assertEquals(frameFails(0), failure(flip(sealed(), at), 0), "header byte " + at);
        }
    }

    @Test
    void aChangedEnvelopeLengthFails() {
        byte[] longer = sealed();
        longer[61] = 4;
        assertEquals(frameFails(0), failure(longer, 0));
        byte[] none = sealed();
        none[61] = 0;
        assertEquals(frameFails(0), failure(none, 0));
    }

    @Test
    void aChangedCiphertextByteFailsItsFrameAfterTheFramesBeforeItWereWritten() {
        assertEquals(frameFails(2), failure(flip(sealed(), frameAt(2) + 100), 2));
        assertEquals(lastFrameFails(3), failure(flip(sealed(), frameAt(3)), 3));
    }

    @Test
    void aChangedTagByteFailsItsFrame() {
        assertEquals(frameFails(1), failure(flip(sealed(), frameAt(1) + F + 15), 1));
        assertEquals(frameFails(0), failure(flip(sealed(), frameAt(0) + F), 0));
    }

    @Test
    void twoFramesSwappedFail() {
        byte[] object = sealed();
        byte[] swapped = concat(Arrays.copyOf(object, frameAt(1)), Arrays.copyOfRange(object, frameAt(2), frameAt(3)),
                Arrays.copyOfRange(object, frameAt(1), frameAt(2)), Arrays.copyOfRange(object, frameAt(3), object.length));
        assertEquals(frameFails(1), failure(swapped, 1));
    }

    @Test
    void aDroppedFrameFails() {
        byte[] object = sealed();
        byte[] dropped = concat(Arrays.copyOf(object, frameAt(1)), Arrays.copyOfRange(object, frameAt(2), object.length));
        assertEquals(frameFails(1), failure(dropped, 1));
    }

    @Test
    void aRepeatedFrameFails() {
        byte[] object = sealed();
        byte[] repeated = concat(Arrays.copyOf(object, frameAt(2)), Arrays.copyOfRange(object, frameAt(1), object.length));
        assertEquals(frameFails(2), failure(repeated, 2));
    }

    @Test
    void theLastFrameCutOffAtAFrameBoundaryFails() {
        byte[] cut = Arrays.copyOf(sealed(), frameAt(3));
        assertEquals(lastFrameFails(2), failure(cut, 2));
        byte[] twoCut = Arrays.copyOf(sealed(), frameAt(2));
        assertEquals(lastFrameFails(1), failure(twoCut, 1));
    }

    @Test
    void anObjectCutMidFrameFails() {
        byte[] object = sealed();
        assertEquals(lastFrameFails(3), failure(Arrays.copyOf(object, object.length - 3), 3));
        assertEquals(lastFrameFails(1), failure(Arrays.copyOf(object, frameAt(1) + 2000), 1));
        int tagShort = object.length - 10;
        assertEquals(NAME + " is " + tagShort + " bytes, a length no sealed object with a 65-byte header and 4096-byte"
                + " frames can have: it was cut short or changed", failure(Arrays.copyOf(object, tagShort), 0));
    }

    @Test
    void aDownloadThatEndsEarlyFailsWhenItFinishes() throws Exception {
        byte[] object = sealed();
        ObjectOpener opener = ObjectOpener.of(SealedHeader.parse(object, NAME), RING, NAME);
        FrameSpan span = opener.whole(object.length);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        OpeningOutputStream sink = opener.sink(span, out);
        int stop = frameAt(2) + 100;
        sink.write(object, H, stop - H);
        SealException e = assertThrows(SealException.class, sink::close);
        assertEquals(NAME + " ended after " + (stop - H) + " of the " + (object.length - H) + " sealed bytes of its frames"
                + " 0 to 3 (in frame 2): the object or its download was cut short", e.getMessage());
        assertArrayEquals(Arrays.copyOf(PLAINTEXT, 2 * F), out.toByteArray());
    }

    @Test
    void anObjectOpenedUnderAnotherNameFails() {
        String other = "gpbackup_0_20240501120000_16385";
        assertEquals("frame 0 of " + other + " does not authenticate: the object was changed, or sealed for another"
                + " object or key", failure(sealed(), RING, other, 0));
    }

    @Test
    void anObjectOpenedUnderAnotherKeyFails() {
        byte[] object = sealed();
        // The header made to name the other key: the frames still do not open under it.
        System.arraycopy(key(2).fingerprint().bytes(), 0, object, 13, 8);
        assertEquals(frameFails(0), failure(object, KeyRing.of(key(2)), NAME, 0));
    }

    @Test
    void aRingWithoutTheKeyNamesTheFingerprint() {
        String message = failure(sealed(), KeyRing.of(key(2), key(3)), NAME, 0);
        assertEquals(NAME + " is sealed with key " + key(1).fingerprint() + ", which is not among the configured keys ("
                + key(2).fingerprint() + ", " + key(3).fingerprint() + "); add that key to the key file or variable,"
                + " after the current key", message);
    }

    @Test
    void aFailedSinkKeepsFailing() throws Exception {
        byte[] object = flip(sealed(), frameAt(0) + 5);
        ObjectOpener opener = ObjectOpener.of(SealedHeader.parse(object, NAME), RING, NAME);
        OpeningOutputStream sink = opener.sink(opener.whole(object.length), new ByteArrayOutputStream());
        assertThrows(SealException.class, () -> sink.write(object, H, SEALED_FRAME));
        SealException again = assertThrows(SealException.class, () -> sink.write(object, frameAt(1), 10));
        assertEquals(frameFails(0), again.getMessage());
        sink.close();
    }
}
