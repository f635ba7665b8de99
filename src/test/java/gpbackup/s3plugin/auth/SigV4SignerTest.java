package gpbackup.s3plugin.auth;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** S3-mode rules beyond the AWS vectors (README §6), and the signer's input checks. */
class SigV4SignerTest {

    private static final Instant NOW = Instant.parse("2024-02-29T23:59:59.987654321Z");
    private static final Credentials KEYS = Credentials.of("AKIDEXAMPLE", "secret+/key", null);
    private static final Credentials TEMPORARY = Credentials.of("AKIDEXAMPLE", "secret+/key", "token/+=");
    private static final SigV4Signer S3 = SigV4Signer.forS3("us-east-1");

    private static SignableRequest get(String path, String query) {
        return new SignableRequest("GET", "127.0.0.1:9000", path, query, List.of(), SignableRequest.EMPTY_PAYLOAD_SHA256);
    }

    private static String canonicalUri(SignedRequest signed) {
        return signed.canonicalRequest().split("\n")[1];
    }

    @Test
    void s3SignsTheWirePathAsSentWithoutNormalisingOrEncodingAgain() {
        for (String key : List.of("my-object//example//photo.user", "a b.txt", "dir/../x", "photos/2024/ü.jpg",
                "a+b=c&d", "test$file.text", "tilde~star*.txt", "percent%41.txt", "./x/.")) {
            String wirePath = "/bucket/" + SigV4Encoding.encodePath(key);
            assertEquals(wirePath, canonicalUri(S3.sign(get(wirePath, ""), KEYS, NOW)), key);
        }
    }

    @Test
    void s3EmptyPathSignsAsRoot() {
        assertEquals("/", canonicalUri(S3.sign(get("", ""), KEYS, NOW)));
    }

    @Test
    void s3RefusesAPathThatIsNotEncodedOnce() {
        assertThrows(IllegalArgumentException.class, () -> S3.sign(get("/bucket/a b", ""), KEYS, NOW));
        assertThrows(IllegalArgumentException.class, () -> S3.sign(get("/bucket/test$file", ""), KEYS, NOW));
        assertThrows(IllegalArgumentException.class, () -> S3.sign(get("/bucket/100%", ""), KEYS, NOW));
        assertThrows(IllegalArgumentException.class, () -> S3.sign(get("bucket/key", ""), KEYS, NOW));
    }

    @Test
    void s3RefusesAPlusInTheQueryBecauseServersDisagreeOnIt() {
        assertThrows(IllegalArgumentException.class, () -> S3.sign(get("/b", "prefix=a+b"), KEYS, NOW));
    }

    @Test
    void bareQueryKeySignsWithAnEmptyValue() {
        assertEquals("uploads=", S3.sign(get("/b/k", "uploads"), KEYS, NOW).canonicalRequest().split("\n")[2]);
    }

    @Test
    void s3AlwaysSignsContentSha256AndTheSessionToken() {
        SignedRequest signed = S3.sign(get("/b/k", ""), TEMPORARY, NOW);
        assertEquals(List.of("X-Amz-Date", "x-amz-content-sha256", "X-Amz-Security-Token", "Authorization"),
                signed.headersToAdd().stream().map(Map.Entry::getKey).toList());
        assertTrue(AddedHeaders.authorization(signed).contains("SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token,"));
        assertEquals(SignableRequest.EMPTY_PAYLOAD_SHA256, AddedHeaders.header(signed, "x-amz-content-sha256").orElseThrow());
    }

    @Test
    void dateIsUtcAndTruncatedToTheSecond() {
        SignedRequest signed = S3.sign(get("/b/k", ""), KEYS, NOW);
        assertEquals("20240229T235959Z", AddedHeaders.header(signed, "X-Amz-Date").orElseThrow());
        assertTrue(signed.stringToSign().contains("\n20240229/us-east-1/s3/aws4_request\n"));
    }

    @Test
    void signingIsAPureFunctionOfItsInputs() {
        assertEquals(S3.sign(get("/b/k", ""), KEYS, NOW).signature(), S3.sign(get("/b/k", ""), KEYS, NOW).signature());
        assertNotEquals(S3.sign(get("/b/k", ""), KEYS, NOW).signature(),
                S3.sign(get("/b/k", ""), KEYS, NOW.plusSeconds(1)).signature());
    }

    @Test
    void headersTheSignerOwnsAreRefused() {
        for (String name : List.of("Host", "x-amz-date", "X-Amz-Content-Sha256", "x-amz-security-token", "Authorization")) {
            SignableRequest request = new SignableRequest("GET", "h", "/b", "", List.of(Map.entry(name, "v")),
                    SignableRequest.EMPTY_PAYLOAD_SHA256);
            assertThrows(IllegalArgumentException.class, () -> S3.sign(request, KEYS, NOW), name);
        }
    }

    @Test
    void chunkChainGivesTheSameSignaturesAsSigningChunkByChunk() {
        SignedRequest signed = S3.sign(new SignableRequest("PUT", "h", "/b/k", "",
                List.of(Map.entry("Content-Encoding", "aws-chunked"), Map.entry("x-amz-decoded-content-length", "5")),
                SignableRequest.STREAMING_PAYLOAD), KEYS, NOW);
        byte[] data = "xhelloy".getBytes(StandardCharsets.US_ASCII);

        ChunkSigner.SignedChunk first = signed.chunkSigner().sign(List.of(ByteBuffer.wrap(data, 1, 5)));
        ChunkSigner.SignedChunk last = first.next().sign(List.of());
        ChunkSigner.Chain chain = signed.chunkSigner().restart();

        assertAll(
                () -> assertTrue(first.stringToSign().contains("\n" + signed.signature() + "\n"), "chained on the seed"),
                () -> assertEquals(first.signature(), chain.next(List.of(ByteBuffer.wrap(data, 1, 5)))),
                () -> assertEquals(last.signature(), chain.next(List.of())),
                () -> assertEquals(first.signature(), signed.chunkSigner().restart().next(List.of(ByteBuffer.wrap(data, 1, 5))),
                        "restart starts over"));
    }

    @Test
    void aChunkSpreadOverBuffersSignsAsOneAndLeavesTheirPositionsAlone() {
        ChunkSigner signer = S3.sign(get("/b/k", ""), KEYS, NOW).chunkSigner();
        byte[] data = "xhelloy".getBytes(StandardCharsets.US_ASCII);
        ByteBuffer he = ByteBuffer.wrap(data, 1, 2);
        ByteBuffer llo = ByteBuffer.wrap(data, 3, 3);

        assertEquals(signer.sign(List.of(ByteBuffer.wrap(data, 1, 5))).signature(), signer.sign(List.of(he, llo)).signature());
        assertEquals(1, he.position());
        assertEquals(3, llo.position());
    }

    @Test
    void theSuitesGenericUriRuleDecodesNormalisesAndEncodesOnce() {
        SigV4Signer normalizing = GenericCanonicalUri.signer("us-east-1", "service", true, false);
        SigV4Signer literal = GenericCanonicalUri.signer("us-east-1", "service", false, false);
        assertAll(
                () -> assertEquals("/a/c/", canonicalUri(normalizing.sign(get("/a/./b/../c/", ""), KEYS, NOW))),
                () -> assertEquals("/a/", canonicalUri(normalizing.sign(get("/a/b/..", ""), KEYS, NOW))),
                () -> assertEquals("/a%20b/c%2Fd", canonicalUri(normalizing.sign(get("/a%20b//c%2Fd", ""), KEYS, NOW))),
                () -> assertEquals("/a%20b//c%2Fd", canonicalUri(literal.sign(get("/a%20b//c%2Fd", ""), KEYS, NOW))),
                () -> assertFalse(canonicalUri(literal.sign(get("/a%20b", ""), KEYS, NOW)).contains("%25")));
    }

    @Test
    void theCachedSigningKeyFollowsTheDayAndTheSecret() {
        SigV4Signer reused = SigV4Signer.forS3("us-east-1");
        Instant beforeMidnight = Instant.parse("2024-01-01T23:59:59Z");
        Instant afterMidnight = Instant.parse("2024-01-02T00:00:01Z");
        Credentials rotated = Credentials.of(KEYS.accessKeyId(), "rotated-secret", null);
        SignableRequest request = get("/b/k", "");
        for (var when : List.of(beforeMidnight, afterMidnight)) {
            for (Credentials keys : List.of(KEYS, rotated, KEYS)) {
                assertEquals(SigV4Signer.forS3("us-east-1").sign(request, keys, when).signature(),
                        reused.sign(request, keys, when).signature(), when + " " + keys.accessKeyId());
            }
        }
    }
}
