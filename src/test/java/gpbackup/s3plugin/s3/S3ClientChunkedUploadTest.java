package gpbackup.s3plugin.s3;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.ok;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.putRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import gpbackup.s3plugin.auth.Credentials;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Bodies above the threshold go out aws-chunked with a signature per 64 KiB chunk, streamed, not pre-hashed. */
class S3ClientChunkedUploadTest {
    private static final long THRESHOLD = 100 * 1024;
    private static final int CHUNK = 64 * 1024;

    @RegisterExtension
    final WireMockExtension server = WireMockExtension.newInstance().options(WireMockS3.serverOptions()).build();

    private S3Client client(int retries) {
        return WireMockS3.client(server.getPort(), retries, THRESHOLD, Credentials.of("AKID", WireMockS3.SECRET, null));
    }

    private static byte[] randomBytes(int n) {
        byte[] data = new byte[n];
        new Random(n).nextBytes(data);
        return data;
    }

    /** Encoded size worked out from the aws-chunked layout: {@code hex;chunk-signature=<64>\r\n data \r\n} per chunk. */
    private static long encodedLength(long decoded) {
        long total = 0;
        long left = decoded;
        while (true) {
            int n = (int) Math.min(CHUNK, left);
            total += Integer.toHexString(n).length() + ";chunk-signature=".length() + 64 + 2 + n + 2;
            left -= n;
            if (n == 0) {
                return total;
            }
        }
    }

    private static void assertChunkedUploadOf(byte[] payload, LoggedRequest r) {
        assertAll(
                () -> assertEquals("aws-chunked", r.getHeader("Content-Encoding")),
                () -> assertEquals(String.valueOf(payload.length), r.getHeader("x-amz-decoded-content-length")),
                () -> assertEquals("STREAMING-AWS4-HMAC-SHA256-PAYLOAD", r.getHeader("x-amz-content-sha256")),
                () -> assertEquals(String.valueOf(encodedLength(payload.length)), r.getHeader("Content-Length")),
                () -> assertEquals(encodedLength(payload.length), r.getBody().length),
                () -> assertTrue(ServerSideSigV4.authorization(r).signedHeaders().containsAll(
                        List.of("content-encoding", "x-amz-decoded-content-length"))),
                () -> ServerSideSigV4.assertSignatureValid(r, WireMockS3.SECRET),
                () -> assertArrayEquals(payload, ServerSideSigV4.decodeSignedChunks(r, WireMockS3.SECRET)));
    }

    @ParameterizedTest(name = "{0} bytes")
    @ValueSource(ints = {100 * 1024 + 1, 3 * 64 * 1024, 300 * 1024 + 123})
    void bodyAboveTheThresholdIsSentAwsChunkedWithSignedChunks(int size) {
        server.stubFor(put(urlEqualTo("/bucket/big")).willReturn(ok()));
        byte[] payload = randomBytes(size);
        client(0).putObject("big", Payload.of(payload), Map.of());
        assertChunkedUploadOf(payload, server.findAll(putRequestedFor(urlEqualTo("/bucket/big"))).get(0));
    }

    @Test
    void uploadPartAboveTheThresholdIsSentAwsChunked() {
        server.stubFor(put(urlPathEqualTo("/bucket/big")).willReturn(ok().withHeader("ETag", "\"p1\"")));
        byte[] payload = randomBytes(200 * 1024);
        assertEquals("\"p1\"", client(0).uploadPart("big", "u1", 1, Payload.of(payload), new Cancellation()));
        LoggedRequest r = server.findAll(putRequestedFor(urlPathEqualTo("/bucket/big"))).get(0);
        assertEquals("/bucket/big?partNumber=1&uploadId=u1", r.getUrl());
        assertChunkedUploadOf(payload, r);
    }

    @Test
    void bodyAtTheThresholdIsSentWholeWithItsHash() {
        server.stubFor(put(urlEqualTo("/bucket/k")).willReturn(ok()));
        byte[] payload = randomBytes((int) THRESHOLD);
        client(0).putObject("k", Payload.of(payload), Map.of());
        LoggedRequest r = server.findAll(putRequestedFor(urlEqualTo("/bucket/k"))).get(0);
        assertFalse(r.containsHeader("Content-Encoding"));
        assertFalse(r.containsHeader("x-amz-decoded-content-length"));
        assertEquals(ServerSideSigV4.sha256Hex(payload), r.getHeader("x-amz-content-sha256"));
        assertEquals(String.valueOf(THRESHOLD), r.getHeader("Content-Length"));
        assertArrayEquals(payload, r.getBody());
    }

    @Test
    void retriedChunkedUploadIsEncodedAndSignedAfreshFromTheFirstChunk() {
        server.stubFor(put(urlEqualTo("/bucket/big")).inScenario("r").whenScenarioStateIs(STARTED)
                .willReturn(aResponse().withStatus(500)).willSetStateTo("ok"));
        server.stubFor(put(urlEqualTo("/bucket/big")).inScenario("r").whenScenarioStateIs("ok").willReturn(ok()));
        byte[] payload = randomBytes(150 * 1024);
        client(1).putObject("big", Payload.of(payload), Map.of());
        List<LoggedRequest> attempts = server.findAll(putRequestedFor(urlEqualTo("/bucket/big")));
        assertEquals(2, attempts.size());
        attempts.forEach(r -> assertChunkedUploadOf(payload, r));
    }
}
