package gpbackup.s3plugin.kms;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.MappingBuilder;
import gpbackup.s3plugin.auth.Credentials;
import gpbackup.s3plugin.http.HttpTransport;
import gpbackup.s3plugin.json.JsonText;
import gpbackup.s3plugin.leaks.TestSecrets;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/** A WireMock KMS that answers JSON 1.1 as AWS does, and a KmsClient pointed at it that never sleeps. */
final class KmsFake implements AutoCloseable {
    static final Instant NOW = Instant.parse("2026-03-01T10:00:00Z");
    static final String KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    static final Credentials CREDENTIALS = Credentials.of("AKIDKMS", TestSecrets.AWS_EXAMPLE_SECRET_KEY,
            TestSecrets.SESSION_TOKEN);
    /** A CiphertextBlob as KMS makes them: opaque bytes, here recognisable ones. */
    static final byte[] BLOB = "AQIDAHh-blob-of-the-kms-data-key-with-its-metadata".getBytes(StandardCharsets.US_ASCII);

    final WireMockServer server = new WireMockServer(wireMockConfig().dynamicPort().bindAddress("127.0.0.1"));
    final List<Duration> pauses = new ArrayList<>();

    KmsFake() {
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.port();
    }

    KmsClient client() {
        return new KmsClient(URI.create(url() + "/"), "eu-west-1", () -> CREDENTIALS,
                () -> HttpTransport.of(HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()),
                Clock.fixed(NOW, ZoneOffset.UTC), pauses::add);
    }

    static String base64(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }

    static MappingBuilder operation(String operation) {
        return post(urlEqualTo("/")).withHeader("X-Amz-Target", equalTo("TrentService." + operation));
    }

    static String generated(byte[] blob, byte[] plaintext) {
        return "{\"CiphertextBlob\":\"" + base64(blob) + "\",\"KeyId\":\"" + KEY_ARN + "\",\"KeyMaterialId\":"
                + "\"0b7fd7ddbac6eef27907413567cad8c810e2883dc8a7534067a82ee1142fc1e6\",\"Plaintext\":\""
                + base64(plaintext) + "\"}";
    }

    static String decrypted(byte[] plaintext) {
        return "{\"EncryptionAlgorithm\":\"SYMMETRIC_DEFAULT\",\"KeyId\":\"" + KEY_ARN + "\",\"Plaintext\":\""
                + base64(plaintext) + "\"}";
    }

    static String error(String type, String message) {
        return "{\"__type\":" + JsonText.quote(type) + ",\"message\":" + JsonText.quote(message) + "}";
    }

    void answerGenerate(byte[] blob, byte[] plaintext) {
        server.stubFor(operation("GenerateDataKey").willReturn(aResponse()
                .withHeader("Content-Type", KmsClient.CONTENT_TYPE).withBody(generated(blob, plaintext))));
    }

    void answerDecrypt(byte[] plaintext) {
        server.stubFor(operation("Decrypt").willReturn(aResponse()
                .withHeader("Content-Type", KmsClient.CONTENT_TYPE).withBody(decrypted(plaintext))));
    }

    void fail(String operation, int status, String type, String message) {
        server.stubFor(operation(operation).willReturn(aResponse().withStatus(status)
                .withHeader("Content-Type", KmsClient.CONTENT_TYPE).withBody(error(type, message))));
    }

    @Override
    public void close() {
        server.stop();
    }
}
