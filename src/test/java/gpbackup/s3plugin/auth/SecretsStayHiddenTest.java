package gpbackup.s3plugin.auth;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The secret key, the session token and signatures never reach toString() or an exception message. */
class SecretsStayHiddenTest {

    private static final String SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    private static final String TOKEN = "SESSIONTOKENxyz";
    private static final Credentials CREDENTIALS = Credentials.of("AKIDEXAMPLE", SECRET, TOKEN);
    private static final Instant NOW = Instant.parse("2015-08-30T12:36:00Z");
    private static final SigV4Signer S3 = SigV4Signer.forS3("us-east-1");
    private static final SignableRequest REQUEST = new SignableRequest("PUT", "h", "/b/k", "", List.of(),
            SignableRequest.STREAMING_PAYLOAD);

    private static void assertHidden(Object value, String... secrets) {
        String text = String.valueOf(value);
        for (String secret : secrets) {
            assertFalse(text.contains(secret), () -> value.getClass().getSimpleName() + " shows a secret: " + text);
        }
    }

    @Test
    void credentialsToStringHidesSecretAndToken() {
        assertHidden(CREDENTIALS, SECRET, TOKEN);
    }

    @Test
    void signedRequestToStringHidesTokenAndSignature() {
        SignedRequest signed = S3.sign(REQUEST, CREDENTIALS, NOW);
        assertHidden(signed, SECRET, TOKEN, signed.signature());
        assertHidden(signed.chunkSigner(), SECRET, TOKEN, signed.signature());
        assertHidden(signed.chunkSigner().restart(), SECRET, TOKEN, signed.signature());
    }

    @Test
    void signedChunkToStringHidesItsSignature() {
        ChunkSigner.SignedChunk chunk = S3.sign(REQUEST, CREDENTIALS, NOW).chunkSigner().sign(List.of());
        assertHidden(chunk, chunk.signature());
    }

    @Test
    void refusedRequestsDoNotEchoCredentials() {
        SignableRequest bad = new SignableRequest("GET", "h", "/b/k", "", List.of(Map.entry("Authorization", SECRET)),
                SignableRequest.EMPTY_PAYLOAD_SHA256);
        assertHidden(assertThrows(IllegalArgumentException.class, () -> S3.sign(bad, CREDENTIALS, NOW)).getMessage(),
                SECRET, TOKEN);
    }
}
