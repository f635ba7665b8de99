package gpbackup.s3plugin.s3;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.head;
import static com.github.tomakehurst.wiremock.client.WireMock.ok;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.http.HttpHeader;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import gpbackup.s3plugin.auth.Credentials;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** What every request carries on the wire: SigV4 headers that verify, and the object key encoded once in the path. */
class S3ClientSigningTest {
    private static final String TOKEN = "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQ+token=";

    @RegisterExtension
    final WireMockExtension server = WireMockExtension.newInstance().options(WireMockS3.serverOptions()).build();

    private S3Client s3;

    @BeforeEach
    void everythingSucceeds() {
        server.stubFor(any(anyUrl()).willReturn(ok().withHeader("ETag", "\"etag\"")));
        server.stubFor(head(anyUrl()).willReturn(ok().withHeader("Content-Length", "5").withHeader("ETag", "\"e\"")));
        server.stubFor(get(anyUrl()).willReturn(aResponse().withStatus(206).withBody("hello")));
        server.stubFor(get(urlPathEqualTo("/bucket")).willReturn(ok(
                "<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>")));
        server.stubFor(post(anyUrl()).willReturn(ok(
                "<InitiateMultipartUploadResult><UploadId>u-1</UploadId></InitiateMultipartUploadResult>")));
        s3 = WireMockS3.client(server.getPort());
    }

    /** One call of every operation, so each check below covers them all. */
    private void callEveryOperation(S3Client client) {
        client.putObject("folder/object", Payload.of("hello".getBytes(StandardCharsets.UTF_8)), Map.of());
        client.putObject("folder/empty", Payload.empty(), Map.of());
        client.headObject("folder/object");
        client.getRange("folder/object", 0, 5, Optional.of("\"e\""), new CollectingSink(), new Cancellation());
        client.listAll("folder/");
        client.createMultipartUpload("folder/multi");
        client.uploadPart("folder/multi", "u-1", 1, Payload.of(new byte[] {1, 2, 3}), new Cancellation());
        client.completeMultipartUpload("folder/multi", "u-1", List.of("\"p1\""));
        client.abortMultipartUpload("folder/multi", "u-1");
        client.deleteObjects(List.of("folder/object"));
        client.deleteObject("folder/empty", Optional.empty());
    }

    private List<LoggedRequest> received() {
        List<LoggedRequest> requests = new ArrayList<>(server.getAllServeEvents().stream().map(e -> e.getRequest()).toList());
        Collections.reverse(requests); // WireMock lists the newest first
        return requests;
    }

    @Test
    void everyRequestCarriesDateBodyHashAndAnAuthorizationForTheAccessKey() {
        callEveryOperation(s3);
        List<LoggedRequest> requests = received();
        assertEquals(11, requests.size());
        for (LoggedRequest r : requests) {
            String what = r.getMethod() + " " + r.getUrl();
            ServerSideSigV4.Authorization auth = ServerSideSigV4.authorization(r);
            assertAll(what,
                    () -> assertTrue(r.getHeader("Authorization").startsWith("AWS4-HMAC-SHA256 Credential=AKID/")),
                    () -> assertTrue(r.getHeader("X-Amz-Date").matches("\\d{8}T\\d{6}Z"), r.getHeader("X-Amz-Date")),
                    () -> assertEquals(ServerSideSigV4.sha256Hex(r.getBody()), r.getHeader("x-amz-content-sha256")),
                    () -> assertTrue(auth.signedHeaders().containsAll(List.of("host", "x-amz-content-sha256",
                            "x-amz-date")), auth.signedHeaders()::toString),
                    () -> assertEquals(WireMockS3.REGION, auth.region()),
                    () -> assertEquals("s3", auth.service()),
                    () -> ServerSideSigV4.assertSignatureValid(r, WireMockS3.SECRET));
        }
    }

    @Test
    void requestsWithoutBodySignTheEmptyPayloadHash() {
        callEveryOperation(s3);
        List<LoggedRequest> bodiless = received().stream().filter(r -> r.getBody().length == 0).toList();
        assertEquals(7, bodiless.size(), "PUT of an empty object, HEAD, GET, list, create, abort, delete");
        for (LoggedRequest r : bodiless) {
            assertEquals(ServerSideSigV4.EMPTY_SHA256, r.getHeader("x-amz-content-sha256"), r.getUrl());
        }
    }

    @Test
    void bodyHashIsTheHashOfTheBytesSent() {
        byte[] body = "some table data\n".getBytes(StandardCharsets.UTF_8);
        s3.putObject("k", Payload.of(body), Map.of());
        LoggedRequest r = received().get(0);
        assertTrue(r.getHeader("x-amz-content-sha256").matches("[0-9a-f]{64}"));
        assertEquals(ServerSideSigV4.sha256Hex(body), r.getHeader("x-amz-content-sha256"));
        assertEquals(String.valueOf(body.length), r.getHeader("Content-Length"));
    }

    @Test
    void dateAndCredentialScopeComeFromTheInjectedClock() {
        Clock clock = Clock.fixed(Instant.parse("2024-02-29T23:59:58Z"), ZoneOffset.UTC);
        S3Client client = WireMockS3.client(server.getPort(), 0, S3Connection.DEFAULT_CHUNKED_THRESHOLD,
                Credentials.of("AKID", WireMockS3.SECRET, null), clock);
        client.deleteObject("k", Optional.empty());
        LoggedRequest r = received().get(0);
        assertEquals("20240229T235958Z", r.getHeader("X-Amz-Date"));
        assertEquals("20240229", ServerSideSigV4.authorization(r).date());
        ServerSideSigV4.assertSignatureValid(r, WireMockS3.SECRET);
    }

    @Test
    void sessionTokenIsSentAsSecurityTokenHeaderAndSigned() {
        S3Client client = WireMockS3.client(server.getPort(), 0, S3Connection.DEFAULT_CHUNKED_THRESHOLD,
                Credentials.of("AKID", WireMockS3.SECRET, TOKEN));
        callEveryOperation(client);
        for (LoggedRequest r : received()) {
            assertEquals(TOKEN, r.getHeader("X-Amz-Security-Token"), r.getUrl());
            assertTrue(ServerSideSigV4.authorization(r).signedHeaders().contains("x-amz-security-token"));
            ServerSideSigV4.assertSignatureValid(r, WireMockS3.SECRET);
        }
    }

    @Test
    void withoutSessionTokenNoSecurityTokenHeaderIsSent() {
        callEveryOperation(s3);
        for (LoggedRequest r : received()) {
            assertFalse(r.containsHeader("X-Amz-Security-Token"), r.getUrl());
        }
    }

    @Test
    void secretKeyNeverAppearsInAnyHeaderUrlOrBody() {
        S3Client client = WireMockS3.client(server.getPort(), 0, 1024, Credentials.of("AKID", WireMockS3.SECRET, TOKEN));
        callEveryOperation(client);
        client.putObject("chunked", Payload.of(new byte[4096]), Map.of());
        for (LoggedRequest r : received()) {
            assertFalse(r.getAbsoluteUrl().contains(WireMockS3.SECRET));
            assertFalse(new String(r.getBody(), StandardCharsets.ISO_8859_1).contains(WireMockS3.SECRET));
            for (HttpHeader header : r.getHeaders().all()) {
                for (String value : header.values()) {
                    assertFalse(value.contains(WireMockS3.SECRET), header.key() + " carries the secret");
                    assertFalse(value.contains("wJalrXUtnFEMI"), header.key() + " carries part of the secret");
                }
            }
        }
    }

    @ParameterizedTest(name = "key ''{0}'' is sent as {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "folder/backups/20240101/20240101120000/gpbackup_0_20240101120000_16384 | /bucket/folder/backups/20240101/20240101120000/gpbackup_0_20240101120000_16384",
        "dir/with space.txt        | /bucket/dir/with%20space.txt",
        "a+b=c&d                   | /bucket/a%2Bb%3Dc%26d",
        "données/ünïcödé/€         | /bucket/donn%C3%A9es/%C3%BCn%C3%AFc%C3%B6d%C3%A9/%E2%82%AC",
        "safe-chars_~.txt          | /bucket/safe-chars_~.txt",
        "star*colon:at@percent%    | /bucket/star%2Acolon%3Aat%40percent%25",
        "double//slash/../dot      | /bucket/double//slash/../dot",
        "\" trailing space \"      | /bucket/%20trailing%20space%20",
    })
    void objectKeyIsEncodedOnceInAPathStyleUrl(String key, String expectedPath) {
        s3.putObject(key, Payload.of(new byte[] {42}), Map.of());
        s3.headObject(key);
        for (LoggedRequest r : received()) {
            assertEquals(expectedPath, r.getUrl(), r.getMethod().getName());
            ServerSideSigV4.assertSignatureValid(r, WireMockS3.SECRET);
        }
    }

    @Test
    void uploadIdIsEncodedInTheQueryAndSigned() {
        String uploadId = "VXBsb2FkIElE/+with=odd&chars";
        s3.uploadPart("k", uploadId, 7, Payload.of(new byte[] {1}), new Cancellation());
        LoggedRequest r = received().get(0);
        assertEquals("/bucket/k?partNumber=7&uploadId=VXBsb2FkIElE%2F%2Bwith%3Dodd%26chars", r.getUrl());
        assertEquals(uploadId, r.queryParameter("uploadId").firstValue());
        ServerSideSigV4.assertSignatureValid(r, WireMockS3.SECRET);
    }
}
