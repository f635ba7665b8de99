package gpbackup.s3plugin.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The aws-chunked byte layout, built from views of the body's own buffers, whatever their sizes. */
class AwsChunkedBodyTest {
    private static final int CHUNK = 8 * 1024;

    /** Signature stand-in: 64 hex characters naming the chunk's position and length. */
    private static AwsChunkedBody.ChunkSignatures numbered(List<Integer> lengths) {
        return data -> {
            int length = data.stream().mapToInt(ByteBuffer::remaining).sum();
            lengths.add(length);
            return String.format("%032d%032d", lengths.size(), length);
        };
    }

    private static String wire(List<ByteBuffer> buffers) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (ByteBuffer b : buffers) {
            byte[] bytes = new byte[b.remaining()];
            b.duplicate().get(bytes);
            out.writeBytes(bytes);
        }
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    private static ByteBuffer text(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    @Test
    void fullChunksThenRemainderThenAnEmptyFinalChunkAcrossUnevenBuffers() {
        String body = "x".repeat(CHUNK - 3) + "y".repeat(CHUNK + 8);
        List<ByteBuffer> buffers = List.of(text(body.substring(0, CHUNK - 3)), text(body.substring(CHUNK - 3)));
        List<Integer> signed = new ArrayList<>();
        String expected = "2000;chunk-signature=" + String.format("%032d%032d", 1, CHUNK) + "\r\n"
                + body.substring(0, CHUNK) + "\r\n"
                + "2000;chunk-signature=" + String.format("%032d%032d", 2, CHUNK) + "\r\n"
                + body.substring(CHUNK, 2 * CHUNK) + "\r\n"
                + "5;chunk-signature=" + String.format("%032d%032d", 3, 5) + "\r\n" + "yyyyy" + "\r\n"
                + "0;chunk-signature=" + String.format("%032d%032d", 4, 0) + "\r\n\r\n";
        assertEquals(expected, wire(AwsChunkedBody.encode(buffers, CHUNK, numbered(signed))));
        assertEquals(List.of(CHUNK, CHUNK, 5, 0), signed);
    }

    @Test
    void emptyBodyIsOnlyTheFinalChunk() {
        List<Integer> signed = new ArrayList<>();
        assertEquals("0;chunk-signature=" + String.format("%032d%032d", 1, 0) + "\r\n\r\n",
                wire(AwsChunkedBody.encode(List.of(), CHUNK, numbered(signed))));
        assertEquals(List.of(0), signed);
    }

    @Test
    void dataIsPublishedAsViewsOfTheBodyNotCopies() {
        byte[] array = new byte[CHUNK];
        List<ByteBuffer> wire = AwsChunkedBody.encode(List.of(ByteBuffer.wrap(array)), CHUNK,
                numbered(new ArrayList<>()));
        assertSame(array, wire.get(1).array());
        assertEquals(CHUNK, wire.get(1).remaining());
    }
}
