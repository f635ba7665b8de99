package gpbackup.s3plugin.s3;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import gpbackup.s3plugin.auth.Credentials;
import gpbackup.s3plugin.auth.SigV4Signer;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A response body that stops arriving is given up after the idle limit and retried, never waited on forever. */
class S3ClientStalledBodyTest {
    private static final String PATH = "/bucket/k";
    private final byte[] data = new byte[64 * 1024];
    private WireMockServer server;

    @BeforeEach
    void start() {
        new Random(7).nextBytes(data);
        server = new WireMockServer(WireMockS3.serverOptions());
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop();
    }

    private S3Client client(int retries) {
        return client(retries, Duration.ofMillis(400));
    }

    private S3Client client(int retries, Duration idleLimit) {
        Credentials credentials = Credentials.of(WireMockS3.ACCESS_KEY_ID, WireMockS3.SECRET, null);
        return new S3Client(WireMockS3.http(), WireMockS3.endpoint(server.port()), SigV4Signer.forS3("us-east-1"),
                () -> credentials, Clock.systemUTC(), new RetryPolicy(retries, Duration.ofMillis(1), Duration.ofMillis(5)),
                WireMockS3.quietLog(), S3Client.DEFAULT_CHUNKED_THRESHOLD, idleLimit);
    }

    private byte[] read(S3Client client) {
        byte[][] result = new byte[1][];
        client.getRange("k", 0, data.length, Optional.empty(), (in, length) -> result[0] = in.readAllBytes());
        return result[0];
    }

    @Test
    void aStalledBodyIsRetriedAndTheRetryDeliversEverything() {
        // First answer: the body trickles out in 4 pieces over 6 s, 1.5 s apart; the limit is 0.4 s.
        server.stubFor(get(urlEqualTo(PATH)).inScenario("stall").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withStatus(206).withBody(data).withChunkedDribbleDelay(4, 6000))
                .willSetStateTo("healthy"));
        server.stubFor(get(urlEqualTo(PATH)).inScenario("stall").whenScenarioStateIs("healthy")
                .willReturn(aResponse().withStatus(206).withBody(data)));

        long start = System.nanoTime();
        assertArrayEquals(data, read(client(2)));
        assertTrue(Duration.ofNanos(System.nanoTime() - start).toMillis() < 4000, "did not wait for the trickle");
        server.verify(2, getRequestedFor(urlEqualTo(PATH)));
        assertFalse(Thread.currentThread().isInterrupted(), "the watchdog's interrupt does not leak to the caller");
    }

    @Test
    void aBodyThatKeepsStallingFailsWithAClearMessage() {
        server.stubFor(get(urlEqualTo(PATH))
                .willReturn(aResponse().withStatus(206).withBody(data).withChunkedDribbleDelay(4, 6000)));

        S3Exception e = assertThrows(S3Exception.class, () -> read(client(1)));
        assertTrue(e.getMessage().contains("no data from http://127.0.0.1:" + server.port() + " for 0 s"), e.getMessage());
        assertTrue(e.getMessage().contains("connection stalled"), e.getMessage());
        server.verify(2, getRequestedFor(urlEqualTo(PATH)));
        assertFalse(Thread.interrupted(), "no interrupt is left behind");
    }

    @Test
    void aSlowButSteadyBodyIsNotCutOff() {
        // 8 pieces over 1.4 s: 0.2 s apart, well inside a 1 s limit even on a busy machine.
        server.stubFor(get(urlEqualTo(PATH))
                .willReturn(aResponse().withStatus(206).withBody(data).withChunkedDribbleDelay(8, 1400)));
        assertArrayEquals(data, read(client(0, Duration.ofSeconds(1))));
        assertEquals(1, server.findAll(getRequestedFor(urlEqualTo(PATH))).size());
    }

    @Test
    void anAnswerThatNeverComesFailsTheUploadAsStalledWhateverItsSize() {
        // The server takes the body and then says nothing for 6 s; the limit is 0.4 s. No limit grows with the body.
        server.stubFor(com.github.tomakehurst.wiremock.client.WireMock.put(urlEqualTo(PATH))
                .willReturn(aResponse().withStatus(200).withFixedDelay(6000)));
        S3Exception e = assertThrows(S3Exception.class, () -> client(1).putObject("k", Payload.of(new byte[1 << 20])));
        assertTrue(e.getMessage().contains("connection stalled"), e.getMessage());
        assertEquals(2, server.findAll(com.github.tomakehurst.wiremock.client.WireMock.putRequestedFor(
                urlEqualTo(PATH))).size(), "given up and retried once");
        assertFalse(Thread.interrupted(), "no interrupt is left behind");
    }
}
