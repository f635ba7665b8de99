package gpbackup.s3plugin.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The aws-chunked byte layout, produced lazily whatever the reader's buffer size. */
class AwsChunkedInputStreamTest {
    private static final int CHUNK = 8 * 1024;

    /** Signature stand-in: 64 hex characters naming the chunk's position and length. */
    private static AwsChunkedInputStream.ChunkSignatures numbered(List<Integer> lengths) {
        return (data, offset, length) -> {
            lengths.add(length);
            return String.format("%032d%032d", lengths.size(), length);
        };
    }

    private static String readAll(InputStream in, int bufferSize) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[bufferSize];
        for (int n; (n = in.read(buffer, 0, bufferSize)) != -1; ) {
            out.write(buffer, 0, n);
        }
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    @Test
    void fullChunksThenRemainderThenAnEmptyFinalChunk() throws IOException {
        byte[] data = "x".repeat(2 * CHUNK + 5).getBytes(StandardCharsets.ISO_8859_1);
        List<Integer> signed = new ArrayList<>();
        String encoded = readAll(new AwsChunkedInputStream(new ByteArrayInputStream(data), CHUNK, numbered(signed)), 7);
        String expected = "2000;chunk-signature=" + String.format("%032d%032d", 1, CHUNK) + "\r\n" + "x".repeat(CHUNK) + "\r\n"
                + "2000;chunk-signature=" + String.format("%032d%032d", 2, CHUNK) + "\r\n" + "x".repeat(CHUNK) + "\r\n"
                + "5;chunk-signature=" + String.format("%032d%032d", 3, 5) + "\r\n" + "xxxxx" + "\r\n"
                + "0;chunk-signature=" + String.format("%032d%032d", 4, 0) + "\r\n\r\n";
        assertEquals(expected, encoded);
        assertEquals(List.of(CHUNK, CHUNK, 5, 0), signed);
    }

    @Test
    void emptyBodyIsOnlyTheFinalChunk() throws IOException {
        List<Integer> signed = new ArrayList<>();
        String encoded = readAll(new AwsChunkedInputStream(InputStream.nullInputStream(), CHUNK, numbered(signed)), 1);
        assertEquals("0;chunk-signature=" + String.format("%032d%032d", 1, 0) + "\r\n\r\n", encoded);
        assertEquals(List.of(0), signed);
    }

    @Test
    void singleByteReadsYieldTheSameBytes() throws IOException {
        byte[] data = new byte[CHUNK + 1];
        InputStream in = new AwsChunkedInputStream(new ByteArrayInputStream(data), CHUNK, numbered(new ArrayList<>()));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int b; (b = in.read()) != -1; ) {
            out.write(b);
        }
        String viaBulk = readAll(new AwsChunkedInputStream(new ByteArrayInputStream(data), CHUNK,
                numbered(new ArrayList<>())), 4096);
        assertEquals(viaBulk, out.toString(StandardCharsets.ISO_8859_1));
        assertEquals(-1, in.read(new byte[4], 0, 4));
    }
}
