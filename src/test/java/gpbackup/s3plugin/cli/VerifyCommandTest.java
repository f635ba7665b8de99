package gpbackup.s3plugin.cli;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.head;
import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.headRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.ok;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import gpbackup.s3plugin.leaks.TestSecrets;
import gpbackup.s3plugin.transfer.DigestRecord;
import gpbackup.s3plugin.transfer.PartDigest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/**
 * verify against WireMock, where the proof chosen for each object depends on the config's storage
 * policy: under SSE-KMS and SSE-C an ETag is not an MD5, so only a recorded SHA-256 (or the gzip
 * CRC-32s) proves an object (spec/commands.md, "verify").
 */
class VerifyCommandTest extends WireMockCommandFixture {
    private static final String TS = "20240101120000";
    private static final String PREFIX = "f/backups/20240101/" + TS + "/";
    private static final String SSE_C_ENV = "GPBACKUP_SSE_C_KEY";

    private String storage = "";

    @Override
    String moreOptions() {
        return "  max_request_retries: 0\n" + storage;
    }

    /** Rewrites the fixture's config with these storage option lines. */
    private void storageOptions(String... lines) throws IOException {
        StringBuilder text = new StringBuilder();
        for (String line : lines) {
            text.append("  ").append(line).append('\n');
        }
        storage = text.toString();
        writeConfig();
    }

    private int verify() {
        Map<String, String> environment = Map.of("HOME", home.toString(), "HOSTNAME", "sdw1", SSE_C_ENV,
                Base64.getEncoder().encodeToString(TestSecrets.sseCustomerKey()));
        return new Main(environment::get, InputStream.nullInputStream(), stdout,
                new PrintStream(stderr, true, StandardCharsets.UTF_8), Clock.systemUTC(), false)
                .run(new String[] {"verify", config.toString(), TS});
    }

    private String line(String name) {
        return stdout.toString(StandardCharsets.UTF_8).lines().filter(l -> l.contains(PREFIX + name + " "))
                .findFirst().orElseThrow(() -> new AssertionError("no line for " + name + " in\n" + stdout));
    }

    private static String hex(String algorithm, byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    private static byte[] gzip(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream zip = new GZIPOutputStream(out)) {
            zip.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private void stubListing(String... names) {
        StringBuilder xml = new StringBuilder("<ListBucketResult><IsTruncated>false</IsTruncated>");
        for (String name : names) {
            xml.append("<Contents><Key>").append(PREFIX).append(name).append("</Key><Size>1</Size></Contents>");
        }
        server.stubFor(get(urlPathEqualTo("/bucket")).withQueryParam("prefix", equalTo(PREFIX))
                .willReturn(ok(xml.append("</ListBucketResult>").toString())));
        server.stubFor(get(urlPathEqualTo("/bucket")).withQueryParam("prefix", equalTo("f//backups/20240101/" + TS + "/"))
                .willReturn(ok("<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>")));
    }

    /** An object as HEAD and a whole-object ranged GET see it, with our SHA-256 metadata or without. */
    private void stubObject(String name, byte[] body, String etag, boolean sha256Metadata) {
        ResponseDefinitionBuilder headAnswer = ok().withHeader("Content-Length", String.valueOf(body.length))
                .withHeader("ETag", etag);
        if (sha256Metadata) {
            headAnswer = headAnswer.withHeader("x-amz-meta-" + DigestRecord.SHA256_METADATA, hex("SHA-256", body));
        }
        server.stubFor(head(urlPathEqualTo("/bucket/" + PREFIX + name)).willReturn(headAnswer));
        server.stubFor(get(urlPathEqualTo("/bucket/" + PREFIX + name)).willReturn(aResponse().withStatus(206)
                .withHeader("Content-Range", "bytes 0-" + (body.length - 1) + "/" + body.length)
                .withHeader("ETag", etag).withBody(body)));
    }

    /**
     * A backup with every kind of proof: a metadata SHA-256, a digest record, a gzip file without
     * a digest, and a plain file without one, whose ETag is the real MD5 of its bytes (as S3 gives
     * it without SSE-KMS or SSE-C).
     */
    private void stubBackup() {
        byte[] toc = "toc".getBytes(StandardCharsets.UTF_8);
        byte[] data = "rows of table 16384".getBytes(StandardCharsets.UTF_8);
        byte[] table = gzip("rows of table 16385".getBytes(StandardCharsets.UTF_8));
        byte[] metadata = "CREATE TABLE t ();".getBytes(StandardCharsets.UTF_8);
        String multipartEtag = "\"0123456789abcdef0123456789abcdef-1\"";
        stubListing("gpbackup_" + TS + "_toc.yaml", "gpbackup_" + TS + "_config.yaml", "gpbackup_" + TS + "_report",
                "gpbackup_" + TS + "_metadata.sql", "gpbackup_0_" + TS + "_16384",
                "gpbackup_0_" + TS + "_16384" + DigestRecord.KEY_SUFFIX, "gpbackup_0_" + TS + "_16385.gz");
        stubObject("gpbackup_" + TS + "_toc.yaml", toc, "\"" + hex("MD5", toc) + "\"", true);
        stubObject("gpbackup_" + TS + "_config.yaml", toc, "\"" + hex("MD5", toc) + "\"", true);
        stubObject("gpbackup_" + TS + "_report", toc, "\"" + hex("MD5", toc) + "\"", true);
        stubObject("gpbackup_" + TS + "_metadata.sql", metadata, "\"" + hex("MD5", metadata) + "\"", false);
        stubObject("gpbackup_0_" + TS + "_16384", data, multipartEtag, false);
        stubObject("gpbackup_0_" + TS + "_16384" + DigestRecord.KEY_SUFFIX, new DigestRecord(data.length,
                multipartEtag, List.of(new PartDigest(data.length, hex("SHA-256", data)))).bytes(), "\"r\"", false);
        stubObject("gpbackup_0_" + TS + "_16385.gz", table, "\"" + hex("MD5", table) + "\"", false);
    }

    @Test
    void withoutSseKmsOrSseCAnMd5EtagProvesAnObjectWithoutARecordedDigest() {
        stubBackup();
        assertEquals(0, verify(), stderr.toString(StandardCharsets.UTF_8));
        String plain = line("gpbackup_" + TS + "_metadata.sql");
        assertTrue(plain.startsWith("OK ") && plain.contains("MD5 against the single-part ETag: match"), plain);
    }

    @Test
    void underSseKmsAnEtagProvesNothingAndOnlyARecordedSha256OrGzipDoes() throws IOException {
        storageOptions("server_side_encryption: aws:kms");
        stubBackup();
        assertEquals(1, verify());
        String plain = line("gpbackup_" + TS + "_metadata.sql");
        assertTrue(plain.startsWith("UNPROVEN ") && plain.contains("no SHA-256 recorded, and under SSE-KMS (the config's"
                + " server_side_encryption: aws:kms) an ETag is not an MD5 of the content: content not checkable by"
                + " ETag; → read whole, but nothing to compare it with"), plain);
        String metadata = line("gpbackup_" + TS + "_toc.yaml");
        assertTrue(metadata.startsWith("OK ")
                && metadata.contains("sha256 of 1 part recorded at backup in its metadata: match"), metadata);
        String recorded = line("gpbackup_0_" + TS + "_16384");
        assertTrue(recorded.startsWith("OK ") && recorded.contains("sha256 of 1 part recorded at backup: match"),
                recorded);
        String gz = line("gpbackup_0_" + TS + "_16385.gz");
        assertTrue(gz.startsWith("OK ") && gz.contains("content not checkable by ETag")
                && gz.contains("gzip: 1 member decompressed to the end, CRC-32 and length match")
                && !gz.contains("MD5 against"), gz);
        assertTrue(stderr.toString(StandardCharsets.UTF_8).contains("1 unproven (" + PREFIX + "gpbackup_" + TS
                + "_metadata.sql)"), stderr.toString(StandardCharsets.UTF_8));
    }

    @Test
    void anObjectTheStoreReportsAsSseKmsIsNotJudgedByItsEtagThoughTheConfigNamesNoEncryption() {
        stubBackup();
        // The bucket's default encryption: S3 encrypts with KMS and says so, the config knows nothing of it.
        byte[] metadata = "CREATE TABLE t ();".getBytes(StandardCharsets.UTF_8);
        server.stubFor(head(urlPathEqualTo("/bucket/" + PREFIX + "gpbackup_" + TS + "_metadata.sql")).willReturn(ok()
                .withHeader("Content-Length", String.valueOf(metadata.length)).withHeader("ETag", "\"" + "0".repeat(32)
                        + "\"").withHeader("x-amz-server-side-encryption", "aws:kms")));
        assertEquals(1, verify());
        String plain = line("gpbackup_" + TS + "_metadata.sql");
        assertTrue(plain.startsWith("UNPROVEN ") && plain.contains("no SHA-256 recorded, and under SSE-KMS (as the"
                + " store reports of the object) an ETag is not an MD5 of the content"), plain);
    }

    @Test
    void underSseCAnMd5LookingEtagThatDiffersIsNoFault() throws IOException {
        storageOptions("sse_customer_key_env: " + SSE_C_ENV);
        stubBackup();
        // Under SSE-C S3's ETag is 32 hex digits that are not the data's MD5: comparing would fail it.
        stubObject("gpbackup_" + TS + "_metadata.sql", "CREATE TABLE t ();".getBytes(StandardCharsets.UTF_8),
                "\"" + "7".repeat(32) + "\"", false);
        assertEquals(1, verify());
        String plain = line("gpbackup_" + TS + "_metadata.sql");
        assertTrue(plain.startsWith("UNPROVEN ") && plain.contains("under SSE-C (the config's SSE-C key)")
                && !plain.contains("DIFFERS"), plain);
        assertTrue(line("gpbackup_0_" + TS + "_16384").startsWith("OK "), stdout.toString(StandardCharsets.UTF_8));
        // The key still goes with every read, as SSE-C wants.
        server.findAll(headRequestedFor(urlPathMatching("/bucket/.*"))).forEach(request -> assertEquals("AES256",
                request.getHeader("x-amz-server-side-encryption-customer-algorithm"), request.getUrl()));
    }

    @Test
    void underSseKmsAMultipartEtagIsNotRecomputedNorArePartBoundariesAsked() throws IOException {
        storageOptions("server_side_encryption: aws:kms");
        stubBackup();
        byte[] table = "rows of table 16386 in parts".getBytes(StandardCharsets.UTF_8);
        stubListing("gpbackup_" + TS + "_toc.yaml", "gpbackup_" + TS + "_config.yaml", "gpbackup_" + TS + "_report",
                "gpbackup_" + TS + "_metadata.sql", "gpbackup_0_" + TS + "_16386");
        stubObject("gpbackup_0_" + TS + "_16386", table, "\"" + hex("MD5", table) + "-2\"", false);
        assertEquals(1, verify());
        String multipart = line("gpbackup_0_" + TS + "_16386");
        assertTrue(multipart.startsWith("UNPROVEN ") && multipart.contains("content not checkable by ETag")
                && !multipart.contains("multipart ETag"), multipart);
        assertEquals(0, server.findAll(headRequestedFor(urlPathEqualTo("/bucket/" + PREFIX + "gpbackup_0_" + TS + "_16386"))
                .withQueryParam("partNumber", matching(".+"))).size());
    }
}
