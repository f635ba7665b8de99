package gpbackup.s3plugin.s3;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.head;
import static com.github.tomakehurst.wiremock.client.WireMock.ok;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** Each S3 failure becomes one line a DBA can act on, and no line carries a secret or a signature. */
class S3ClientErrorMessagesTest {

    @RegisterExtension
    final WireMockExtension server = WireMockExtension.newInstance().options(WireMockS3.serverOptions()).build();

    private String endpoint() {
        return "http://127.0.0.1:" + server.getPort();
    }

    private static ResponseDefinitionBuilder xml(int status, String body) {
        return aResponse().withStatus(status).withHeader("Content-Type", "application/xml")
                .withBody("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + body);
    }

    private static ResponseDefinitionBuilder s3Error(int status, String code, String message) {
        return xml(status, "<Error><Code>" + code + "</Code><Message>" + message + "</Message>"
                + "<RequestId>4442587FB7D0A2F9</RequestId><HostId>host-id</HostId></Error>");
    }

    private S3Exception getFails(ResponseDefinitionBuilder answer) {
        server.stubFor(get(urlEqualTo("/bucket/folder/k")).willReturn(answer));
        return fails(() -> WireMockS3.client(server.getPort(), 0)
                .getRange("folder/k", 0, 10, Optional.empty(), new CollectingSink(), new Cancellation()));
    }

    private static S3Exception fails(Executable call) {
        S3Exception e = assertThrows(S3Exception.class, call);
        assertOneLine(e.getMessage());
        return e;
    }

    private static void assertOneLine(String message) {
        assertAll(
                () -> assertFalse(message.contains("\n"), "newline in: " + message),
                () -> assertFalse(message.contains("\r"), "carriage return in: " + message),
                () -> assertFalse(message.contains(WireMockS3.SECRET), "secret in: " + message),
                () -> assertFalse(message.contains("Exception"), "exception name in: " + message));
    }

    @Test
    void missingBucketNamesTheBucketAndEndpoint() {
        S3Exception e = getFails(s3Error(404, "NoSuchBucket", "The specified bucket does not exist"));
        assertEquals("bucket 'bucket' does not exist at " + endpoint(), e.getMessage());
        assertEquals(Optional.of("NoSuchBucket"), e.code());
    }

    @Test
    void missingKeyNamesTheObject() {
        S3Exception e = getFails(s3Error(404, "NoSuchKey", "The specified key does not exist."));
        assertEquals("object s3://bucket/folder/k does not exist", e.getMessage());
        assertTrue(e.isNotFound());
    }

    private S3Exception headFailsAfterListing(ResponseDefinitionBuilder listing) {
        server.stubFor(head(urlEqualTo("/bucket/folder/k")).willReturn(aResponse().withStatus(404)));
        server.stubFor(get(urlPathEqualTo("/bucket")).willReturn(listing));
        S3Exception e = fails(() -> WireMockS3.client(server.getPort(), 0).headObject("folder/k"));
        List<LoggedRequest> listings = server.findAll(getRequestedFor(urlPathEqualTo("/bucket")));
        assertEquals(1, listings.size(), "one listing follows the HEAD 404");
        assertEquals("/bucket?list-type=2&max-keys=1&prefix=folder%2Fk", listings.get(0).getUrl());
        return e;
    }

    @Test
    void headOfMissingObjectInAnExistingBucketIsNotFound() {
        S3Exception e = headFailsAfterListing(ok("<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>"));
        assertEquals("object s3://bucket/folder/k does not exist", e.getMessage());
        assertEquals(404, e.status());
        assertEquals(Optional.of("NoSuchKey"), e.code());
        assertTrue(e.isNotFound());
    }

    @Test
    void headOfObjectInAMissingBucketNamesTheBucket() {
        S3Exception e = headFailsAfterListing(s3Error(404, "NoSuchBucket", "The specified bucket does not exist"));
        assertEquals("bucket 'bucket' does not exist at " + endpoint(), e.getMessage());
    }

    @Test
    void headOfObjectInAMissingBucketBehindABodylessGatewayNamesTheBucket() {
        S3Exception e = headFailsAfterListing(aResponse().withStatus(404));
        assertEquals("bucket 'bucket' does not exist at " + endpoint(), e.getMessage());
    }

    @Test
    void headOfMissingObjectIsReportedAsMissingWhenListingIsNotAllowed() {
        S3Exception e = headFailsAfterListing(s3Error(403, "AccessDenied", "Access Denied"));
        assertEquals("object s3://bucket/folder/k does not exist", e.getMessage());
        assertTrue(e.isNotFound());
    }

    @Test
    void headOfMissingObjectIsReportedAsMissingWhenTheListingFails() {
        S3Exception e = headFailsAfterListing(aResponse().withStatus(503));
        assertEquals("object s3://bucket/folder/k does not exist", e.getMessage());
    }

    @Test
    void listingOfAMissingBucketWithoutBodyNamesTheBucket() {
        server.stubFor(get(urlPathEqualTo("/bucket")).willReturn(aResponse().withStatus(404)));
        S3Exception e = fails(() -> WireMockS3.client(server.getPort(), 0).listAll("folder/"));
        assertEquals("bucket 'bucket' does not exist at " + endpoint(), e.getMessage());
    }

    @Test
    void headForbiddenWithoutBodyIsAccessDenied() {
        server.stubFor(head(urlEqualTo("/bucket/folder/k")).willReturn(aResponse().withStatus(403)));
        S3Exception e = fails(() -> WireMockS3.client(server.getPort(), 0).headObject("folder/k"));
        assertEquals("read s3://bucket/folder/k failed: access denied (AccessDenied); check the credentials"
                + " and the bucket policy", e.getMessage());
    }

    @Test
    void accessDeniedNamesTheActionAndPointsAtCredentialsAndPolicy() {
        server.stubFor(put(urlEqualTo("/bucket/folder/k")).willReturn(s3Error(403, "AccessDenied", "Access Denied")));
        S3Exception e = fails(() -> WireMockS3.client(server.getPort(), 0)
                .putObject("folder/k", Payload.empty(), Map.of()));
        assertEquals("upload s3://bucket/folder/k failed: access denied (AccessDenied); check the credentials"
                + " and the bucket policy", e.getMessage());
    }

    @Test
    void unknownAccessKeyNamesTheKeyIdAndEndpoint() {
        S3Exception e = getFails(s3Error(403, "InvalidAccessKeyId",
                "The AWS Access Key Id you provided does not exist in our records."));
        assertEquals("access key id 'AKID' is not known at " + endpoint() + " (InvalidAccessKeyId)", e.getMessage());
    }

    @Test
    void signatureMismatchPointsAtTheSecretWithoutRepeatingWhatTheServerSigned() {
        String stringToSign = "AWS4-HMAC-SHA256\n20240101T120000Z\n20240101/us-east-1/s3/aws4_request\n"
                + "a3b1c2d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9";
        String provided = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";
        S3Exception e = getFails(xml(403, "<Error><Code>SignatureDoesNotMatch</Code>"
                + "<Message>The request signature we calculated does not match the signature you provided.</Message>"
                + "<AWSAccessKeyId>AKID</AWSAccessKeyId><StringToSign>" + stringToSign + "</StringToSign>"
                + "<SignatureProvided>" + provided + "</SignatureProvided>"
                + "<StringToSignBytes>41 57 53 34</StringToSignBytes>"
                + "<CanonicalRequest>GET\n/bucket/folder/k\n\nhost:127.0.0.1</CanonicalRequest>"
                + "<CanonicalRequestBytes>47 45 54</CanonicalRequestBytes></Error>"));
        assertEquals(endpoint() + " rejected the request signature for access key id 'AKID'"
                + " (SignatureDoesNotMatch); check aws_secret_access_key", e.getMessage());
        assertAll(
                () -> assertFalse(e.getMessage().contains(provided)),
                () -> assertFalse(e.getMessage().contains("a3b1c2d4e5f6")),
                () -> assertFalse(e.getMessage().contains("aws4_request")),
                () -> assertFalse(e.getMessage().contains("CanonicalRequest")),
                () -> assertFalse(e.getMessage().contains("host:")));
    }

    @Test
    void skewedClockSaysToSynchroniseIt() {
        S3Exception e = getFails(s3Error(403, "RequestTimeTooSkewed",
                "The difference between the request time and the current time is too large."));
        assertEquals("this host's clock differs too much from the server's (RequestTimeTooSkewed);"
                + " synchronise the clock", e.getMessage());
    }

    @Test
    void permanentRedirectNamesTheBucketsRegion() {
        S3Exception e = getFails(s3Error(301, "PermanentRedirect",
                "The bucket you are attempting to access must be addressed using the specified endpoint.")
                .withHeader("x-amz-bucket-region", "eu-west-1"));
        assertEquals("bucket 'bucket' is in another region ('eu-west-1'): set region: eu-west-1 (PermanentRedirect)",
                e.getMessage());
        assertEquals(1, server.findAll(anyRequestedFor(anyUrl())).size(), "a redirect is not followed");
    }

    @Test
    void headRedirectWithoutBodyStillNamesTheRegion() {
        server.stubFor(head(urlEqualTo("/bucket/folder/k")).willReturn(aResponse().withStatus(301)
                .withHeader("x-amz-bucket-region", "ap-southeast-2")));
        S3Exception e = fails(() -> WireMockS3.client(server.getPort(), 0).headObject("folder/k"));
        assertTrue(e.getMessage().contains("set region: ap-southeast-2"), e.getMessage());
    }

    @Test
    void wrongRegionInTheSignatureScopeNamesTheExpectedRegion() {
        S3Exception e = getFails(s3Error(400, "AuthorizationHeaderMalformed",
                "The authorization header is malformed; the region 'us-east-1' is wrong; expecting 'eu-central-1'")
                .withHeader("x-amz-bucket-region", "eu-central-1"));
        assertTrue(e.getMessage().contains("set region: eu-central-1"), e.getMessage());
    }

    @Test
    void wrongRegionNamedOnlyInTheBodyStillNamesTheRegion() {
        S3Exception e = getFails(xml(400, "<Error><Code>AuthorizationHeaderMalformed</Code><Message>The authorization"
                + " header is malformed; the region 'us-east-1' is wrong; expecting 'eu-west-3'</Message>"
                + "<Region>eu-west-3</Region><RequestId>1</RequestId></Error>"));
        assertTrue(e.getMessage().contains("('eu-west-3'): set region: eu-west-3"), e.getMessage());
    }

    @Test
    void htmlFromAProxyYieldsTheStatusWithoutTheMarkup() {
        S3Exception e = getFails(aResponse().withStatus(502).withHeader("Content-Type", "text/html")
                .withBody("<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n"
                        + "<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center>\n</body></html>\n"));
        assertEquals("download s3://bucket/folder/k failed: HTTP 502", e.getMessage());
        assertEquals(502, e.status());
    }

    @Test
    void wellFormedHtmlFromAProxyYieldsTheStatusWithoutTheMarkup() {
        S3Exception e = getFails(aResponse().withStatus(502).withHeader("Content-Type", "text/html")
                .withBody("<html><body><h1>Bad Gateway</h1><p>upstream\nunavailable</p></body></html>"));
        assertEquals("download s3://bucket/folder/k failed: HTTP 502", e.getMessage());
    }

    @Test
    void otherCodesAreReportedWithTheServersMessage() {
        S3Exception e = getFails(s3Error(400, "InvalidArgument", "Invalid Argument"));
        assertEquals("download s3://bucket/folder/k failed: HTTP 400 InvalidArgument: Invalid Argument", e.getMessage());
    }

    @Test
    void errorBodyWithExternalEntityDoesNotLeakTheFile(@TempDir Path dir) throws IOException {
        Path secretFile = dir.resolve("secret.txt");
        Files.writeString(secretFile, "TOP-SECRET-FILE-CONTENT");
        S3Exception e = getFails(xml(400, "<!DOCTYPE Error [<!ENTITY xxe SYSTEM \"" + secretFile.toUri() + "\">]>"
                + "<Error><Code>InvalidArgument</Code><Message>&xxe;</Message></Error>"));
        assertFalse(e.getMessage().contains("TOP-SECRET"), e.getMessage());
        assertTrue(e.getMessage().startsWith("download s3://bucket/folder/k failed: HTTP 400"), e.getMessage());
    }

    @Test
    void refusedConnectionNamesTheEndpoint() throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        int closedPort = port;
        S3Exception e = fails(() -> WireMockS3.client(closedPort, 0).headObject("folder/k"));
        assertEquals("read s3://bucket/folder/k failed: cannot connect to http://127.0.0.1:" + closedPort
                + " (connection refused)", e.getMessage());
        assertEquals(0, e.status());
    }

    /** What S3 answers to a GET of an SSE-C object that carries no key. */
    private static final String SSE_C_NEEDED = "The object was stored using a form of Server Side Encryption. The"
            + " correct parameters must be provided to retrieve the object.";

    @Test
    void aGetOfAnSseCObjectWithoutTheKeyNamesTheKeyOptions() {
        S3Exception e = getFails(s3Error(400, "InvalidRequest", SSE_C_NEEDED));
        assertEquals("download s3://bucket/folder/k failed: the object is encrypted with SSE-C, a key of yours, and"
                + " no key was sent (HTTP 400 InvalidRequest: " + SSE_C_NEEDED + "); set sse_customer_key_file or"
                + " sse_customer_key_env to the key the backup was written with", e.getMessage());
        assertEquals(400, e.status());
    }

    @Test
    void aBareHeadRefusalOfAnObjectSuggestsTheKeyOptions() {
        server.stubFor(head(urlEqualTo("/bucket/folder/k")).willReturn(aResponse().withStatus(400)));
        S3Exception e = fails(() -> WireMockS3.client(server.getPort(), 0).headObject("folder/k"));
        assertEquals("read s3://bucket/folder/k failed: HTTP 400 with no detail (a HEAD answer has no body); if the"
                + " object was written with SSE-C, set sse_customer_key_file or sse_customer_key_env to its key",
                e.getMessage());
    }

    @Test
    void otherBadRequestsOfAReadKeepTheirOwnMessage() {
        S3Exception e = getFails(s3Error(400, "InvalidRange", "The requested range is not satisfiable"));
        assertFalse(e.getMessage().contains("sse_customer_key"), e.getMessage());
        assertTrue(e.getMessage().endsWith("failed: HTTP 400 InvalidRange: The requested range is not satisfiable"),
                e.getMessage());
    }

    @Test
    void aListingRefusedWithABare400IsNoSseCMatter() {
        server.stubFor(get(urlPathEqualTo("/bucket")).willReturn(aResponse().withStatus(400)));
        S3Exception e = fails(() -> WireMockS3.client(server.getPort(), 0).listPage("folder/", Optional.empty(), 1));
        assertFalse(e.getMessage().contains("sse_customer_key"), e.getMessage());
    }
}
