package gpbackup.s3plugin.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class AwsChunkedEncodingTest {

    private static final String SIGNATURE = "0".repeat(64);

    @Test
    void emptyObjectIsOnlyTheFinalChunk() {
        assertEquals("0;chunk-signature=".length() + 64 + 4, AwsChunkedEncoding.encodedLength(0, 65536));
    }

    @Test
    void lengthCountsFullChunksRemainderAndFinalChunk() {
        long full = AwsChunkedEncoding.encodedChunkLength(8192);
        long rest = AwsChunkedEncoding.encodedChunkLength(1);
        long last = AwsChunkedEncoding.encodedChunkLength(0);
        assertEquals(2 * full + rest + last, AwsChunkedEncoding.encodedLength(2 * 8192 + 1, 8192));
        assertEquals(2 * full + last, AwsChunkedEncoding.encodedLength(2 * 8192, 8192));
    }

    @Test
    void lengthHandlesObjectsBeyondTwoGigabytes() {
        long fiveGiB = 5L << 30;
        int chunk = 1 << 20;
        assertEquals(5120 * AwsChunkedEncoding.encodedChunkLength(chunk) + AwsChunkedEncoding.encodedChunkLength(0),
                AwsChunkedEncoding.encodedLength(fiveGiB, chunk));
    }

    @Test
    void chunkHeaderIsHexLengthAndSignature() {
        assertEquals("10000;chunk-signature=" + SIGNATURE + "\r\n",
                new String(AwsChunkedEncoding.chunkHeader(65536, SIGNATURE), StandardCharsets.US_ASCII));
        assertEquals(AwsChunkedEncoding.chunkHeader(65536, SIGNATURE).length + 65536 + 2,
                AwsChunkedEncoding.encodedChunkLength(65536));
    }

    @Test
    void chunksSmallerThanS3MinimumAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> AwsChunkedEncoding.encodedLength(100_000, 4096));
    }
}
