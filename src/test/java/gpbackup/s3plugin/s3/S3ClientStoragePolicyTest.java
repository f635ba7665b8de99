package gpbackup.s3plugin.s3;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.head;
import static com.github.tomakehurst.wiremock.client.WireMock.ok;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import gpbackup.s3plugin.leaks.TestSecrets;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The headers of each storage option on each request type, exactly (spec/s3.md, "Storage
 * policy"), and the one line a refusing server gets.
 */
class S3ClientStoragePolicyTest {
    private static final String KEY = "folder/k";
    private static final String PATH = "/bucket/folder/k";
    private static final byte[] DATA = "some table data".getBytes(StandardCharsets.UTF_8);
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-03-01T10:20:30.456Z"), ZoneOffset.UTC);
    private static final byte[] SSE_C_KEY = TestSecrets.sseCustomerKey();
    private static final String SSE_C_KEY_BASE64 = Base64.getEncoder().encodeToString(SSE_C_KEY);

    @RegisterExtension
    final WireMockExtension server = WireMockExtension.newInstance().options(WireMockS3.serverOptions()).build();

    private static StoragePolicy policy(Optional<String> sse, Optional<String> kmsKeyId, Optional<String> context,
                                        Optional<Boolean> bucketKey, Optional<SseCustomerKey> customerKey,
                                        Optional<String> storageClass, Optional<StoragePolicy.ObjectLock> lock) {
        return new StoragePolicy(sse, kmsKeyId, context, bucketKey, customerKey, storageClass, lock);
    }

    private static final StoragePolicy KMS = policy(Optional.of("aws:kms"),
            Optional.of("arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"),
            Optional.of(StoragePolicy.contextJson(new LinkedHashMap<>(Map.of("project", "dw")))),
            Optional.of(true), Optional.empty(), Optional.of("STANDARD_IA"), Optional.empty());
    private static final StoragePolicy SSE_C = policy(Optional.empty(), Optional.empty(), Optional.empty(),
            Optional.empty(), Optional.of(SseCustomerKey.of(SSE_C_KEY)), Optional.empty(), Optional.empty());
    private static final StoragePolicy LOCKED = policy(Optional.of("AES256"), Optional.empty(), Optional.empty(),
            Optional.empty(), Optional.empty(), Optional.of("GLACIER_IR"),
            Optional.of(new StoragePolicy.ObjectLock("COMPLIANCE", 30)));

    private S3Client client(StoragePolicy policy) {
        return WireMockS3.client(server.getPort(), policy, CLOCK);
    }

    private void stubEveryObjectRequest() {
        server.stubFor(put(urlEqualTo(PATH)).willReturn(ok().withHeader("ETag", "\"e\"")));
        server.stubFor(post(urlEqualTo(PATH + "?uploads=")).willReturn(ok("<InitiateMultipartUploadResult>"
                + "<UploadId>u1</UploadId></InitiateMultipartUploadResult>")));
        server.stubFor(put(urlEqualTo(PATH + "?partNumber=1&uploadId=u1")).willReturn(ok().withHeader("ETag", "\"p1\"")));
        server.stubFor(post(urlEqualTo(PATH + "?uploadId=u1")).willReturn(ok("<CompleteMultipartUploadResult>"
                + "</CompleteMultipartUploadResult>")));
        server.stubFor(head(urlEqualTo(PATH)).willReturn(ok().withHeader("Content-Length", String.valueOf(DATA.length))
                .withHeader("ETag", "\"e\"")));
        server.stubFor(head(urlEqualTo(PATH + "?partNumber=1")).willReturn(ok()
                .withHeader("Content-Length", String.valueOf(DATA.length)).withHeader("x-amz-mp-parts-count", "1")));
        server.stubFor(get(urlEqualTo(PATH)).willReturn(aResponse().withStatus(206).withBody(DATA)
                .withHeader("Content-Range", "bytes 0-" + (DATA.length - 1) + "/" + DATA.length)
                .withHeader("ETag", "\"e\"")));
    }

    /** Every request type once: PUT, CreateMultipartUpload, UploadPart, Complete, HEAD, ranged GET, first-bytes GET. */
    private Map<String, LoggedRequest> sendEveryRequestType(StoragePolicy policy) {
        stubEveryObjectRequest();
        S3Client s3 = client(policy);
        s3.putObject(KEY, Payload.of(DATA), Map.of());
        String uploadId = s3.createMultipartUpload(KEY);
        s3.uploadPart(KEY, uploadId, 1, Payload.of(DATA), new Cancellation());
        s3.completeMultipartUpload(KEY, uploadId, List.of("\"p1\""));
        s3.headObject(KEY);
        s3.headPart(KEY, 1);
        s3.getRange(KEY, 0, DATA.length, Optional.of("\"e\""), new CollectingSink(), new Cancellation());
        s3.getFirstBytes(KEY, 1024, new CollectingSink(), new Cancellation());
        List<LoggedRequest> requests = server.getAllServeEvents().stream().map(e -> e.getRequest()).toList();
        Map<String, LoggedRequest> byType = new LinkedHashMap<>();
        for (LoggedRequest request : requests) {
            String type = switch (request.getMethod().getName() + " " + request.getUrl()) {
                case "PUT " + PATH -> "PutObject";
                case "POST " + PATH + "?uploads=" -> "CreateMultipartUpload";
                case "PUT " + PATH + "?partNumber=1&uploadId=u1" -> "UploadPart";
                case "POST " + PATH + "?uploadId=u1" -> "CompleteMultipartUpload";
                case "HEAD " + PATH -> "HeadObject";
                case "HEAD " + PATH + "?partNumber=1" -> "HeadPart";
                default -> request.containsHeader("If-Match") ? "GetRange" : "GetFirstBytes";
            };
            byType.put(type, request);
        }
        assertEquals(8, byType.size(), byType.keySet().toString());
        return byType;
    }

    /** The request's x-amz-server-side-encryption*, storage-class, object-lock and content-md5 headers. */
    private static Map<String, String> policyHeaders(LoggedRequest request) {
        return request.getHeaders().all().stream()
                .filter(h -> h.key().toLowerCase().startsWith("x-amz-server-side-encryption")
                        || h.key().equalsIgnoreCase("x-amz-storage-class")
                        || h.key().toLowerCase().startsWith("x-amz-object-lock")
                        || h.key().equalsIgnoreCase("content-md5"))
                .collect(Collectors.toMap(h -> h.key().toLowerCase(), h -> h.firstValue(), (a, b) -> a, TreeMap::new));
    }

    private static void assertSigned(LoggedRequest request, Map<String, String> headers) {
        String authorization = request.getHeader("Authorization");
        for (String name : headers.keySet()) {
            assertTrue(authorization.matches(".*SignedHeaders=[^,]*\\b" + name.replace("-", "\\-") + "\\b.*"),
                    name + " is not signed: " + authorization);
        }
    }

    @Test
    void kmsHeadersGoOnPutAndCreateMultipartUploadOnly() {
        Map<String, String> creation = new TreeMap<>(Map.of(
                "x-amz-server-side-encryption", "aws:kms",
                "x-amz-server-side-encryption-aws-kms-key-id",
                "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
                "x-amz-server-side-encryption-context",
                Base64.getEncoder().encodeToString("{\"project\":\"dw\"}".getBytes(StandardCharsets.UTF_8)),
                "x-amz-server-side-encryption-bucket-key-enabled", "true",
                "x-amz-storage-class", "STANDARD_IA"));
        Map<String, LoggedRequest> requests = sendEveryRequestType(KMS);
        assertEquals(creation, policyHeaders(requests.get("PutObject")));
        assertEquals(creation, policyHeaders(requests.get("CreateMultipartUpload")));
        assertSigned(requests.get("PutObject"), creation);
        for (String type : List.of("UploadPart", "CompleteMultipartUpload", "HeadObject", "GetRange", "GetFirstBytes")) {
            assertEquals(Map.of(), policyHeaders(requests.get(type)), type);
        }
    }

    @Test
    void sseCustomerKeyHeadersGoOnEveryRequestThatTouchesTheObjectsData() throws Exception {
        String md5 = Base64.getEncoder().encodeToString(MessageDigest.getInstance("MD5").digest(SSE_C_KEY));
        Map<String, String> sseC = new TreeMap<>(Map.of(
                "x-amz-server-side-encryption-customer-algorithm", "AES256",
                "x-amz-server-side-encryption-customer-key", SSE_C_KEY_BASE64,
                "x-amz-server-side-encryption-customer-key-md5", md5));
        Map<String, LoggedRequest> requests = sendEveryRequestType(SSE_C);
        for (String type : List.of("PutObject", "CreateMultipartUpload", "UploadPart", "HeadObject", "HeadPart",
                "GetRange", "GetFirstBytes")) {
            assertEquals(sseC, policyHeaders(requests.get(type)), type);
            assertSigned(requests.get(type), sseC);
        }
        assertEquals(Map.of(), policyHeaders(requests.get("CompleteMultipartUpload")));
    }

    @Test
    void objectLockHeadersCarryTheRetainUntilDateAndAContentMd5OfEachBody() throws Exception {
        String bodyMd5 = Base64.getEncoder().encodeToString(MessageDigest.getInstance("MD5").digest(DATA));
        Map<String, String> creation = new TreeMap<>(Map.of(
                "x-amz-server-side-encryption", "AES256",
                "x-amz-storage-class", "GLACIER_IR",
                "x-amz-object-lock-mode", "COMPLIANCE",
                "x-amz-object-lock-retain-until-date", "2026-03-31T10:20:30Z"));
        Map<String, LoggedRequest> requests = sendEveryRequestType(LOCKED);
        Map<String, String> put = new TreeMap<>(creation);
        put.put("content-md5", bodyMd5);
        assertEquals(put, policyHeaders(requests.get("PutObject")));
        assertSigned(requests.get("PutObject"), put);
        assertEquals(creation, policyHeaders(requests.get("CreateMultipartUpload")));
        assertEquals(Map.of("content-md5", bodyMd5), policyHeaders(requests.get("UploadPart")));
        for (String type : List.of("CompleteMultipartUpload", "HeadObject", "HeadPart", "GetRange", "GetFirstBytes")) {
            assertEquals(Map.of(), policyHeaders(requests.get(type)), type);
        }
    }

    @Test
    void noPolicySendsNoneOfTheseHeaders() {
        Map<String, LoggedRequest> requests = sendEveryRequestType(StoragePolicy.NONE);
        requests.forEach((type, request) -> assertEquals(Map.of(), policyHeaders(request), type));
    }

    @Test
    void etagsAreMd5sOnlyWithoutKmsAndSseC() {
        assertFalse(KMS.etagsAreMd5());
        assertFalse(SSE_C.etagsAreMd5());
        assertTrue(LOCKED.etagsAreMd5());
        assertTrue(StoragePolicy.NONE.etagsAreMd5());
    }

    private static ResponseDefinitionBuilder s3Error(int status, String code, String message) {
        return aResponse().withStatus(status).withBody("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>"
                + code + "</Code><Message>" + message + "</Message></Error>");
    }

    private String putFails(StoragePolicy policy, ResponseDefinitionBuilder answer) {
        server.stubFor(put(urlEqualTo(PATH)).willReturn(answer));
        S3Exception e = assertThrows(S3Exception.class,
                () -> client(policy).putObject(KEY, Payload.of(DATA), Map.of()));
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        return e.getMessage();
    }

    @Test
    void aServerWithoutTheFeatureGetsALineNamingTheOptions() {
        assertEquals("upload s3://bucket/folder/k failed: http://127.0.0.1:" + server.getPort() + " refused"
                        + " server_side_encryption, sse_kms_key_id, sse_kms_encryption_context, sse_bucket_key,"
                        + " storage_class (HTTP 501 NotImplemented: A header you provided implies functionality that"
                        + " is not implemented); check those options, or remove them for a server without that feature",
                putFails(KMS, s3Error(501, "NotImplemented",
                        "A header you provided implies functionality that is not implemented")));
    }

    @Test
    void aKmsKeyTheCredentialsMayNotUseIsNamed() {
        String message = putFails(KMS, s3Error(403, "AccessDenied",
                "User: arn:aws:iam::111122223333:user/gp is not authorized to perform: kms:GenerateDataKey"));
        assertTrue(message.contains("refused server_side_encryption, sse_kms_key_id"), message);
        assertTrue(message.contains("kms:GenerateDataKey"), message);
    }

    @Test
    void aBucketWithoutObjectLockRefusingALockedPutNamesTheLockOptions() {
        String message = putFails(LOCKED, s3Error(400, "InvalidRequest", "Bucket is missing Object Lock Configuration"));
        assertTrue(message.contains("object_lock_mode/object_lock_retain_days"), message);
        assertTrue(message.contains("Bucket is missing Object Lock Configuration"), message);
    }

    @Test
    void aBucketWithDefaultRetentionWantingContentMd5NamesTheLockOptions() {
        String message = putFails(StoragePolicy.NONE, s3Error(400, "InvalidRequest",
                "Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object requests with Object Lock parameters"));
        assertTrue(message.endsWith("; the bucket has a default Object Lock retention: set object_lock_mode and"
                + " object_lock_retain_days, and the plugin sends Content-MD5"), message);
    }

    @Test
    void aWrongSseCustomerKeyOnHeadIsNamed() {
        server.stubFor(head(urlEqualTo(PATH)).willReturn(aResponse().withStatus(403)));
        S3Exception e = assertThrows(S3Exception.class, () -> client(SSE_C).headObject(KEY));
        assertTrue(e.getMessage().contains("refused sse_customer_key_file/sse_customer_key_env (SSE-C) (HTTP 403"),
                e.getMessage());
    }

    @Test
    void aServerEchoingTheSseCustomerKeyHasItCutFromTheMessage() {
        String message = putFails(SSE_C, s3Error(400, "InvalidArgument",
                "The secret key was invalid for the specified algorithm: " + SSE_C_KEY_BASE64));
        assertFalse(message.contains(SSE_C_KEY_BASE64), message);
        assertTrue(message.contains("algorithm: ****"), message);
    }

    @Test
    void otherFailuresOfARequestWithPolicyHeadersKeepTheirOwnMessage() {
        String message = putFails(KMS, s3Error(404, "NoSuchBucket", "The specified bucket does not exist"));
        assertEquals("bucket 'bucket' does not exist at http://127.0.0.1:" + server.getPort(), message);
    }

    @Test
    void anArchivedObjectSaysToRestoreItFirst() {
        server.stubFor(get(urlEqualTo(PATH)).willReturn(s3Error(403, "InvalidObjectState",
                "The operation is not valid for the object's storage class")));
        S3Exception e = assertThrows(S3Exception.class, () -> client(StoragePolicy.NONE)
                .getRange(KEY, 0, 10, Optional.empty(), new CollectingSink(), new Cancellation()));
        assertEquals("object s3://bucket/folder/k is archived (InvalidObjectState): restore it with RestoreObject"
                + " first (aws s3api restore-object --bucket bucket --key folder/k --restore-request Days=N), wait"
                + " until it is readable, then retry", e.getMessage());
    }

    @Test
    void objectLockConfigurationTellsWhetherTheBucketCanLock() {
        server.stubFor(get(urlEqualTo("/bucket?object-lock=")).willReturn(ok("<ObjectLockConfiguration>"
                + "<ObjectLockEnabled>Enabled</ObjectLockEnabled></ObjectLockConfiguration>")));
        assertTrue(client(StoragePolicy.NONE).objectLockEnabled());
        server.stubFor(get(urlEqualTo("/bucket?object-lock=")).willReturn(s3Error(404,
                "ObjectLockConfigurationNotFoundError", "Object Lock configuration does not exist for this bucket")));
        assertFalse(client(StoragePolicy.NONE).objectLockEnabled());
        server.stubFor(get(urlEqualTo("/bucket?object-lock=")).willReturn(s3Error(501, "NotImplemented", "no")));
        assertThrows(S3Exception.class, () -> client(StoragePolicy.NONE).objectLockEnabled());
    }

    @Test
    void objectRetentionReadsTheLockHeadersOfHead() {
        server.stubFor(head(urlEqualTo(PATH)).willReturn(ok().withHeader("Content-Length", "3")
                .withHeader("x-amz-object-lock-mode", "GOVERNANCE")
                .withHeader("x-amz-object-lock-retain-until-date", "2027-01-02T03:04:05.000Z")
                .withHeader("x-amz-object-lock-legal-hold", "OFF")));
        ObjectRetention retention = client(StoragePolicy.NONE).objectRetention(KEY);
        assertEquals(new ObjectRetention(KEY, Optional.of("GOVERNANCE"),
                Optional.of(Instant.parse("2027-01-02T03:04:05Z")), false), retention);
        assertTrue(retention.lockedAt(Instant.parse("2027-01-02T03:04:04Z")));
        assertFalse(retention.lockedAt(Instant.parse("2027-01-02T03:04:05Z")));
        assertTrue(new ObjectRetention(KEY, Optional.empty(), Optional.empty(), true).lockedAt(Instant.EPOCH));
    }

    @Test
    void theCustomerKeyIsMaskedInEveryToString() {
        assertFalse(SSE_C.toString().contains(SSE_C_KEY_BASE64), SSE_C.toString());
        assertFalse(SSE_C.customerKey().get().toString().contains(SSE_C_KEY_BASE64));
        assertFalse(SSE_C.toString().contains(SSE_C.customerKey().get().keyMd5Base64()), SSE_C.toString());
    }
}
