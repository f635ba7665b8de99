package gpbackup.s3plugin.kms;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import gpbackup.s3plugin.auth.SigV4Signer;
import gpbackup.s3plugin.auth.SignableRequest;
import gpbackup.s3plugin.auth.SignedRequest;
import gpbackup.s3plugin.digest.Digests;
import gpbackup.s3plugin.leaks.TestSecrets;
import gpbackup.s3plugin.seal.MasterKey;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** KMS's two calls against a fake that answers JSON 1.1 as AWS does, errors included. */
class KmsClientTest {
    private static final String KEY_ARN = KmsFake.KEY_ARN;
    private static final String CONTEXT = "{\"gpbackup_s3_plugin\":\"sealed-object-key v1\"}";
    private static final String AUTHORIZATION = "AWS4-HMAC-SHA256 Credential=AKIDKMS/20260301/eu-west-1/kms/aws4_request,"
            + " SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, Signature=[0-9a-f]{64}";
    private static final byte[] PLAINTEXT = TestSecrets.kmsDataKey();
    private final KmsFake kms = new KmsFake();
    private final KmsClient client = kms.client();

    @AfterEach
    void stop() {
        kms.close();
    }

    @Test
    void generateDataKeyIsASignedJsonPostWithTheTargetTheKeySpecAndTheContext() {
        kms.answerGenerate(KmsFake.BLOB, PLAINTEXT);
        KmsClient.DataKey key = client.generateDataKey("alias/gpbackup", "backup 20240501120000");
        assertEquals(MasterKey.of(PLAINTEXT), key.key());
        assertArrayEquals(KmsFake.BLOB, key.envelope());
        assertEquals(KEY_ARN, key.keyArn(), "an alias resolves to the key's ARN as KMS answered");
        kms.server.verify(1, postRequestedFor(urlEqualTo("/"))
                .withHeader("Content-Type", equalTo("application/x-amz-json-1.1"))
                .withHeader("X-Amz-Target", equalTo("TrentService.GenerateDataKey"))
                .withHeader("Authorization", matching(AUTHORIZATION))
                .withHeader("X-Amz-Date", equalTo("20260301T100000Z"))
                .withHeader("X-Amz-Security-Token", equalTo(TestSecrets.SESSION_TOKEN))
                .withHeader("x-amz-content-sha256", absent())
                .withRequestBody(equalToJson("{\"KeyId\":\"alias/gpbackup\",\"KeySpec\":\"AES_256\","
                        + "\"EncryptionContext\":" + CONTEXT + "}")));
    }

    @Test
    void theSignatureCoversTheTargetTheContentTypeAndTheBodyAsSent() {
        kms.answerDecrypt(PLAINTEXT);
        client.decrypt(KmsFake.BLOB, Optional.of(KEY_ARN), "o");
        LoggedRequest sent = kms.server.getAllServeEvents().get(0).getRequest();
        SignableRequest signable = new SignableRequest("POST", "127.0.0.1:" + kms.server.port(), "/", "",
                List.of(Map.entry("content-type", sent.getHeader("Content-Type")),
                        Map.entry("x-amz-target", sent.getHeader("X-Amz-Target"))),
                Digests.sha256Hex(sent.getBodyAsString()));
        SignedRequest expected = SigV4Signer.forKms("eu-west-1").sign(signable, KmsFake.CREDENTIALS, KmsFake.NOW);
        String authorization = expected.headersToAdd().stream().filter(h -> h.getKey().equals("Authorization"))
                .findFirst().orElseThrow().getValue();
        assertEquals(authorization, sent.getHeader("Authorization"));
    }

    @Test
    void decryptSendsTheBlobInBase64TheContextAndTheKeyId() {
        kms.answerDecrypt(PLAINTEXT);
        MasterKey key = client.decrypt(KmsFake.BLOB, Optional.of(KEY_ARN), "gpbackup_0_20240501120000_16384");
        assertEquals(MasterKey.of(PLAINTEXT), key);
        kms.server.verify(1, postRequestedFor(urlEqualTo("/"))
                .withHeader("Content-Type", equalTo("application/x-amz-json-1.1"))
                .withHeader("X-Amz-Target", equalTo("TrentService.Decrypt"))
                .withHeader("Authorization", matching(AUTHORIZATION))
                .withRequestBody(equalToJson("{\"CiphertextBlob\":\"" + KmsFake.base64(KmsFake.BLOB) + "\","
                        + "\"EncryptionContext\":" + CONTEXT + ",\"KeyId\":\"" + KEY_ARN + "\"}")));
    }

    @Test
    void decryptWithoutAKeyIdLeavesItOut() {
        kms.answerDecrypt(PLAINTEXT);
        client.decrypt(KmsFake.BLOB, Optional.empty(), "o");
        kms.server.verify(1, postRequestedFor(urlEqualTo("/")).withRequestBody(equalToJson("{\"CiphertextBlob\":\""
                + KmsFake.base64(KmsFake.BLOB) + "\",\"EncryptionContext\":" + CONTEXT + "}")));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "GenerateDataKey|400|AccessDeniedException|grant the caller kms:GenerateDataKey on the key",
        "Decrypt|400|AccessDeniedException|grant the caller kms:Decrypt on the key",
        "GenerateDataKey|400|NotFoundException|no such key or alias in this region",
        "GenerateDataKey|400|DisabledException|the key is disabled",
        "Decrypt|400|KMSInvalidStateException|the key is pending deletion",
        "Decrypt|400|InvalidCiphertextException|the envelope in the sealed header is damaged",
        "Decrypt|400|IncorrectKeyException|set cse_kms_key_id to the key that sealed it",
        "GenerateDataKey|400|InvalidKeyUsageException|must be a symmetric key",
        "Decrypt|500|KeyUnavailableException|not available now",
        "GenerateDataKey|400|UnrecognizedClientException|the credentials were refused",
    })
    void eachRefusalIsOneLineNamingTheKeyTheOperationTheTypeAndWhatToDo(String operation, int status, String type,
                                                                      String hint) {
        String message = "The server says why: " + type;
        kms.fail(operation, status, "com.amazonaws.kms#" + type, message);
        KmsException e = assertThrows(KmsException.class, () -> call(operation));
        String subject = operation.equals("Decrypt") ? "gpbackup_0_20240501120000_16384" : "backup 20240501120000";
        assertTrue(e.getMessage().startsWith("KMS key " + KEY_ARN + " refused " + operation + " for " + subject
                + " at 127.0.0.1: " + type + ": " + message + "; "), e.getMessage());
        assertTrue(e.getMessage().contains(hint), e.getMessage());
        assertFalse(e.getMessage().contains("com.amazonaws.kms#"), "the namespace is stripped");
        assertFalse(e.getMessage().contains("\n"));
        assertEquals(type, e.errorType());
        assertEquals(1, kms.server.getAllServeEvents().size(), "a refusal is not retried");
        assertNoSecret(e.getMessage());
    }

    @Test
    void theTypeMayComeInTheErrorTypeHeaderAndTheMessageCapitalised() {
        kms.server.stubFor(KmsFake.operation("Decrypt").willReturn(aResponse().withStatus(400)
                .withHeader("x-amzn-ErrorType", "NotFoundException:http://internal.amazon.com/coral/com.amazon.kms/")
                .withBody("{\"Message\":\"Key 'alias/x' does not exist\"}")));
        KmsException e = assertThrows(KmsException.class, () -> client.decrypt(KmsFake.BLOB, Optional.of("alias/x"), "o"));
        assertTrue(e.getMessage().contains(": NotFoundException: Key 'alias/x' does not exist; no such key"),
                e.getMessage());
    }

    @Test
    void aMessageThatEchoesACredentialIsBlanked() {
        kms.fail("Decrypt", 400, "AccessDeniedException", "token " + TestSecrets.SESSION_TOKEN + " with secret "
                + TestSecrets.AWS_EXAMPLE_SECRET_KEY + " is not allowed");
        KmsException e = assertThrows(KmsException.class, () -> call("Decrypt"));
        assertTrue(e.getMessage().contains("AccessDeniedException: token **** with secret **** is not allowed"),
                e.getMessage());
        assertNoSecret(e.getMessage());
    }

    @Test
    void throttlingIsRetriedWithGrowingPausesUntilItPasses() {
        String throttled = KmsFake.error("ThrottlingException", "Rate exceeded");
        kms.server.stubFor(KmsFake.operation("Decrypt").inScenario("t").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withStatus(400).withBody(throttled)).willSetStateTo("once"));
        kms.server.stubFor(KmsFake.operation("Decrypt").inScenario("t").whenScenarioStateIs("once")
                .willReturn(aResponse().withStatus(400).withBody(throttled)).willSetStateTo("twice"));
        kms.server.stubFor(KmsFake.operation("Decrypt").inScenario("t").whenScenarioStateIs("twice")
                .willReturn(aResponse().withBody(KmsFake.decrypted(PLAINTEXT))));
        assertEquals(MasterKey.of(PLAINTEXT), call("Decrypt"));
        assertEquals(3, kms.server.getAllServeEvents().size());
        assertEquals(2, kms.pauses.size());
        assertTrue(kms.pauses.get(1).compareTo(kms.pauses.get(0)) > 0, kms.pauses.toString());
    }

    @Test
    void throttlingThatLastsFailsAfterTheLastAttempt() {
        kms.fail("GenerateDataKey", 400, "ThrottlingException", "Rate exceeded");
        KmsException e = assertThrows(KmsException.class, () -> call("GenerateDataKey"));
        assertTrue(e.getMessage().contains("refused GenerateDataKey for backup 20240501120000 at 127.0.0.1:"
                + " ThrottlingException: Rate exceeded; KMS kept refusing after 4 attempts"), e.getMessage());
        assertEquals(KmsClient.MAX_ATTEMPTS, kms.server.getAllServeEvents().size());
        assertEquals(KmsClient.MAX_ATTEMPTS - 1, kms.pauses.size());
    }

    @Test
    void a429AndKmsInternalErrorsAreRetriedToo() {
        kms.server.stubFor(KmsFake.operation("Decrypt").willReturn(aResponse().withStatus(429)));
        assertThrows(KmsException.class, () -> call("Decrypt"));
        assertEquals(KmsClient.MAX_ATTEMPTS, kms.server.getAllServeEvents().size());
        kms.server.resetAll();
        kms.fail("Decrypt", 500, "KMSInternalException", "internal");
        assertThrows(KmsException.class, () -> call("Decrypt"));
        assertEquals(KmsClient.MAX_ATTEMPTS, kms.server.getAllServeEvents().size());
    }

    @Test
    void anHtmlErrorPageIsTheStatus() {
        kms.server.stubFor(KmsFake.operation("Decrypt").willReturn(aResponse().withStatus(403)
                .withBody("<html>Forbidden</html>")));
        KmsException e = assertThrows(KmsException.class, () -> call("Decrypt"));
        assertTrue(e.getMessage().endsWith("at 127.0.0.1: HTTP 403"), e.getMessage());
        assertEquals("", e.errorType());
    }

    @Test
    void aPlaintextOfTheWrongLengthIsRefusedWithoutShowingIt() {
        byte[] short16 = new byte[16];
        System.arraycopy(PLAINTEXT, 0, short16, 0, 16);
        kms.answerDecrypt(short16);
        KmsException e = assertThrows(KmsException.class, () -> call("Decrypt"));
        assertEquals("KMS key " + KEY_ARN + " Decrypt for gpbackup_0_20240501120000_16384 answered a Plaintext of 16"
                + " bytes, not the 32 of an AES_256 data key", e.getMessage());
        assertNoSecret(e.getMessage());
    }

    @Test
    void anUnusableSuccessIsOneLineWithoutItsText() {
        kms.server.stubFor(KmsFake.operation("GenerateDataKey").willReturn(aResponse().withBody(
                "{\"KeyId\":\"" + KEY_ARN + "\",\"Plaintext\":\"" + KmsFake.base64(PLAINTEXT) + "\"}")));
        KmsException e = assertThrows(KmsException.class, () -> call("GenerateDataKey"));
        assertTrue(e.getMessage().endsWith("GenerateDataKey for backup 20240501120000 answered without CiphertextBlob"),
                e.getMessage());

        kms.server.resetAll();
        kms.server.stubFor(KmsFake.operation("Decrypt").willReturn(aResponse().withBody(
                "{\"Plaintext\":\"" + KmsFake.base64(PLAINTEXT) + "!!\"}")));
        e = assertThrows(KmsException.class, () -> call("Decrypt"));
        assertTrue(e.getMessage().endsWith("answered a Plaintext that is not base64"), e.getMessage());
        assertNoSecret(e.getMessage());

        kms.server.resetAll();
        kms.server.stubFor(KmsFake.operation("Decrypt").willReturn(aResponse().withBody(
                "{\"Plaintext\":\"" + KmsFake.base64(PLAINTEXT) + "\"")));
        e = assertThrows(KmsException.class, () -> call("Decrypt"));
        assertTrue(e.getMessage().endsWith("answered 200 with unreadable JSON"), e.getMessage());
        assertNoSecret(e.getMessage());
    }

    @Test
    void noKeyMaterialInToString() {
        kms.answerGenerate(KmsFake.BLOB, PLAINTEXT);
        KmsClient.DataKey key = client.generateDataKey(KEY_ARN, "b");
        String shown = key.toString() + " " + key.key() + " " + client + " " + new KmsKeys(client, KEY_ARN);
        assertTrue(shown.startsWith("DataKey[keyArn=" + KEY_ARN + ", fingerprint="), shown);
        assertTrue(shown.contains("envelope=" + KmsFake.BLOB.length + " bytes"), shown);
        assertNoSecret(shown);
    }

    @Test
    void anEnvelopeTooLongForTheHeaderIsRefused() {
        kms.answerGenerate(new byte[70_000], PLAINTEXT);
        KmsException e = assertThrows(KmsException.class, () -> call("GenerateDataKey"));
        assertTrue(e.getMessage().endsWith("answered a CiphertextBlob of 70000 bytes, which a sealed header cannot"
                + " hold (1 to 65535)"), e.getMessage());
    }

    @Test
    void theEndpointIsRegionalUnlessToldOtherwise() {
        assertEquals(URI.create("https://kms.eu-west-1.amazonaws.com/"), KmsClient.endpoint("eu-west-1", n -> null));
        assertEquals(URI.create("https://kms.cn-north-1.amazonaws.com.cn/"), KmsClient.endpoint("cn-north-1", n -> null));
        assertEquals(URI.create("https://vpce-1.kms.eu-west-1.vpce.amazonaws.com/"), KmsClient.endpoint("eu-west-1",
                Map.of("AWS_ENDPOINT_URL_KMS", "https://vpce-1.kms.eu-west-1.vpce.amazonaws.com/")::get));
        assertEquals(URI.create("http://127.0.0.1:8080/"), KmsClient.endpoint("eu-west-1",
                Map.of("AWS_ENDPOINT_URL_KMS", "http://127.0.0.1:8080")::get));
        assertEquals("AWS_ENDPOINT_URL_KMS is not an http(s) URL", assertThrows(KmsException.class,
                () -> KmsClient.endpoint("eu-west-1", Map.of("AWS_ENDPOINT_URL_KMS", "kms.local")::get)).getMessage());
    }

    @Test
    void anUnreachableKmsIsOneLine() {
        kms.close();
        KmsException e = assertThrows(KmsException.class, () -> call("GenerateDataKey"));
        assertTrue(e.getMessage().startsWith("KMS key " + KEY_ARN + " GenerateDataKey for backup 20240501120000:"
                + " KMS at 127.0.0.1 cannot be reached"), e.getMessage());
    }

    private Object call(String operation) {
        return operation.equals("Decrypt")
                ? client.decrypt(KmsFake.BLOB, Optional.of(KEY_ARN), "gpbackup_0_20240501120000_16384")
                : client.generateDataKey(KEY_ARN, "backup 20240501120000");
    }

    /** Neither the data key (raw, base64, hex) nor a credential. */
    static void assertNoSecret(String text) {
        byte[] key = TestSecrets.kmsDataKey();
        for (String form : new String[] {new String(key, StandardCharsets.US_ASCII),
                Base64.getEncoder().encodeToString(key), HexFormat.of().formatHex(key),
                new String(key, 0, 12, StandardCharsets.US_ASCII), TestSecrets.AWS_EXAMPLE_SECRET_KEY,
                TestSecrets.SESSION_TOKEN}) {
            assertFalse(text.contains(form), "shows a secret: " + text);
        }
    }
}
