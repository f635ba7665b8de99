package gpbackup.s3plugin.s3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gpbackup.s3plugin.auth.Credentials;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A response body that stops arriving is given up after the idle limit and retried, never waited
 * on forever. The server here stalls for good (until the test ends), so only a watchdog that gave
 * up explains a second request: no stopwatch, no race with the machine's speed.
 */
class S3ClientStalledBodyTest {
    private final byte[] data = new byte[64 * 1024];
    private final CountDownLatch testOver = new CountDownLatch(1);
    private final AtomicInteger requests = new AtomicInteger();
    private ServerSocket server;

    S3ClientStalledBodyTest() {
        new Random(7).nextBytes(data);
    }

    @AfterEach
    void stop() throws IOException {
        testOver.countDown();
        if (server != null) {
            server.close();
        }
    }

    /** Serves GETs on a loopback port: the first {@code stalled} answers send half the body, then nothing. */
    private int serve(int stalled) throws IOException {
        return serve(stalled, false);
    }

    /** @param silent the stalled answers send nothing at all: the request is read and left unanswered */
    private int serve(int stalled, boolean silent) throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(() -> {
            while (!server.isClosed()) {
                try {
                    Socket socket = server.accept();
                    boolean stall = requests.incrementAndGet() <= stalled;
                    Thread answer = new Thread(() -> {
                        if (silent && stall) {
                            readUntilTestEnds(socket);
                        } else {
                            answer(socket, stall);
                        }
                    });
                    answer.setDaemon(true);
                    answer.start();
                } catch (IOException closed) {
                    return;
                }
            }
        });
        acceptor.setDaemon(true);
        acceptor.start();
        return server.getLocalPort();
    }

    /**
     * The connections accepted once {@code expected} have been, or 10 s have passed. A client that
     * gives up on a stalled try can be quicker than this test's acceptor thread, which on a busy
     * machine may not yet have taken the retry's connection from the listen backlog.
     */
    private int requestsOnceAccepted(int expected) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (requests.get() < expected && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        return requests.get();
    }

    private void answer(Socket socket, boolean stall) {
        try (socket) {
            skipRequestHead(socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            out.write(("HTTP/1.1 206 Partial Content\r\nContent-Length: " + data.length
                    + "\r\nContent-Range: bytes 0-" + (data.length - 1) + "/" + data.length
                    + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(data, 0, stall ? data.length / 2 : data.length);
            out.flush();
            if (stall) {
                testOver.await();
            }
        } catch (IOException | InterruptedException ignored) {
            // The client hung up or the test ended: either way this answer is over.
        }
    }

    /** Takes whatever the client sends and never answers. */
    private static void readUntilTestEnds(Socket socket) {
        try (socket) {
            socket.getInputStream().transferTo(OutputStream.nullOutputStream());
        } catch (IOException ended) {
            // the client gave up, or the test ended and closed the server
        }
    }

    private static void skipRequestHead(InputStream in) throws IOException {
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("request ended early");
            }
            matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
        }
    }

    private S3Client client(int port, int retries) {
        Credentials credentials = Credentials.of(WireMockS3.ACCESS_KEY_ID, WireMockS3.SECRET, null);
        return WireMockS3.client(WireMockS3.endpoint(port), () -> credentials, Clock.systemUTC(),
                new S3Connection.Settings(WireMockS3.fastRetries(retries), S3Connection.DEFAULT_CHUNKED_THRESHOLD,
                        Duration.ofMillis(400)), WireMockS3.quietLog());
    }

    private byte[] read(S3Client client) {
        CollectingSink sink = new CollectingSink();
        client.getRange("k", 0, data.length, Optional.empty(), sink, new Cancellation());
        return sink.bytes();
    }

    @Test
    void aStalledBodyIsRetriedAndTheRetryDeliversEverything() throws IOException {
        int port = serve(1);
        assertArrayEquals(data, read(client(port, 2)));
        assertEquals(2, requests.get(), "one stalled answer, one whole");
        assertFalse(Thread.currentThread().isInterrupted(), "the watchdog's interrupt does not leak to the caller");
    }

    @Test
    void aBodyThatKeepsStallingFailsWithAClearMessage() throws IOException, InterruptedException {
        int port = serve(Integer.MAX_VALUE);
        S3Exception e = assertThrows(S3Exception.class, () -> read(client(port, 1)));
        assertTrue(e.getMessage().contains("no data from http://127.0.0.1:" + port + " for 0 s"), e.getMessage());
        assertTrue(e.getMessage().contains("connection stalled"), e.getMessage());
        assertEquals(2, requestsOnceAccepted(2), "the first try and one retry");
        assertFalse(Thread.interrupted(), "no interrupt is left behind");
    }

    // That steady progress is never cut off is IdleWatchdogTest's, on a clock moved by hand.

    @Test
    void anAnswerThatNeverComesFailsTheUploadAsStalledWhateverItsSize() throws IOException, InterruptedException {
        // The server takes the whole body, then says nothing until the test ends; no limit grows with the body.
        int port = serve(Integer.MAX_VALUE, true);
        S3Exception e = assertThrows(S3Exception.class,
                () -> client(port, 1).putObject("k", Payload.of(new byte[1 << 20]), Map.of()));
        assertTrue(e.getMessage().contains("connection stalled"), e.getMessage());
        assertEquals(2, requestsOnceAccepted(2), "given up and retried once");
        assertFalse(Thread.interrupted(), "no interrupt is left behind");
    }
}
