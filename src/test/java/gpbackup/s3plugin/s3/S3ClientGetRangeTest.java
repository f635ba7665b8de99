package gpbackup.s3plugin.s3;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.head;
import static com.github.tomakehurst.wiremock.client.WireMock.ok;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Ranged GET: the Range and If-Match sent, and a body that is not exactly the range asked for is an error. */
class S3ClientGetRangeTest {
    private static final byte[] OBJECT = "0123456789abcdefghijklmnopqrstuvwxyz".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    @RegisterExtension
    final WireMockExtension server = WireMockExtension.newInstance().options(WireMockS3.serverOptions()).build();

    private static ResponseDefinitionBuilder partial(int start, int endExclusive) {
        return aResponse().withStatus(206).withHeader("ETag", "\"v1\"")
                .withHeader("Content-Range", "bytes " + start + "-" + (endExclusive - 1) + "/" + OBJECT.length)
                .withBody(Arrays.copyOfRange(OBJECT, start, endExclusive));
    }

    /** Reads the range the way the downloader does: all of it, or a failure. */
    private static byte[] read(S3Client s3, long start, long end, Optional<String> etag) {
        CollectingSink sink = new CollectingSink();
        s3.getRange("k", start, end, etag, sink, new Cancellation());
        return sink.bytes();
    }

    @Test
    void sendsAnInclusiveRangeAndIfMatchAndHandsOverExactlyTheRange() {
        server.stubFor(get(urlEqualTo("/bucket/k")).willReturn(partial(10, 20)));
        byte[] data = read(WireMockS3.client(server.getPort()), 10, 20, Optional.of("\"v1\""));
        assertArrayEquals(Arrays.copyOfRange(OBJECT, 10, 20), data);
        LoggedRequest r = server.findAll(getRequestedFor(urlEqualTo("/bucket/k"))).get(0);
        assertEquals("bytes=10-19", r.getHeader("Range"));
        assertEquals("\"v1\"", r.getHeader("If-Match"));
        assertTrue(ServerSideSigV4.authorization(r).signedHeaders().containsAll(List.of("range", "if-match")));
        ServerSideSigV4.assertSignatureValid(r, WireMockS3.SECRET);
    }

    @Test
    void withoutEtagNoIfMatchIsSent() {
        server.stubFor(get(urlEqualTo("/bucket/k")).willReturn(partial(0, 1)));
        read(WireMockS3.client(server.getPort()), 0, 1, Optional.empty());
        read(WireMockS3.client(server.getPort()), 0, 1, Optional.of(""));
        for (LoggedRequest r : server.findAll(getRequestedFor(urlEqualTo("/bucket/k")))) {
            assertEquals("bytes=0-0", r.getHeader("Range"));
            assertFalse(r.containsHeader("If-Match"));
        }
    }

    @Test
    void bodyShorterThanItsContentLengthIsAnErrorAfterRetries() {
        server.stubFor(get(urlEqualTo("/bucket/k")).willReturn(aResponse().withStatus(206)
                .withHeader("Content-Length", "10").withBody(Arrays.copyOfRange(OBJECT, 0, 4))));
        S3Exception e = assertThrows(S3Exception.class, () -> read(WireMockS3.client(server.getPort(), 2), 0, 10,
                Optional.empty()));
        assertTrue(e.getMessage().startsWith("download s3://bucket/k failed: "), e.getMessage());
        assertEquals(3, server.findAll(anyRequestedFor(anyUrl())).size(), "a cut-off body is retried");
    }

    @Test
    void shortBodyIsNeverHandedOverAsIfComplete() {
        server.stubFor(get(urlEqualTo("/bucket/k")).willReturn(aResponse().withStatus(206)
                .withHeader("Content-Length", "10").withBody(Arrays.copyOfRange(OBJECT, 0, 4))));
        CollectingSink sink = new CollectingSink();
        assertThrows(S3Exception.class, () -> WireMockS3.client(server.getPort(), 0).getRange("k", 0, 10,
                Optional.empty(), sink, new Cancellation()));
        assertTrue(sink.bytes().length < 10, "a truncated body was landed whole");
        assertEquals(List.of(10L), sink.announced());
    }

    @Test
    void fullObjectAnsweredForARangeStartingLaterIsAnError() {
        server.stubFor(get(urlEqualTo("/bucket/k")).willReturn(ok().withBody(OBJECT)));
        S3Exception e = assertThrows(S3Exception.class, () -> read(WireMockS3.client(server.getPort(), 1), 10, 20,
                Optional.empty()));
        assertTrue(e.getMessage().contains("server ignored the byte range (HTTP 200)"), e.getMessage());
    }

    @Test
    void fullObjectAnsweredForAWholeObjectRangeIsAccepted() {
        server.stubFor(get(urlEqualTo("/bucket/k")).willReturn(ok().withBody(OBJECT)));
        assertArrayEquals(OBJECT, read(WireMockS3.client(server.getPort()), 0, OBJECT.length, Optional.empty()));
    }

    @Test
    void fullObjectAnsweredForARangeAtTheStartIsAnError() {
        server.stubFor(get(urlEqualTo("/bucket/k")).willReturn(ok().withBody(OBJECT)));
        S3Exception e = assertThrows(S3Exception.class, () -> read(WireMockS3.client(server.getPort(), 0), 0, 10,
                Optional.empty()));
        assertTrue(e.getMessage().contains("server ignored the byte range"), e.getMessage());
    }

    @Test
    void partialAnswerOfTheWrongLengthIsAnError() {
        server.stubFor(get(urlEqualTo("/bucket/k")).willReturn(partial(10, 30)));
        S3Exception e = assertThrows(S3Exception.class, () -> read(WireMockS3.client(server.getPort(), 0), 10, 20,
                Optional.empty()));
        assertTrue(e.getMessage().contains("expected 10 bytes, server announced 20"), e.getMessage());
    }

    @Test
    void objectReplacedSinceHeadFailsWithoutRetry() {
        server.stubFor(get(urlEqualTo("/bucket/k")).willReturn(aResponse().withStatus(412).withBody(
                "<Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified"
                        + " did not hold</Message><Condition>If-Match</Condition></Error>")));
        S3Exception e = assertThrows(S3Exception.class, () -> read(WireMockS3.client(server.getPort(), 3), 0, 10,
                Optional.of("\"v1\"")));
        assertEquals(412, e.status());
        assertEquals(1, server.findAll(anyRequestedFor(anyUrl())).size());
    }

    @Test
    void headReturnsSizeAndEtag() {
        server.stubFor(head(urlEqualTo("/bucket/k")).willReturn(ok().withHeader("Content-Length", "123456789012")
                .withHeader("ETag", "\"abc-3\"")));
        assertEquals(new ObjectInfo(123456789012L, "\"abc-3\""), WireMockS3.client(server.getPort()).headObject("k"));
    }
}
