package gpbackup.s3plugin.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.Optional;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class GzipCheckTest {

    static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        }
        return out.toByteArray();
    }

    /** Half random, half repetitive, so the deflate stream has both stored and compressed blocks. */
    static byte[] sample(int size, long seed) {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        Arrays.fill(data, size / 2, size, (byte) 'x');
        return data;
    }

    private static Optional<String> check(byte[] file, int pieceSize) {
        GzipCheck check = new GzipCheck();
        for (int at = 0; at < file.length; at += pieceSize) {
            check.update(file, at, Math.min(pieceSize, file.length - at));
        }
        return check.finish();
    }

    @ParameterizedTest(name = "fed {0} bytes at a time")
    @ValueSource(ints = {1, 7, 65_536, 1 << 20})
    void aWholeFileDecompressesToItsEndHoweverItIsFed(int pieceSize) throws IOException {
        assertEquals(Optional.empty(), check(gzip(sample(300_000, 1)), pieceSize));
    }

    @Test
    void concatenatedMembersAreOneFileAsForGzipD() throws IOException {
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        file.write(gzip(sample(1000, 1)));
        file.write(gzip(new byte[0]));
        file.write(gzip(sample(5000, 2)));
        GzipCheck check = new GzipCheck();
        byte[] bytes = file.toByteArray();
        check.update(bytes, 0, bytes.length);
        assertEquals(Optional.empty(), check.finish());
        assertEquals(3, check.members());
    }

    @Test
    void aHeaderWithNameCommentExtraAndHeaderCrcIsSkipped() throws IOException {
        byte[] plain = gzip(sample(2000, 3));
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        file.write(plain, 0, 3);
        file.write(4 | 8 | 16 | 2); // FEXTRA, FNAME, FCOMMENT, FHCRC
        file.write(plain, 4, 6);
        file.write(new byte[] {3, 0, 'a', 'b', 'c'});
        file.write("table.dat\0a comment\0".getBytes());
        file.write(new byte[] {0, 0}); // the header CRC, which gzip -d checks only on request either
        file.write(plain, 10, plain.length - 10);
        assertEquals(Optional.empty(), check(file.toByteArray(), 3));
    }

    @Test
    void aTruncatedFileIsNamedWhereverItIsCut() throws IOException {
        byte[] whole = gzip(sample(100_000, 4));
        for (int length : new int[] {1, 5, 10, 11, whole.length / 2, whole.length - 8, whole.length - 1}) {
            Optional<String> fault = check(Arrays.copyOf(whole, length), 4096);
            assertTrue(fault.isPresent() && fault.get().startsWith("truncated"), length + " bytes: " + fault);
        }
    }

    @Test
    void aChangedByteIsFoundByTheDeflateDataOrTheCrc() throws IOException {
        byte[] whole = gzip(sample(100_000, 5));
        for (int at : new int[] {20, whole.length / 2, whole.length - 6}) {
            byte[] changed = whole.clone();
            changed[at] ^= 0x10;
            assertTrue(check(changed, 8192).isPresent(), "byte " + at);
        }
    }

    @Test
    void bytesAfterTheLastMemberThatAreNotGzipAreAFault() throws IOException {
        byte[] whole = gzip(sample(1000, 6));
        byte[] padded = Arrays.copyOf(whole, whole.length + 4);
        Optional<String> fault = check(padded, 100);
        assertTrue(fault.isPresent() && fault.get().contains("not gzip"), String.valueOf(fault));
    }

    @Test
    void anEmptyOrPlainFileIsNotGzip() {
        assertEquals(Optional.of("empty, not gzip"), check(new byte[0], 1));
        assertTrue(check("plain text".getBytes(), 4).orElseThrow().startsWith("not gzip"));
    }
}
