package gpbackup.s3plugin.transfer;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.delete;
import static com.github.tomakehurst.wiremock.client.WireMock.deleteRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.ok;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.head;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.putRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import gpbackup.s3plugin.PluginException;
import gpbackup.s3plugin.s3.S3Exception;
import gpbackup.s3plugin.s3.WireMockS3;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.stream.IntStream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** A stream of unknown length becomes one PUT or a multipart upload, and a failure never completes an upload. */
class StreamUploaderTest {
    private static final int PART = 1024;
    private static final String KEY_PATH = "/bucket/folder/data";
    private static final String UPLOAD_ID = "upload/1+x";
    private static final String UPLOAD_ID_QUERY = "uploadId=upload%2F1%2Bx";

    @RegisterExtension
    final WireMockExtension server = WireMockExtension.newInstance().options(WireMockS3.serverOptions()).build();

    /** By default S3 accepts every request of one upload; a test overrides the stubs it needs to fail. */
    @BeforeEach
    void stubAnS3ThatAcceptsTheUpload() {
        server.stubFor(put(urlEqualTo(KEY_PATH)).willReturn(ok().withHeader("ETag", "\"single\"")));
        server.stubFor(post(urlEqualTo(KEY_PATH + "?uploads=")).willReturn(ok(
                "<InitiateMultipartUploadResult><Bucket>bucket</Bucket><Key>folder/data</Key><UploadId>"
                        + UPLOAD_ID + "</UploadId></InitiateMultipartUploadResult>")));
        for (int n = 1; n <= 5; n++) {
            stubPart(n, ok().withHeader("ETag", "\"etag-" + n + "\""));
        }
        server.stubFor(post(urlEqualTo(KEY_PATH + "?" + UPLOAD_ID_QUERY)).willReturn(ok(
                "<CompleteMultipartUploadResult><Key>folder/data</Key><ETag>\"x-2\"</ETag></CompleteMultipartUploadResult>")));
        server.stubFor(delete(urlEqualTo(KEY_PATH + "?" + UPLOAD_ID_QUERY)).willReturn(aResponse().withStatus(204)));
    }

    private void stubPart(int number, ResponseDefinitionBuilder answer) {
        server.stubFor(put(urlPathEqualTo(KEY_PATH)).withQueryParam("partNumber", equalTo(String.valueOf(number)))
                .withQueryParam("uploadId", equalTo(UPLOAD_ID)).willReturn(answer));
    }

    /** What HEAD says after the upload: the object is there with this many bytes. */
    private void stubStored(long size) {
        server.stubFor(head(urlEqualTo(KEY_PATH)).willReturn(ok().withHeader("Content-Length", String.valueOf(size))
                .withHeader("ETag", "\"stored\"")));
    }

    private StreamUploader uploader(int concurrency) {
        return Engines.uploader(WireMockS3.client(server.getPort(), 0), PART, concurrency,
                WireMockS3.quietLog());
    }

    private byte[] data(int n) {
        byte[] bytes = new byte[n];
        new Random(n).nextBytes(bytes);
        return bytes;
    }

    private List<LoggedRequest> singlePuts() {
        return server.findAll(putRequestedFor(urlEqualTo(KEY_PATH)));
    }

    private List<LoggedRequest> parts() {
        return server.findAll(putRequestedFor(urlPathEqualTo(KEY_PATH)).withQueryParam("partNumber", matching("\\d+"))).stream()
                .sorted(Comparator.comparingInt(r -> Integer.parseInt(r.queryParameter("partNumber").firstValue())))
                .toList();
    }

    private int creates() {
        return server.findAll(postRequestedFor(urlEqualTo(KEY_PATH + "?uploads="))).size();
    }

    private List<LoggedRequest> completes() {
        return server.findAll(postRequestedFor(urlEqualTo(KEY_PATH + "?" + UPLOAD_ID_QUERY)));
    }

    private int aborts() {
        return server.findAll(deleteRequestedFor(urlEqualTo(KEY_PATH + "?" + UPLOAD_ID_QUERY))).size();
    }

    /** The (part number, ETag) pairs of a CompleteMultipartUpload body, in document order. */
    private List<String> completedParts(LoggedRequest complete) throws Exception {
        Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(complete.getBody()));
        assertEquals("CompleteMultipartUpload", doc.getDocumentElement().getNodeName());
        NodeList partElements = doc.getElementsByTagName("Part");
        return IntStream.range(0, partElements.getLength()).mapToObj(i -> (Element) partElements.item(i))
                .map(p -> p.getElementsByTagName("PartNumber").item(0).getTextContent() + " "
                        + p.getElementsByTagName("ETag").item(0).getTextContent())
                .toList();
    }

    @Test
    void streamSmallerThanAPartIsOneSinglePut() throws IOException {
        byte[] data = data(PART - 1);
        stubStored(PART - 1);
        assertEquals(PART - 1, uploader(2).uploadRecorded("folder/data", new ByteArrayInputStream(data)).size());
        assertEquals(1, singlePuts().size());
        assertArrayEquals(data, singlePuts().get(0).getBody());
        assertEquals(2, server.findAll(anyRequestedFor(anyUrl())).size(), "no multipart calls, one HEAD");
    }

    @Test
    void streamOfExactlyOnePartIsOneSinglePut() throws IOException {
        byte[] data = data(PART);
        stubStored(PART);
        assertEquals(PART, uploader(2).uploadRecorded("folder/data", new ByteArrayInputStream(data)).size());
        assertArrayEquals(data, singlePuts().get(0).getBody());
        assertEquals(2, server.findAll(anyRequestedFor(anyUrl())).size(), "no multipart calls, one HEAD");
    }

    @Test
    void emptyStreamIsAPutOfZeroBytes() throws IOException {
        stubStored(0);
        assertEquals(0, uploader(2).uploadRecorded("folder/data", InputStream.nullInputStream()).size());
        assertEquals(1, singlePuts().size());
        assertEquals(0, singlePuts().get(0).getBody().length);
        assertEquals("0", singlePuts().get(0).getHeader("Content-Length"));
        assertEquals(2, server.findAll(anyRequestedFor(anyUrl())).size());
    }

    @Test
    void aSinglePutCarriesItsSha256AsSignedMetadataAndNeedsNoRecord() throws IOException {
        byte[] data = data(PART - 1);
        stubStored(PART - 1);
        StreamUploader.Upload upload = uploader(2).uploadRecorded("folder/data", new ByteArrayInputStream(data));
        assertFalse(upload.needsRecord());
        LoggedRequest put = singlePuts().get(0);
        String sha256 = put.getHeader("x-amz-content-sha256");
        assertEquals(sha256, put.getHeader("x-amz-meta-s3plugin-sha256"));
        assertEquals(List.of(new PartDigest(PART - 1, sha256)), upload.digests().parts());
        assertTrue(put.getHeader("Authorization").contains("x-amz-meta-s3plugin-sha256"), "the metadata is signed");
        assertEquals(2, server.findAll(anyRequestedFor(anyUrl())).size(), "one PUT, one HEAD, nothing more");
    }

    @Test
    void aMultipartUploadCarriesNoMetadataAndNeedsARecord() throws IOException {
        stubStored(2 * PART);
        StreamUploader.Upload upload = uploader(2).uploadRecorded("folder/data", new ByteArrayInputStream(data(2 * PART)));
        assertTrue(upload.needsRecord());
        assertEquals(2, upload.digests().parts().size());
        assertTrue(server.findAll(anyRequestedFor(anyUrl())).stream()
                .noneMatch(r -> r.containsHeader("x-amz-meta-s3plugin-sha256")));
    }

    @Test
    void streamOfExactlyTwoPartsIsAMultipartUploadOfTwoParts() throws Exception {
        byte[] data = data(2 * PART);
        stubStored(2 * PART);
        assertEquals(2 * PART, uploader(2).uploadRecorded("folder/data", new ByteArrayInputStream(data)).size());

        assertEquals(1, creates());
        assertEquals(0, singlePuts().size());
        List<LoggedRequest> parts = parts();
        assertEquals(2, parts.size());
        assertArrayEquals(Arrays.copyOfRange(data, 0, PART), parts.get(0).getBody());
        assertArrayEquals(Arrays.copyOfRange(data, PART, 2 * PART), parts.get(1).getBody());
        assertEquals(1, completes().size());
        assertEquals(List.of("1 \"etag-1\"", "2 \"etag-2\""), completedParts(completes().get(0)));
        assertEquals(0, aborts());
    }

    @Test
    void partsAreSentWholeAndListedWithTheirEtagsInPartNumberOrder() throws Exception {
        byte[] data = data(3 * PART + 17);
        stubStored(data.length);
        assertEquals(data.length, uploader(4).uploadRecorded("folder/data", new ByteArrayInputStream(data)).size());

        List<LoggedRequest> parts = parts();
        assertEquals(4, parts.size());
        for (int i = 0; i < 4; i++) {
            assertArrayEquals(Arrays.copyOfRange(data, i * PART, Math.min(data.length, (i + 1) * PART)),
                    parts.get(i).getBody(), "part " + (i + 1));
        }
        assertEquals(List.of("1 \"etag-1\"", "2 \"etag-2\"", "3 \"etag-3\"", "4 \"etag-4\""),
                completedParts(completes().get(0)));
    }

    /** Parts answered with real MD5 ETags, and CompleteMultipartUpload answered NoSuchUpload. */
    private List<String> stubLostCompletion(byte[] data) throws Exception {
        List<String> etags = new java.util.ArrayList<>();
        for (int i = 0; i * PART < data.length; i++) {
            byte[] part = Arrays.copyOfRange(data, i * PART, Math.min(data.length, (i + 1) * PART));
            String etag = "\"" + java.util.HexFormat.of().formatHex(
                    java.security.MessageDigest.getInstance("MD5").digest(part)) + "\"";
            stubPart(i + 1, ok().withHeader("ETag", etag));
            etags.add(etag);
        }
        server.stubFor(post(urlPathEqualTo(KEY_PATH)).withQueryParam("uploadId", equalTo(UPLOAD_ID))
                .willReturn(aResponse().withStatus(404).withBody(
                        "<Error><Code>NoSuchUpload</Code><Message>The specified upload does not exist.</Message></Error>")));
        return etags;
    }

    @Test
    void aCompletionWhoseAnswerWasLostIsRecognisedByTheObjectsEtag() throws Exception {
        byte[] data = data(2 * PART + 5);
        List<String> etags = stubLostCompletion(data);
        server.stubFor(head(urlEqualTo(KEY_PATH)).willReturn(ok().withHeader("Content-Length", String.valueOf(data.length))
                .withHeader("ETag", MultipartEtag.of(etags).orElseThrow())));
        assertEquals(data.length, uploader(2).uploadRecorded("folder/data", new ByteArrayInputStream(data)).size());
        assertEquals(0, aborts());
    }

    @Test
    void underSseKmsALostCompletionIsNotTakenForOursEvenWhenTheEtagsWouldMatch() throws Exception {
        // Under SSE-KMS the ETags are not MD5s: even an object whose ETag happens to be the
        // multipart ETag of our parts' ETags proves nothing, so the upload fails and is aborted.
        byte[] data = data(2 * PART + 5);
        List<String> etags = stubLostCompletion(data);
        server.stubFor(head(urlEqualTo(KEY_PATH)).willReturn(ok().withHeader("Content-Length", String.valueOf(data.length))
                .withHeader("ETag", MultipartEtag.of(etags).orElseThrow())));
        gpbackup.s3plugin.s3.StoragePolicy kms = new gpbackup.s3plugin.s3.StoragePolicy(Optional.of("aws:kms"),
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty());
        StreamUploader uploader = Engines.uploader(WireMockS3.client(server.getPort(), kms, java.time.Clock.systemUTC()),
                PART, 2, WireMockS3.quietLog());
        S3Exception e = assertThrows(S3Exception.class,
                () -> uploader.uploadRecorded("folder/data", new ByteArrayInputStream(data)).size());
        assertEquals("NoSuchUpload", e.code().orElseThrow());
        assertEquals(1, aborts());
    }

    @Test
    void aNoSuchUploadWithSomeoneElsesObjectAtTheKeyStillFails() throws Exception {
        byte[] data = data(2 * PART + 5);
        stubLostCompletion(data);
        server.stubFor(head(urlEqualTo(KEY_PATH)).willReturn(ok().withHeader("Content-Length", String.valueOf(data.length))
                .withHeader("ETag", "\"0123456789abcdef0123456789abcdef-3\"")));
        S3Exception e = assertThrows(S3Exception.class,
                () -> uploader(2).uploadRecorded("folder/data", new ByteArrayInputStream(data)).size());
        assertEquals("NoSuchUpload", e.code().orElseThrow());
        assertEquals(1, aborts());
    }

    @Test
    void anUploadTheServerAcknowledgesButDoesNotKeepFails() {
        // HEAD after the upload answers 404 (no stub): the server lost what it acknowledged.
        PluginException e = assertThrows(PluginException.class,
                () -> uploader(2).uploadRecorded("folder/data", new ByteArrayInputStream(data(2 * PART))).size());
        assertTrue(e.getMessage().contains("acknowledged the upload of s3://bucket/folder/data but does not have"),
                e.getMessage());
    }

    @Test
    void anUploadStoredWithTheWrongSizeFails() {
        stubStored(PART);
        PluginException e = assertThrows(PluginException.class,
                () -> uploader(2).uploadRecorded("folder/data", new ByteArrayInputStream(data(PART - 1))).size());
        assertTrue(e.getMessage().contains("holds " + PART + " bytes"), e.getMessage());
    }

    @Test
    void aStreamNeedingMorePartsThanS3AllowsFailsAndIsAborted() {
        StreamUploader twoPartsAtMost = Engines.uploader(new S3Storage(WireMockS3.client(server.getPort(), 0)),
                PART, 2, WireMockS3.quietLog(), 2);
        PluginException e = assertThrows(PluginException.class,
                () -> twoPartsAtMost.uploadRecorded("folder/data", new ByteArrayInputStream(data(2 * PART + 1))));
        assertTrue(e.getMessage().contains("would need more than 2 parts"), e.getMessage());
        assertEquals(1, aborts());
        assertEquals(0, completes().size());
    }

    @Test
    void aStreamOfExactlyTheMostPartsCompletes() throws IOException {
        StreamUploader twoPartsAtMost = Engines.uploader(new S3Storage(WireMockS3.client(server.getPort(), 0)),
                PART, 2, WireMockS3.quietLog(), 2);
        stubStored(2 * PART);
        assertEquals(2 * PART,
                twoPartsAtMost.uploadRecorded("folder/data", new ByteArrayInputStream(data(2 * PART))).size());
        assertEquals(1, completes().size());
    }

    @Test
    void failingPartAbortsTheUploadAndNeverCompletesIt() {
        stubPart(2, aResponse().withStatus(400).withBody(
                "<Error><Code>InvalidArgument</Code><Message>Part number must be an integer</Message></Error>"));
        S3Exception e = assertThrows(S3Exception.class,
                () -> uploader(2).uploadRecorded("folder/data", new ByteArrayInputStream(data(4 * PART))).size());
        assertEquals(400, e.status());
        assertTrue(e.getMessage().contains("upload part 2 of s3://bucket/folder/data"), e.getMessage());
        assertEquals(1, aborts());
        assertEquals(0, completes().size());
    }

    @Test
    void failingLastPartAbortsTheUpload() {
        stubPart(3, aResponse().withStatus(403).withBody("<Error><Code>AccessDenied</Code></Error>"));
        assertThrows(S3Exception.class,
                () -> uploader(1).uploadRecorded("folder/data", new ByteArrayInputStream(data(3 * PART))).size());
        assertEquals(1, aborts());
        assertEquals(0, completes().size());
    }

    @Test
    void streamFailingMidwayAbortsTheUploadAndRethrowsTheReadError() {
        IOException broken = new IOException("pipe from gpbackup_helper broke");
        InputStream failing = new InputStream() {
            @Override
            public int read() throws IOException {
                throw broken;
            }
        };
        InputStream in = new SequenceInputStream(new ByteArrayInputStream(data(2 * PART + 100)), failing);
        IOException e = assertThrows(IOException.class, () -> uploader(2).uploadRecorded("folder/data", in).size());
        assertSame(broken, e);
        assertEquals(1, creates());
        assertEquals(1, aborts());
        assertEquals(0, completes().size());
    }

    @Test
    void failingCompleteAbortsTheUpload() {
        server.stubFor(post(urlEqualTo(KEY_PATH + "?" + UPLOAD_ID_QUERY)).willReturn(ok(
                "<Error><Code>InvalidPart</Code><Message>One or more of the specified parts could not be found.</Message></Error>")));
        S3Exception e = assertThrows(S3Exception.class,
                () -> uploader(2).uploadRecorded("folder/data", new ByteArrayInputStream(data(2 * PART))).size());
        assertTrue(e.getMessage().contains("InvalidPart"), e.getMessage());
        assertEquals(1, aborts());
    }

    @Test
    void failureToAbortDoesNotHideTheOriginalFailure() {
        stubPart(1, aResponse().withStatus(400).withBody("<Error><Code>EntityTooSmall</Code></Error>"));
        server.stubFor(delete(urlEqualTo(KEY_PATH + "?" + UPLOAD_ID_QUERY)).willReturn(aResponse().withStatus(403)));
        S3Exception e = assertThrows(S3Exception.class,
                () -> uploader(2).uploadRecorded("folder/data", new ByteArrayInputStream(data(2 * PART))).size());
        assertEquals(Optional.of("EntityTooSmall"), e.code());
        assertEquals(1, aborts());
    }

    @Test
    void failingCreateLeavesNothingToAbort() {
        server.stubFor(post(urlEqualTo(KEY_PATH + "?uploads=")).willReturn(aResponse().withStatus(403)
                .withBody("<Error><Code>AccessDenied</Code></Error>")));
        assertThrows(S3Exception.class,
                () -> uploader(2).uploadRecorded("folder/data", new ByteArrayInputStream(data(2 * PART))).size());
        assertEquals(0, aborts());
        assertEquals(0, parts().size());
    }

    @ParameterizedTest(name = "{0} bytes")
    @ValueSource(ints = {1, PART + 1, 3 * PART - 1})
    void streamsAtThePartEdgesArriveWhole(int size) throws Exception {
        byte[] data = data(size);
        stubStored(size);
        assertEquals(size, uploader(2).uploadRecorded("folder/data", new ByteArrayInputStream(data)).size());
        java.io.ByteArrayOutputStream stored = new java.io.ByteArrayOutputStream();
        if (size <= PART) {
            stored.writeBytes(singlePuts().get(0).getBody());
        } else {
            parts().forEach(p -> stored.writeBytes(p.getBody()));
            assertEquals((size + PART - 1) / PART, parts().size());
        }
        assertArrayEquals(data, stored.toByteArray());
    }

    @Test
    void manyPartsGoThroughAPoolOfThreeBlocksAndNoMoreBuffersAreEverAllocated() throws Exception {
        server.stubFor(put(urlPathEqualTo(KEY_PATH)).withQueryParam("uploadId", equalTo(UPLOAD_ID))
                .atPriority(10).willReturn(ok().withHeader("ETag", "\"etag-n\"").withFixedDelay(5)));
        byte[] data = data(30 * PART + 3);
        stubStored(data.length);
        CountedPool counted = new CountedPool(3L * BufferPool.BLOCK_SIZE);
        // Eight parts allowed in flight, but the pool holds three: memory, not the setting, bounds the parts held.
        StreamUploader uploader = new StreamUploader(new S3Storage(WireMockS3.client(server.getPort(), 0)),
                Engines.fixedParts(PART), 8, counted.pool(), WireMockS3.quietLog());
        assertEquals(data.length, uploader.uploadRecorded("folder/data", new ByteArrayInputStream(data)).size());
        assertEquals(31, parts().size());
        assertTrue(counted.blocksAllocated() <= 3, "live part buffers: " + counted.blocksAllocated());
        for (int i = 0; i < 31; i++) {
            assertArrayEquals(Arrays.copyOfRange(data, i * PART, Math.min(data.length, (i + 1) * PART)),
                    parts().get(i).getBody(), "part " + (i + 1));
        }
        // Every ticket was handed back: the whole pool can be reserved again.
        assertTrue(counted.pool().tryReserve(3L * BufferPool.BLOCK_SIZE).isPresent());
    }

    @Test
    void partsGrowAsThePlanSays() throws Exception {
        server.stubFor(put(urlPathEqualTo(KEY_PATH)).withQueryParam("uploadId", equalTo(UPLOAD_ID))
                .atPriority(10).willReturn(ok().withHeader("ETag", "\"etag-n\"")));
        PartPlan growing = new PartPlan(PART, 4 * PART, 2);
        byte[] data = data(2 * PART + 2 * 2 * PART + 4 * PART + 10);
        stubStored(data.length);
        new StreamUploader(new S3Storage(WireMockS3.client(server.getPort(), 0)), growing, 2, new BufferPool(8L << 20),
                WireMockS3.quietLog()).uploadRecorded("folder/data", new ByteArrayInputStream(data)).size();
        assertEquals(List.of(PART, PART, 2 * PART, 2 * PART, 4 * PART, 10),
                parts().stream().map(p -> p.getBody().length).toList());
    }
}
