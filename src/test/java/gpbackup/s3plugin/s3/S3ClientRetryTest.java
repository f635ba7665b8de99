package gpbackup.s3plugin.s3;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.exactly;
import static com.github.tomakehurst.wiremock.client.WireMock.ok;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.putRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.matching.UrlPattern;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import gpbackup.s3plugin.log.PluginLog;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which failures are sent again, how often, and that every attempt is a whole, freshly signed request. */
class S3ClientRetryTest {
    private static final UrlPattern OBJECT = urlEqualTo("/bucket/k");
    private static final byte[] BODY = "table data".getBytes(StandardCharsets.UTF_8);

    @RegisterExtension
    final WireMockExtension server = WireMockExtension.newInstance().options(WireMockS3.serverOptions()).build();

    private static ResponseDefinitionBuilder s3Error(int status, String code) {
        return aResponse().withStatus(status).withHeader("Content-Type", "application/xml")
                .withBody("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + code + "</Code><Message>"
                        + code + " happened</Message><RequestId>R1</RequestId></Error>");
    }

    /** PUT k answers {@code first}, then 200 from then on. */
    private void firstPutAnswers(ResponseDefinitionBuilder first) {
        server.stubFor(put(OBJECT).inScenario("retry").whenScenarioStateIs(STARTED)
                .willReturn(first).willSetStateTo("answered once"));
        server.stubFor(put(OBJECT).inScenario("retry").whenScenarioStateIs("answered once")
                .willReturn(ok().withHeader("ETag", "\"e\"")));
    }

    private int requestCount() {
        return server.findAll(anyRequestedFor(anyUrl())).size();
    }

    @Test
    void serviceUnavailableThenOkSucceedsOnTheSecondAttempt() {
        firstPutAnswers(s3Error(503, "ServiceUnavailable"));
        WireMockS3.client(server.getPort(), 3).putObject("k", Payload.of(BODY), Map.of());
        List<LoggedRequest> attempts = server.findAll(putRequestedFor(OBJECT));
        assertEquals(2, attempts.size());
        for (LoggedRequest attempt : attempts) {
            assertArrayEquals(BODY, attempt.getBody(), "every attempt sends the whole body");
            ServerSideSigV4.assertSignatureValid(attempt, WireMockS3.SECRET);
        }
    }

    @Test
    void eachRetryIsLoggedAtDebugWithoutSecrets() {
        firstPutAnswers(s3Error(503, "SlowDown"));
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        PluginLog log = new PluginLog(file, new PrintStream(stderr, true, StandardCharsets.UTF_8), "u", "h", 1,
                Clock.systemUTC());
        WireMockS3.client(server.getPort(), 3, log).putObject("k", Payload.of(BODY), Map.of());
        String lines = file.toString(StandardCharsets.UTF_8);
        assertTrue(lines.matches("(?s)\\d{8}:\\d{2}:\\d{2}:\\d{2} gpbackup_s3_plugin:u:h:1-\\[DEBUG\\]:-attempt 1 failed,"
                + " retrying in \\d+ ms: upload s3://bucket/k failed: HTTP 503 SlowDown: SlowDown happened\n"), lines);
        assertEquals("", stderr.toString(StandardCharsets.UTF_8), "a retry that succeeds prints nothing");
        assertFalse(lines.contains(WireMockS3.SECRET));
    }

    @Test
    void persistentServerErrorFailsAfterEveryAttemptWithAMessageNamingTheStatus() {
        server.stubFor(put(OBJECT).willReturn(aResponse().withStatus(500)));
        S3Exception e = assertThrows(S3Exception.class,
                () -> WireMockS3.client(server.getPort(), 3).putObject("k", Payload.of(BODY), Map.of()));
        assertEquals(4, requestCount(), "one attempt and three retries");
        assertEquals(500, e.status());
        assertTrue(e.getMessage().contains("HTTP 500"), e.getMessage());
        assertTrue(e.getMessage().contains("s3://bucket/k"), e.getMessage());
    }

    @ParameterizedTest(name = "HTTP {0} {1} is retried")
    @CsvSource({
        "503, SlowDown",
        "500, InternalError",
        "503, ServiceUnavailable",
        "400, RequestTimeout",
        "429, Throttling",
    })
    void throttlingAndServerFaultsAreRetried(int status, String code) {
        firstPutAnswers(s3Error(status, code));
        WireMockS3.client(server.getPort(), 2).putObject("k", Payload.of(BODY), Map.of());
        assertEquals(2, requestCount());
    }

    @ParameterizedTest(name = "HTTP {0} {1} fails at once")
    @CsvSource({
        "404, NoSuchKey",
        "404, NoSuchBucket",
        "403, AccessDenied",
        "403, SignatureDoesNotMatch",
        "400, InvalidArgument",
        "412, PreconditionFailed",
    })
    void clientErrorsAreNotRetried(int status, String code) {
        server.stubFor(put(OBJECT).willReturn(s3Error(status, code)));
        S3Exception e = assertThrows(S3Exception.class,
                () -> WireMockS3.client(server.getPort(), 3).putObject("k", Payload.of(BODY), Map.of()));
        assertEquals(1, requestCount());
        assertEquals(status, e.status());
        assertEquals(Optional.of(code), e.code());
    }

    @Test
    void headForbiddenWithoutBodyIsNotRetried() {
        server.stubFor(WireMock.head(OBJECT).willReturn(aResponse().withStatus(403)));
        assertThrows(S3Exception.class, () -> WireMockS3.client(server.getPort(), 3).headObject("k"));
        assertEquals(1, requestCount());
    }

    @Test
    void headNotFoundIsNotRetriedAndOnlyFollowedByOneListing() {
        server.stubFor(WireMock.head(OBJECT).willReturn(aResponse().withStatus(404)));
        server.stubFor(WireMock.get(WireMock.urlPathEqualTo("/bucket")).willReturn(ok(
                "<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>")));
        assertThrows(S3Exception.class, () -> WireMockS3.client(server.getPort(), 3).headObject("k"));
        assertEquals(1, server.findAll(WireMock.headRequestedFor(OBJECT)).size());
        assertEquals(2, requestCount());
    }

    @Test
    void connectionResetByPeerIsRetried() {
        firstPutAnswers(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER));
        WireMockS3.client(server.getPort(), 3).putObject("k", Payload.of(BODY), Map.of());
        assertEquals(2, server.findAll(putRequestedFor(OBJECT)).size());
    }

    @Test
    void connectionClosedWithoutAnswerIsRetriedThenReportedAsAnIoError() {
        // A PUT: for GET and HEAD the JDK client itself resends once on a connection closed before
        // any answer, so the count on the wire would be doubled.
        server.stubFor(put(OBJECT).willReturn(aResponse().withFault(Fault.EMPTY_RESPONSE)));
        S3Exception e = assertThrows(S3Exception.class,
                () -> WireMockS3.client(server.getPort(), 2).putObject("k", Payload.of(BODY), Map.of()));
        assertEquals(3, requestCount());
        assertEquals(0, e.status());
        assertTrue(e.getMessage().startsWith("upload s3://bucket/k failed: I/O error talking to http://127.0.0.1:"),
                e.getMessage());
    }

    @Test
    void zeroRetriesMeansExactlyOneAttempt() {
        server.stubFor(put(OBJECT).willReturn(s3Error(503, "SlowDown")));
        S3Exception e = assertThrows(S3Exception.class,
                () -> WireMockS3.client(server.getPort(), 0).putObject("k", Payload.of(BODY), Map.of()));
        assertEquals(1, requestCount());
        assertEquals(Optional.of("SlowDown"), e.code());
    }

    @Test
    void zeroRetriesMeansOneAttemptAfterAConnectionReset() {
        server.stubFor(put(OBJECT).willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));
        assertThrows(S3Exception.class,
                () -> WireMockS3.client(server.getPort(), 0).putObject("k", Payload.of(BODY), Map.of()));
        assertEquals(1, requestCount());
    }

    @Test
    void completeMultipartUploadAnsweringOkWithAnErrorBodyIsRetriedThenFails() {
        server.stubFor(post(urlEqualTo("/bucket/k?uploadId=u1")).willReturn(ok(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>InternalError</Code>"
                        + "<Message>We encountered an internal error. Please try again.</Message></Error>")));
        S3Exception e = assertThrows(S3Exception.class, () -> WireMockS3.client(server.getPort(), 3)
                .completeMultipartUpload("k", "u1", List.of("\"a\"", "\"b\"")));
        assertEquals(4, requestCount());
        assertEquals(Optional.of("InternalError"), e.code());
        assertTrue(e.getMessage().contains("InternalError"), e.getMessage());
    }

    @Test
    void completeMultipartUploadSucceedsWhenARetryAnswersWithTheResult() {
        UrlPattern complete = urlEqualTo("/bucket/k?uploadId=u1");
        server.stubFor(post(complete).inScenario("c").whenScenarioStateIs(STARTED)
                .willReturn(ok("<Error><Code>SlowDown</Code><Message>Reduce your request rate.</Message></Error>"))
                .willSetStateTo("ok"));
        server.stubFor(post(complete).inScenario("c").whenScenarioStateIs("ok").willReturn(ok(
                "<CompleteMultipartUploadResult><Key>k</Key><ETag>\"x-2\"</ETag></CompleteMultipartUploadResult>")));
        WireMockS3.client(server.getPort(), 3).completeMultipartUpload("k", "u1", List.of("\"a\""));
        assertEquals(2, requestCount());
    }

    @Test
    void completeMultipartUploadAnsweringOkWithANonRetryableErrorFailsAtOnce() {
        server.stubFor(post(urlEqualTo("/bucket/k?uploadId=u1")).willReturn(ok(
                "<Error><Code>InvalidPart</Code><Message>One or more of the specified parts could not be found.</Message></Error>")));
        S3Exception e = assertThrows(S3Exception.class, () -> WireMockS3.client(server.getPort(), 3)
                .completeMultipartUpload("k", "u1", List.of("\"a\"")));
        assertEquals(1, requestCount());
        assertEquals(Optional.of("InvalidPart"), e.code());
    }

    @Test
    void everyAttemptIsSignedAnew() {
        firstPutAnswers(s3Error(500, "InternalError"));
        WireMockS3.client(server.getPort(), 1).putObject("k", Payload.of(BODY), Map.of());
        for (LoggedRequest attempt : server.findAll(putRequestedFor(OBJECT))) {
            ServerSideSigV4.assertSignatureValid(attempt, WireMockS3.SECRET);
        }
    }

    @Test
    void requestsAfterAFailedOneStillSucceed() {
        server.stubFor(put(urlEqualTo("/bucket/bad")).willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));
        server.stubFor(put(OBJECT).willReturn(ok()));
        S3Client s3 = WireMockS3.client(server.getPort(), 0);
        assertThrows(S3Exception.class, () -> s3.putObject("bad", Payload.of(BODY), Map.of()));
        s3.putObject("k", Payload.of(BODY), Map.of());
        server.verify(exactly(1), putRequestedFor(OBJECT));
    }
}
