package gpbackup.s3plugin.leaks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gpbackup.s3plugin.leaks.SecretScan.Finding;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.AssertionFailedError;

/** The scan finds each secret in each form a leak takes, and says where without showing it. */
class SecretScanTest {
    private final SecretScan scan = new SecretScan(TestSecrets.all());

    private static Path plant(Path dir, String name, String text) throws IOException {
        Files.createDirectories(dir);
        return Files.writeString(dir.resolve(name), text);
    }

    private List<String> whatIsFoundIn(Path dir, String text) throws IOException {
        return scan.scanFile(plant(dir, "planted.txt", "a clean first line\n" + text + "\n"))
                .stream().map(Finding::what).toList();
    }

    @Test
    void findsARawSecretAndTheLineItIsOn(@TempDir Path dir) throws IOException {
        Path file = plant(dir, "out.txt", "line one\nline two\nsession " + TestSecrets.SESSION_TOKEN + " here\n");
        assertEquals(List.of(new Finding(file, 3, "session token (raw)")), scan.scanFile(file));
    }

    @Test
    void findsTheSseCustomerKeyRawAndAsS3SendsIt(@TempDir Path dir) throws IOException {
        assertEquals(List.of("SSE-C key (raw)"),
                whatIsFoundIn(dir, new String(TestSecrets.sseCustomerKey(), StandardCharsets.US_ASCII)));
        assertEquals(List.of("SSE-C key (base64)"), whatIsFoundIn(dir,
                "x-amz-server-side-encryption-customer-key: " + TestSecrets.sseCustomerKeyBase64()));
    }

    @Test
    void findsUrlEncodedAndJsonEscapedSecrets(@TempDir Path dir) throws IOException {
        String secret = TestSecrets.WIREMOCK_SECRET_KEY;
        assertEquals(List.of("WireMock secret key (URL-encoded)"),
                whatIsFoundIn(dir, "?k=" + URLEncoder.encode(secret, StandardCharsets.UTF_8)));
        assertEquals(List.of("WireMock secret key (JSON-escaped)"),
                whatIsFoundIn(dir, "{\"SecretAccessKey\":\"" + secret.replace("/", "\\/") + "\"}"));
    }

    @Test
    void findsSignaturesWhateverTheirValue(@TempDir Path dir) throws IOException {
        String hex = "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7";
        assertEquals(List.of("a SigV4 signature"), whatIsFoundIn(dir,
                "Authorization: AWS4-HMAC-SHA256 Credential=A/20150830/us-east-1/s3/aws4_request, "
                        + "SignedHeaders=host, Signature=" + hex));
        assertEquals(List.of("a SigV4 signature"), whatIsFoundIn(dir, "10000;chunk-signature=" + hex));
        assertEquals(List.of(), whatIsFoundIn(dir, "x-amz-content-sha256: " + hex));
    }

    @Test
    void aCleanTreeHasNoFindingsAndAMissingRootIsEmpty(@TempDir Path dir) throws IOException {
        plant(dir.resolve("a/b"), "out.txt", "exit 0, stderr: nothing to see\nsecret key: ***\n");
        assertEquals(List.of(), scan.scan(List.of(dir, dir.resolve("absent"))));
    }

    /** The check the build runs fails on a planted leak, and its message names the secret without showing it. */
    @Test
    void theCheckFailsOnAPlantedLeakWithoutPrintingIt(@TempDir Path dir) throws IOException {
        plant(dir.resolve("runs"), "run-1.txt", "exit 1\n--- stderr\nbad key " + TestSecrets.S3PROXY_SECRET_KEY + "\n");
        AssertionFailedError failure = assertThrows(AssertionFailedError.class,
                () -> NoSecretInOutputs.assertNoSecretIn(List.of(dir)));
        assertTrue(failure.getMessage().contains("run-1.txt:3: S3Proxy secret key (raw)"), failure.getMessage());
        assertFalse(failure.getMessage().contains(TestSecrets.S3PROXY_SECRET_KEY), failure.getMessage());
    }
}
