package gpbackup.s3plugin.audit;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.head;
import static com.github.tomakehurst.wiremock.client.WireMock.ok;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import gpbackup.s3plugin.auth.Credentials;
import gpbackup.s3plugin.s3.BodySink;
import gpbackup.s3plugin.s3.Cancellation;
import gpbackup.s3plugin.s3.Payload;
import gpbackup.s3plugin.s3.S3Connection;
import gpbackup.s3plugin.s3.S3Client;
import gpbackup.s3plugin.s3.S3Exception;
import gpbackup.s3plugin.s3.WireMockS3;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** What the request engine tells the trail, as the file holds it: per request, retries counted, no secret. */
class AuditThroughEngineTest {
    private static final String TOKEN = "FQoGZXIvYXdzEXAMPLESESSIONTOKEN";
    private static final String KEY = "f/backups/20240102/20240102030405/gpbackup_0_20240102030405_9.gz";

    @RegisterExtension
    final WireMockExtension server = WireMockExtension.newInstance().options(WireMockS3.serverOptions()).build();

    @TempDir
    Path dir;

    private final List<String> warnings = new ArrayList<>();

    private S3Client audited(Path file, String command) {
        return WireMockS3.client(server.getPort(), 3, S3Connection.DEFAULT_CHUNKED_THRESHOLD,
                Credentials.of(WireMockS3.ACCESS_KEY_ID, WireMockS3.SECRET, TOKEN), Clock.systemUTC(),
                CallAudit.to(file, new CallIdentity("sdw1", 77, command, Optional.empty()), warnings::add));
    }

    @Test
    void aRetriedUploadIsOneLineWithItsRetriesAndTheLastAnswersRequestIds() throws Exception {
        server.stubFor(put(urlEqualTo("/bucket/" + KEY)).inScenario("r").whenScenarioStateIs(STARTED)
                .willReturn(aResponse().withStatus(503).withBody("<Error><Code>SlowDown</Code></Error>"))
                .willSetStateTo("again"));
        server.stubFor(put(urlEqualTo("/bucket/" + KEY)).inScenario("r").whenScenarioStateIs("again")
                .willReturn(ok().withHeader("ETag", "\"e\"").withHeader("x-amz-request-id", "REQ-2")
                        .withHeader("x-amz-id-2", "ID2-2")));
        Path file = dir.resolve("audit.jsonl");
        audited(file, "backup_data").putObject(KEY, Payload.of(new byte[1000]), Map.of());

        List<Map<String, Object>> lines = AuditTrailFile.lines(file);
        assertEquals(1, lines.size());
        Map<String, Object> line = lines.get(0);
        assertEquals("PutObject", line.get("op"));
        assertEquals("PUT", line.get("method"));
        assertEquals("bucket", line.get("bucket"));
        assertEquals(KEY, line.get("key"));
        assertEquals("20240102030405", line.get("backup"), "the key names the backup");
        assertEquals(200L, line.get("status"));
        assertEquals(null, line.get("error"));
        assertEquals(1L, line.get("retries"));
        assertEquals(1000L, line.get("bytes_sent"));
        assertEquals("REQ-2", line.get("request_id"));
        assertEquals("ID2-2", line.get("id_2"));
        assertEquals(WireMockS3.ACCESS_KEY_ID, line.get("access_key_id"));
        assertEquals("sdw1", line.get("host"));
        assertEquals(77L, line.get("pid"));
        assertEquals("backup_data", line.get("command"));
        assertEquals(Optional.of(PosixFilePermissions.fromString("rw-------")),
                Optional.of(Files.getPosixFilePermissions(file)));
        assertEquals(List.of(), warnings);
    }

    @Test
    void noSecretTokenOrSignatureEverReachesTheFile() throws Exception {
        server.stubFor(put(urlEqualTo("/bucket/" + KEY)).willReturn(ok().withHeader("ETag", "\"e\"")));
        server.stubFor(head(urlEqualTo("/bucket/missing")).willReturn(aResponse().withStatus(404)));
        server.stubFor(get(urlPathEqualTo("/bucket")).willReturn(ok().withBody(
                "<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>")));
        Path file = dir.resolve("audit.jsonl");
        S3Client client = audited(file, "backup_data");
        client.putObject(KEY, Payload.of("data".getBytes(StandardCharsets.UTF_8)), Map.of());
        assertThrows(S3Exception.class, () -> client.headObject("missing"));

        String text = Files.readString(file);
        assertTrue(text.contains(WireMockS3.ACCESS_KEY_ID), text);
        assertFalse(text.contains(WireMockS3.SECRET), text);
        assertFalse(text.contains(WireMockS3.SECRET.substring(0, 12)), text);
        assertFalse(text.contains(TOKEN), text);
        List<String> signatures = new ArrayList<>();
        for (LoggedRequest sent : server.findAll(anyRequestedFor(anyUrl()))) {
            Matcher signature = Pattern.compile("Signature=([0-9a-f]{64})").matcher(sent.getHeader("Authorization"));
            assertTrue(signature.find());
            signatures.add(signature.group(1));
        }
        assertEquals(3, signatures.size());
        for (String signature : signatures) {
            assertFalse(text.contains(signature), "a signature in " + text);
        }
        List<Map<String, Object>> lines = AuditTrailFile.lines(file);
        assertEquals(List.of("PutObject", "HeadObject", "ListObjectsV2"),
                lines.stream().map(l -> l.get("op")).toList());
        assertEquals(404L, lines.get(1).get("status"));
        assertEquals("NoSuchKey", lines.get(1).get("error"));
    }

    @Test
    void aRangedDownloadCountsTheBytesReceived() throws Exception {
        server.stubFor(get(urlEqualTo("/bucket/" + KEY)).willReturn(aResponse().withStatus(206)
                .withHeader("Content-Range", "bytes 0-9/100").withBody(new byte[10])));
        Path file = dir.resolve("audit.jsonl");
        audited(file, "restore_data").getRange(KEY, 0, 10, Optional.empty(), new DiscardingSink(), new Cancellation());
        Map<String, Object> line = AuditTrailFile.lines(file).get(0);
        assertEquals("GetObject", line.get("op"));
        assertEquals("bytes=0-9", line.get("range"));
        assertEquals(206L, line.get("status"));
        assertEquals(10L, line.get("bytes_received"));
    }

    @Test
    void aFileThatCannotBeWrittenWarnsOnceAndTheRequestsStillSucceed() throws Exception {
        server.stubFor(put(urlEqualTo("/bucket/k")).willReturn(ok().withHeader("ETag", "\"e\"")));
        Path blocker = Files.writeString(dir.resolve("not-a-directory"), "");
        Path file = blocker.resolve("audit.jsonl");
        CallAudit audit = CallAudit.to(file, new CallIdentity("h", 1, "backup_data", Optional.empty()),
                warnings::add);
        S3Client client = WireMockS3.client(server.getPort(), 3, S3Connection.DEFAULT_CHUNKED_THRESHOLD,
                Credentials.of(WireMockS3.ACCESS_KEY_ID, WireMockS3.SECRET, null), Clock.systemUTC(), audit);
        for (int i = 0; i < 3; i++) {
            client.putObject("k", Payload.of(new byte[1]), Map.of());
        }
        audit.close();
        assertEquals(2, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).startsWith("audit_log " + file + ": cannot write ("), warnings.get(0));
        assertEquals("audit_log " + file + ": 3 line(s) of this call were not written", warnings.get(1));
        assertFalse(String.join(" ", warnings).contains(WireMockS3.SECRET));
    }

    /** Takes the body and drops it. */
    private static final class DiscardingSink implements BodySink {
        @Override
        public void begin(long length) {
        }

        @Override
        public void accept(ByteBuffer bytes) {
            bytes.position(bytes.limit());
        }
    }
}
