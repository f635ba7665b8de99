package gpbackup.s3plugin.s3;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.delete;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.ok;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import java.io.ByteArrayInputStream;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.w3c.dom.Document;
import org.w3c.dom.NodeList;

/** ListObjectsV2 paging and DeleteObjects, as S3 expects them and as S3 answers them. */
class S3ClientListAndDeleteTest {
    /** The LastModified of every object {@link #page} lists; the indented listing sends none (the epoch). */
    private static final Instant PAGE_TIME = Instant.parse("2024-01-01T12:00:00Z");

    @RegisterExtension
    final WireMockExtension server = WireMockExtension.newInstance().options(WireMockS3.serverOptions()).build();

    private static String page(boolean truncated, String nextToken, String... keys) {
        StringBuilder xml = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                + "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>bucket</Name>"
                + "<Prefix>folder/</Prefix><KeyCount>" + keys.length + "</KeyCount><MaxKeys>1000</MaxKeys>"
                + "<IsTruncated>" + truncated + "</IsTruncated>");
        for (String key : keys) {
            xml.append("<Contents><Key>").append(key).append("</Key><LastModified>2024-01-01T12:00:00.000Z"
                    + "</LastModified><ETag>&quot;e&quot;</ETag><Size>").append(key.length())
                    .append("</Size><StorageClass>STANDARD</StorageClass></Contents>");
        }
        if (nextToken != null) {
            xml.append("<NextContinuationToken>").append(nextToken).append("</NextContinuationToken>");
        }
        return xml.append("</ListBucketResult>").toString();
    }

    private List<LoggedRequest> received() {
        List<LoggedRequest> requests = new ArrayList<>(server.getAllServeEvents().stream()
                .map(e -> e.getRequest()).toList());
        Collections.reverse(requests);
        return requests;
    }

    @Test
    void listAllFollowsContinuationTokensAcrossPages() {
        server.stubFor(get(urlPathEqualTo("/bucket")).withQueryParam("continuation-token", absent()).willReturn(ok(page(true, "1/tok+en==", "folder/a", "folder/b"))));
        server.stubFor(get(urlPathEqualTo("/bucket")).withQueryParam("continuation-token", equalTo("1/tok+en=="))
                .willReturn(ok(page(true, "2", "folder/c"))));
        server.stubFor(get(urlPathEqualTo("/bucket")).withQueryParam("continuation-token", equalTo("2"))
                .willReturn(ok(page(false, null, "folder/d"))));

        List<ObjectSummary> all = WireMockS3.client(server.getPort()).listAll("folder/");

        assertEquals(List.of(new ObjectSummary("folder/a", 8, PAGE_TIME), new ObjectSummary("folder/b", 8, PAGE_TIME),
                new ObjectSummary("folder/c", 8, PAGE_TIME), new ObjectSummary("folder/d", 8, PAGE_TIME)), all);
        List<LoggedRequest> requests = received();
        assertEquals(List.of(
                "/bucket?list-type=2&max-keys=1000&prefix=folder%2F",
                "/bucket?continuation-token=1%2Ftok%2Ben%3D%3D&list-type=2&max-keys=1000&prefix=folder%2F",
                "/bucket?continuation-token=2&list-type=2&max-keys=1000&prefix=folder%2F"),
                requests.stream().map(LoggedRequest::getUrl).toList());
        requests.forEach(r -> ServerSideSigV4.assertSignatureValid(r, WireMockS3.SECRET));
    }

    @Test
    void listingKeepsKeysExactlyAsStored() {
        server.stubFor(get(urlPathEqualTo("/bucket")).willReturn(ok(
                page(false, null, "folder/ spaced ", "folder/a&amp;b", "folder/ü"))));
        List<String> keys = WireMockS3.client(server.getPort()).listAll("folder/").stream()
                .map(ObjectSummary::key).toList();
        assertEquals(List.of("folder/ spaced ", "folder/a&b", "folder/ü"), keys);
    }

    @Test
    void aListingWithAnUnreadableLastModifiedFailsNamingTheKey() {
        server.stubFor(get(urlPathEqualTo("/bucket")).willReturn(ok(page(false, null, "folder/a")
                .replace("2024-01-01T12:00:00.000Z", "yesterday"))));
        RuntimeException e = assertThrows(RuntimeException.class,
                () -> WireMockS3.client(server.getPort(), 0).listAll("folder/"));
        assertTrue(e.getMessage().contains("folder/a has a LastModified that is not ISO-8601"), e.getMessage());
    }

    @Test
    void indentedListingIsReadLikeACompactOne() {
        server.stubFor(get(urlPathEqualTo("/bucket")).withQueryParam("continuation-token", absent()).willReturn(ok("""
                <?xml version="1.0" encoding="UTF-8"?>
                <ListBucketResult>
                  <IsTruncated>
                    true
                  </IsTruncated>
                  <Contents>
                    <Key>folder/a</Key>
                    <Size>
                      12
                    </Size>
                  </Contents>
                  <NextContinuationToken>t2</NextContinuationToken>
                </ListBucketResult>
                """)));
        server.stubFor(get(urlPathEqualTo("/bucket")).withQueryParam("continuation-token", equalTo("t2"))
                .willReturn(ok(page(false, null, "folder/b"))));
        assertEquals(List.of(new ObjectSummary("folder/a", 12, Instant.EPOCH), new ObjectSummary("folder/b", 8, PAGE_TIME)),
                WireMockS3.client(server.getPort()).listAll("folder/"));
    }

    @Test
    void listingWithAnUnreadableSizeFailsAsAnS3Error() {
        server.stubFor(get(urlPathEqualTo("/bucket")).willReturn(ok("<ListBucketResult><IsTruncated>false</IsTruncated>"
                + "<Contents><Key>folder/a</Key><Size>twelve</Size></Contents></ListBucketResult>")));
        S3Exception e = assertThrows(S3Exception.class, () -> WireMockS3.client(server.getPort(), 0).listAll("folder/"));
        assertTrue(e.getMessage().contains("twelve"), e.getMessage());
    }

    @Test
    void truncatedPageWithoutContinuationTokenIsAnError() {
        server.stubFor(get(urlPathEqualTo("/bucket")).willReturn(ok(page(true, null, "folder/a"))));
        S3Exception e = assertThrows(S3Exception.class, () -> WireMockS3.client(server.getPort(), 0).listAll("folder/"));
        assertTrue(e.getMessage().contains("truncated listing without a continuation token"), e.getMessage());
        assertEquals(1, server.findAll(getRequestedFor(anyUrl())).size());
    }

    @Test
    void aListingAnsweredWithAnHtmlPageFailsAtOnceInsteadOfLookingEmpty() {
        server.stubFor(get(urlPathEqualTo("/bucket")).willReturn(ok("<html><head><title>Sign in</title></head>"
                + "<body><p>Please sign in</p></body></html>").withHeader("Content-Type", "text/html")));
        S3Exception e = assertThrows(S3Exception.class, () -> WireMockS3.client(server.getPort(), 3).listAll("folder/"));
        assertEquals("list s3://bucket/folder/ failed: the answer is <html>, not a ListBucketResult; is "
                + WireMockS3.endpoint(server.getPort()).display() + " an S3 endpoint?", e.getMessage());
        assertEquals(1, server.findAll(getRequestedFor(anyUrl())).size(), "not retried");
    }

    @Test
    void listPageAsksForTheGivenPageSize() {
        server.stubFor(get(urlPathEqualTo("/bucket")).willReturn(ok(page(false, null))));
        ListPage page = WireMockS3.client(server.getPort()).listPage("folder/", Optional.empty(), 1);
        assertEquals(List.of(), page.objects());
        assertEquals(Optional.empty(), page.nextToken());
        assertEquals("/bucket?list-type=2&max-keys=1&prefix=folder%2F", received().get(0).getUrl());
    }

    @Test
    void deleteObjectsSendsEveryKeyQuietlyWithAContentMd5OfTheBody() throws Exception {
        server.stubFor(post(urlEqualTo("/bucket?delete=")).willReturn(ok("<DeleteResult></DeleteResult>")));
        List<String> keys = List.of("folder/a", "folder/b&c<d>", "folder/ü é");

        WireMockS3.client(server.getPort()).deleteObjects(keys);

        LoggedRequest r = received().get(0);
        String md5 = Base64.getEncoder().encodeToString(MessageDigest.getInstance("MD5").digest(r.getBody()));
        assertEquals(md5, r.getHeader("Content-MD5"));
        assertTrue(ServerSideSigV4.authorization(r).signedHeaders().contains("content-md5"));
        ServerSideSigV4.assertSignatureValid(r, WireMockS3.SECRET);

        Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(r.getBody()));
        assertEquals("Delete", doc.getDocumentElement().getNodeName());
        assertEquals("true", doc.getElementsByTagName("Quiet").item(0).getTextContent());
        NodeList sent = doc.getElementsByTagName("Key");
        assertEquals(keys, IntStream.range(0, sent.getLength()).mapToObj(i -> sent.item(i).getTextContent()).toList());
    }

    @Test
    void deleteObjectsFailsWhenTheAnswerListsErrors() {
        server.stubFor(post(urlEqualTo("/bucket?delete=")).willReturn(ok("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
                + "<DeleteResult><Deleted><Key>folder/a</Key></Deleted>"
                + "<Error><Key>folder/b</Key><Code>AccessDenied</Code><Message>Access Denied</Message></Error>"
                + "<Error><Key>folder/c</Key><Code>AccessDenied</Code><Message>Access Denied</Message></Error>"
                + "</DeleteResult>")));
        S3Exception e = assertThrows(S3Exception.class, () -> WireMockS3.client(server.getPort())
                .deleteObjects(List.of("folder/a", "folder/b", "folder/c")));
        assertEquals("could not delete 2 object(s), first s3://bucket/folder/b: AccessDenied Access Denied",
                e.getMessage());
        assertEquals(1, server.findAll(anyRequestedFor(anyUrl())).size());
    }

    @Test
    void deleteObjectsOfNoKeysSendsNothing() {
        WireMockS3.client(server.getPort()).deleteObjects(List.of());
        assertEquals(0, server.findAll(anyRequestedFor(anyUrl())).size());
    }

    @Test
    void deleteObjectsRefusesMoreThanAThousandKeys() {
        List<String> keys = IntStream.range(0, 1001).mapToObj(i -> "k" + i).toList();
        assertThrows(IllegalArgumentException.class, () -> WireMockS3.client(server.getPort()).deleteObjects(keys));
        assertEquals(0, server.findAll(anyRequestedFor(anyUrl())).size());
    }

    @Test
    void deleteObjectSendsOneDeleteOfTheKey() {
        server.stubFor(delete(anyUrl()).willReturn(aResponse().withStatus(204)));
        WireMockS3.client(server.getPort()).deleteObject("folder/x y", Optional.empty());
        LoggedRequest r = received().get(0);
        assertEquals("DELETE", r.getMethod().getName());
        assertEquals("/bucket/folder/x%20y", r.getUrl());
        assertArrayEquals(new byte[0], r.getBody());
    }

    @Test
    void createMultipartUploadReturnsTheUploadId() {
        server.stubFor(post(urlEqualTo("/bucket/k?uploads=")).willReturn(ok("<?xml version=\"1.0\"?>"
                + "<InitiateMultipartUploadResult><Bucket>bucket</Bucket><Key>k</Key>"
                + "<UploadId>VXBsb2FkIElE/+x=</UploadId></InitiateMultipartUploadResult>")));
        assertEquals("VXBsb2FkIElE/+x=", WireMockS3.client(server.getPort()).createMultipartUpload("k"));
    }
}
