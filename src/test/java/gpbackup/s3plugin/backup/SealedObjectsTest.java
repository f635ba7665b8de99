package gpbackup.s3plugin.backup;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gpbackup.s3plugin.leaks.TestSecrets;
import gpbackup.s3plugin.s3.ObjectInfo;
import gpbackup.s3plugin.s3.StorageReport;
import gpbackup.s3plugin.seal.FrameSpan;
import gpbackup.s3plugin.seal.KeyRing;
import gpbackup.s3plugin.seal.MasterKey;
import gpbackup.s3plugin.seal.ObjectOpener;
import gpbackup.s3plugin.seal.SealException;
import gpbackup.s3plugin.seal.SealedHeader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The glue between backups and the sealed format: the mark, the bound name, and the opening streams in any chunks. */
class SealedObjectsTest {
    private static final String KEY = "f/backups/20240101/20240101120000/gpbackup_0_20240101120000_16384";
    private static final int FRAME = SealedObjects.FRAME_SIZE;
    private static final KeyRing RING = KeyRing.of(MasterKey.of(TestSecrets.cseKey()));
    private final SealedObjects sealing = new SealedObjects(Optional.of(RING));
    private final SealedObjects off = new SealedObjects(Optional.empty());

    private static byte[] data(int size) {
        byte[] bytes = new byte[size];
        new Random(size).nextBytes(bytes);
        return bytes;
    }

    private byte[] seal(byte[] plaintext, String key) throws IOException {
        return sealing.forUpload(new ByteArrayInputStream(plaintext), key).readAllBytes();
    }

    private static ObjectInfo marked(byte[] stored) {
        return new ObjectInfo(stored.length, "\"e\"", Map.of(SealedObjects.METADATA, SealedObjects.FORMAT),
                StorageReport.NONE);
    }

    /** Writes {@code bytes} in chunks of {@code chunk}, as a download's pieces and an HTTP body's buffers come. */
    private static void write(OutputStream out, byte[] bytes, int from, int to, int chunk) throws IOException {
        for (int at = from; at < to; at += chunk) {
            out.write(bytes, at, Math.min(chunk, to - at));
        }
    }

    @Test
    void theObjectNameIsTheFilesBaseNameAndTheMarkIsTheMetadata() {
        assertEquals("gpbackup_0_20240101120000_16384", SealedObjects.objectName(KEY));
        assertEquals(Map.of("gpbackup-seal", "v1"), sealing.uploadMetadata());
        assertEquals(Map.of(), off.uploadMetadata());
        assertTrue(SealedObjects.isSealed(marked(new byte[0]), KEY));
        assertFalse(SealedObjects.isSealed(new ObjectInfo(1, "e"), KEY));
        SealException v2 = assertThrows(SealException.class, () -> SealedObjects.isSealed(new ObjectInfo(1, "e",
                Map.of("gpbackup-seal", "v2"), StorageReport.NONE), KEY));
        assertTrue(v2.getMessage().contains("format v2"), v2.getMessage());
    }

    @Test
    void withoutKeysNothingIsSealed() throws IOException {
        byte[] plaintext = data(100);
        assertArrayEquals(plaintext, off.forUpload(new ByteArrayInputStream(plaintext), KEY).readAllBytes());
    }

    @ParameterizedTest(name = "chunks of {0}")
    @ValueSource(ints = {1, 7, 61, 62, 63, FRAME + 16, FRAME + 17, 1 << 20})
    void aWholeObjectOpensInAnyChunks(int chunk) throws IOException {
        byte[] plaintext = data(3 * FRAME + 5);
        byte[] stored = seal(plaintext, KEY);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SealedObjects.Opening opening = sealing.forWholeDownload(marked(stored), KEY, out);
        write(opening, stored, 0, stored.length, chunk);
        opening.finish();
        assertArrayEquals(plaintext, out.toByteArray());
    }

    @Test
    void anUnmarkedObjectPassesThrough() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SealedObjects.Opening opening = sealing.forWholeDownload(new ObjectInfo(3, "e"), KEY, out);
        opening.write(new byte[] {1, 2, 3});
        opening.finish();
        assertArrayEquals(new byte[] {1, 2, 3}, out.toByteArray());
    }

    @Test
    void aWholeObjectCutShortFailsOnFinish() throws IOException {
        byte[] stored = seal(data(2 * FRAME), KEY);
        for (int cut : new int[] {0, 30, 61, 62, stored.length - 1}) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            SealedObjects.Opening opening = sealing.forWholeDownload(marked(stored), KEY, out);
            opening.write(stored, 0, cut);
            SealException e = assertThrows(SealException.class, opening::finish, "cut at " + cut);
            assertTrue(e.getMessage().contains("cut short"), e.getMessage());
            assertTrue(out.size() <= FRAME, "at most the frames before the cut");
        }
    }

    @Test
    void withoutKeysASealedObjectNamesItsKeysFingerprint() throws IOException {
        byte[] stored = seal(data(10), KEY);
        SealedObjects.Opening opening = off.forWholeDownload(marked(stored), KEY, OutputStream.nullOutputStream());
        SealException e = assertThrows(SealException.class, () -> opening.write(stored, 0, stored.length));
        assertTrue(e.getMessage().startsWith("gpbackup_0_20240101120000_16384 is sealed (client-side encryption)"
                + " with key " + RING.sealingKey().fingerprint()), e.getMessage());
    }

    @Test
    void anObjectUnderAnotherNameDoesNotOpen() throws IOException {
        byte[] stored = seal(data(10), KEY);
        String other = KEY.replace("16384", "16385");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SealedObjects.Opening opening = sealing.forWholeDownload(marked(stored), other, out);
        SealException e = assertThrows(SealException.class, () -> opening.write(stored, 0, stored.length));
        assertTrue(e.getMessage().contains("frame 0 of gpbackup_0_20240101120000_16385"), e.getMessage());
        assertEquals(0, out.size());
    }

    @ParameterizedTest(name = "chunks of {0}")
    @ValueSource(ints = {1, 1000, FRAME + 16, 3 * FRAME})
    void spansOfSeveralRangesOpenOneAfterTheOther(int chunk) throws IOException {
        byte[] plaintext = data(10 * FRAME + 123);
        byte[] stored = seal(plaintext, KEY);
        ObjectOpener opener = sealing.opener(KEY, Arrays.copyOf(stored, SealedHeader.FIXED_LENGTH));
        long[][] ranges = {{9 * FRAME + 100, 10 * FRAME + 123}, {5, 6}, {FRAME - 1, 3 * FRAME + 1}, {0, FRAME}};
        List<FrameSpan> spans = Arrays.stream(ranges).map(r -> opener.span(stored.length, r[0], r[1])).toList();
        ByteArrayOutputStream fetched = new ByteArrayOutputStream();
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        for (int i = 0; i < spans.size(); i++) {
            fetched.write(stored, (int) spans.get(i).sealedStart(), (int) spans.get(i).sealedLength());
            expected.write(plaintext, (int) ranges[i][0], (int) (ranges[i][1] - ranges[i][0]));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SealedObjects.Opening opening = SealedObjects.forSpans(opener, spans, out);
        write(opening, fetched.toByteArray(), 0, fetched.size(), chunk);
        opening.finish();
        assertArrayEquals(expected.toByteArray(), out.toByteArray());
    }

    @Test
    void spansCutShortFailNamingTheFrames() throws IOException {
        byte[] stored = seal(data(4 * FRAME), KEY);
        ObjectOpener opener = sealing.opener(KEY, Arrays.copyOf(stored, SealedHeader.FIXED_LENGTH));
        List<FrameSpan> spans = List.of(opener.span(stored.length, 0, 10), opener.span(stored.length, 2 * FRAME, 3 * FRAME));
        SealedObjects.Opening opening = SealedObjects.forSpans(opener, spans, OutputStream.nullOutputStream());
        opening.write(stored, (int) spans.get(0).sealedStart(), (int) spans.get(0).sealedLength());
        SealException e = assertThrows(SealException.class, opening::finish);
        assertTrue(e.getMessage().contains("frames 2 to 2"), e.getMessage());
    }

    @Test
    void thePrefixOfASealedReportOpensToItsWholeFrames() throws IOException {
        byte[] plaintext = data(2 * FRAME + 10);
        byte[] stored = seal(plaintext, KEY);
        assertArrayEquals(plaintext, sealing.openPrefix(KEY, marked(stored), stored).orElseThrow());
        byte[] prefix = Arrays.copyOf(stored, SealedHeader.FIXED_LENGTH + 2 * (FRAME + 16) + 5);
        assertArrayEquals(Arrays.copyOf(plaintext, 2 * FRAME), sealing.openPrefix(KEY, marked(stored), prefix)
                .orElseThrow());
        assertEquals(Optional.empty(), off.openPrefix(KEY, marked(stored), stored));
    }
}
