package gpbackup.s3plugin.transfer;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import gpbackup.s3plugin.s3.S3Exception;
import gpbackup.s3plugin.s3.WireMockS3;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.io.OutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Ranges of one object fetched several at a time and written in the order asked for. */
class RangedDownloaderTest {
    private static final int PIECE = 100;
    private static final String PATH = "/bucket/folder/data";
    private static final byte[] OBJECT = new byte[1000];

    static {
        new Random(7).nextBytes(OBJECT);
    }

    @RegisterExtension
    final WireMockExtension server = WireMockExtension.newInstance().options(WireMockS3.serverOptions()).build();

    /** Serves bytes [start, end) of OBJECT for exactly that Range header. */
    private void serve(int start, int end) {
        server.stubFor(get(urlEqualTo(PATH)).withHeader("Range", equalTo("bytes=" + start + "-" + (end - 1)))
                .willReturn(aResponse().withStatus(206)
                        .withHeader("Content-Range", "bytes " + start + "-" + (end - 1) + "/" + OBJECT.length)
                        .withBody(Arrays.copyOfRange(OBJECT, start, end))));
    }

    private RangedDownloader downloader(int concurrency) {
        return Engines.downloader(WireMockS3.client(server.getPort(), 0), PIECE, concurrency);
    }

    private byte[] slice(int start, int end) {
        return Arrays.copyOfRange(OBJECT, start, end);
    }

    private byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    @Test
    void everyPieceAsksForTheVersionItWasGiven() throws IOException {
        for (int i = 0; i < 6; i++) {
            serve(i * PIECE, (i + 1) * PIECE);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long written = downloader(4).download("folder/data", List.of(new ByteRange(0, 6 * PIECE)),
                Optional.of("\"v1\""), out);
        assertEquals(6 * PIECE, written);
        assertArrayEquals(slice(0, 6 * PIECE), out.toByteArray());
        List<LoggedRequest> requests = server.findAll(getRequestedFor(urlEqualTo(PATH)));
        assertEquals(6, requests.size());
        requests.forEach(r -> assertEquals("\"v1\"", r.getHeader("If-Match")));
    }

    @Test
    void piecesAreFetchedConcurrently() throws IOException {
        for (int i = 0; i < 4; i++) {
            serve(i * PIECE, (i + 1) * PIECE);
        }
        int[] getsBeforeFirstWrite = {-1};
        OutputStream out = new OutputStream() {
            @Override
            public void write(int b) {
            }

            @Override
            public void write(byte[] b, int off, int len) {
                if (getsBeforeFirstWrite[0] < 0) {
                    // Fetched one after another, only one GET would ever be sent before the first write.
                    long deadline = System.nanoTime() + 20_000_000_000L;
                    while (server.findAll(getRequestedFor(urlEqualTo(PATH))).size() < 4 && System.nanoTime() < deadline) {
                        Thread.onSpinWait();
                    }
                    getsBeforeFirstWrite[0] = server.findAll(getRequestedFor(urlEqualTo(PATH))).size();
                }
            }
        };
        downloader(4).download("folder/data", List.of(new ByteRange(0, 4 * PIECE)), Optional.empty(), out);
        assertEquals(4, getsBeforeFirstWrite[0]);
    }

    @Test
    void severalRangesIncludingEmptyAndUnevenOnesAreWrittenInTheOrderListed() throws IOException {
        serve(0, 100);
        serve(100, 150);
        serve(300, 350);
        serve(10, 20);
        serve(990, 1000);
        List<ByteRange> ranges = List.of(new ByteRange(0, 150), new ByteRange(150, 150), new ByteRange(300, 350),
                new ByteRange(500, 500), new ByteRange(10, 20), new ByteRange(990, 1000));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long written = downloader(3).download("folder/data", ranges, Optional.empty(), out);
        byte[] expected = concat(slice(0, 150), slice(300, 350), slice(10, 20), slice(990, 1000));
        assertEquals(expected.length, written);
        assertArrayEquals(expected, out.toByteArray());
        assertEquals(5, server.findAll(anyRequestedFor(anyUrl())).size(), "no request for an empty range");
    }

    @Test
    void onlyEmptyRangesWriteNothingAndSendNothing() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertEquals(0, downloader(2).download("folder/data", List.of(new ByteRange(5, 5)), Optional.empty(), out));
        assertEquals(0, downloader(2).download("folder/data", List.of(), Optional.empty(), out));
        assertEquals(0, out.size());
        assertEquals(0, server.findAll(anyRequestedFor(anyUrl())).size());
    }

    @Test
    void oneFailingPieceFailsTheWholeDownload() {
        serve(0, 100);
        serve(100, 200);
        server.stubFor(get(urlEqualTo(PATH)).withHeader("Range", equalTo("bytes=200-299"))
                .willReturn(aResponse().withStatus(403).withBody("<Error><Code>AccessDenied</Code></Error>")));
        serve(300, 400);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        S3Exception e = assertThrows(S3Exception.class, () -> downloader(2).download("folder/data",
                List.of(new ByteRange(0, 400)), Optional.empty(), out));
        assertEquals(403, e.status());
        assertTrue(e.getMessage().startsWith("download s3://bucket/folder/data failed: access denied"), e.getMessage());
        assertTrue(out.size() <= 200, "nothing after the failed piece was written: " + out.size());
    }

    @Test
    void objectReplacedDuringTheDownloadFailsIt() {
        serve(0, 100);
        server.stubFor(get(urlEqualTo(PATH)).withHeader("Range", equalTo("bytes=100-199"))
                .willReturn(aResponse().withStatus(412).withBody("<Error><Code>PreconditionFailed</Code></Error>")));
        assertThrows(S3Exception.class, () -> downloader(1).download("folder/data", List.of(new ByteRange(0, 200)),
                Optional.of("\"v1\""), new ByteArrayOutputStream()));
    }

    /** Stubs every piece of the first {@code size} bytes of OBJECT as the downloader will cut them. */
    private void serveAll(int size) {
        for (int start = 0; start < size; start += PIECE) {
            serve(start, Math.min(size, start + PIECE));
        }
    }

    @ParameterizedTest(name = "{0} bytes")
    @ValueSource(ints = {0, 1, PIECE - 1, PIECE, PIECE + 1, 2 * PIECE, 9 * PIECE + 37})
    void objectsAtThePieceEdgesArriveWholeAndInOrder(int size) throws IOException {
        serveAll(size);
        BufferPool pool = new BufferPool(4L * BufferPool.BLOCK_SIZE);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long written = new RangedDownloader(new S3Storage(WireMockS3.client(server.getPort(), 0)), PIECE, 3, pool)
                .download("folder/data", List.of(new ByteRange(0, size)), Optional.empty(), out);
        assertEquals(size, written);
        assertArrayEquals(slice(0, size), out.toByteArray());
        assertEquals((size + PIECE - 1) / PIECE, server.findAll(getRequestedFor(urlEqualTo(PATH))).size(),
                "one GET per piece, none for nothing");
    }

    @Test
    void aStuckReaderStopsFurtherGetsAndMemoryStaysAtTheWindow() throws Exception {
        serveAll(OBJECT.length);
        int window = 3;
        CountedPool counted = new CountedPool(window * (long) BufferPool.BLOCK_SIZE);
        int[] getsWhileStuck = {-1};
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        OutputStream stuckAtFirst = new OutputStream() {
            @Override
            public void write(int b) {
                received.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                if (getsWhileStuck[0] < 0) {
                    // The writer is this thread, and only it asks for more pieces: while it is stuck here, the
                    // GETs already sent are all there will be. Wait for them to arrive.
                    long deadline = System.nanoTime() + 20_000_000_000L;
                    while (server.findAll(getRequestedFor(urlEqualTo(PATH))).size() < window
                            && System.nanoTime() < deadline) {
                        Thread.onSpinWait();
                    }
                    getsWhileStuck[0] = server.findAll(getRequestedFor(urlEqualTo(PATH))).size();
                }
                received.write(b, off, len);
            }
        };
        // Eight allowed at once, but the pool holds three pieces: memory, not the setting, bounds the window.
        new RangedDownloader(new S3Storage(WireMockS3.client(server.getPort(), 0)), PIECE, 8, counted.pool())
                .download("folder/data", List.of(new ByteRange(0, OBJECT.length)), Optional.empty(), stuckAtFirst);
        assertEquals(window, getsWhileStuck[0]);
        assertArrayEquals(OBJECT, received.toByteArray());
        assertTrue(counted.blocksAllocated() <= window, "live piece buffers: " + counted.blocksAllocated());
    }

    /** Serves the object's first piece for a Range header that starts at 0, with the object's ETag. */
    private void serveFirst(int asked, byte[] object) {
        int end = Math.min(asked, object.length);
        server.stubFor(get(urlEqualTo(PATH)).withHeader("Range", equalTo("bytes=0-" + (asked - 1)))
                .willReturn(aResponse().withStatus(206).withHeader("ETag", "\"v1\"")
                        .withHeader("Content-Range", "bytes 0-" + (end - 1) + "/" + object.length)
                        .withBody(Arrays.copyOfRange(object, 0, end))));
    }

    @ParameterizedTest(name = "{0} bytes")
    @ValueSource(ints = {1, PIECE - 1, PIECE})
    void anObjectOfOnePieceCostsOneRequest(int size) throws IOException {
        byte[] object = Arrays.copyOf(OBJECT, size);
        serveFirst(PIECE, object);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertEquals(Optional.of((long) size), downloader(4).downloadWhole("folder/data", out));
        assertArrayEquals(object, out.toByteArray());
        assertEquals(1, server.findAll(anyRequestedFor(anyUrl())).size(), "no HEAD, no second GET");
    }

    @Test
    void aLargerObjectTakesItsSizeAndEtagFromTheFirstAnswer() throws IOException {
        serveFirst(PIECE, OBJECT);
        for (int start = PIECE; start < OBJECT.length; start += PIECE) {
            serve(start, start + PIECE);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertEquals(Optional.of((long) OBJECT.length), downloader(3).downloadWhole("folder/data", out));
        assertArrayEquals(OBJECT, out.toByteArray());
        List<LoggedRequest> requests = server.findAll(getRequestedFor(urlEqualTo(PATH)));
        assertEquals(OBJECT.length / PIECE, requests.size());
        for (LoggedRequest request : requests) {
            boolean first = request.getHeader("Range").equals("bytes=0-" + (PIECE - 1));
            assertEquals(first ? null : "\"v1\"", request.getHeader("If-Match"),
                    "every later piece must match the first answer's version: " + request.getHeader("Range"));
        }
    }

    @ParameterizedTest(name = "HTTP {0}")
    @ValueSource(ints = {404, 416})
    void aMissingOrEmptyObjectWritesNothingAndLeavesTheLookToTheCaller(int status) throws IOException {
        server.stubFor(get(urlEqualTo(PATH)).willReturn(aResponse().withStatus(status)
                .withBody("<Error><Code>" + (status == 404 ? "NoSuchKey" : "InvalidRange") + "</Code></Error>")));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertEquals(Optional.empty(), downloader(2).downloadWhole("folder/data", out));
        assertEquals(0, out.size());
    }

    @Test
    void aFirstAnswerWhoseLengthDisagreesWithItsRangeFails() {
        server.stubFor(get(urlEqualTo(PATH)).willReturn(aResponse().withStatus(206)
                .withHeader("Content-Range", "bytes 0-99/1000").withBody(Arrays.copyOf(OBJECT, 50))));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        S3Exception e = assertThrows(S3Exception.class, () -> downloader(2).downloadWhole("folder/data", out));
        assertTrue(e.getMessage().contains("announced 50 bytes of an object of 1000"), e.getMessage());
        assertEquals(0, out.size());
    }
}
