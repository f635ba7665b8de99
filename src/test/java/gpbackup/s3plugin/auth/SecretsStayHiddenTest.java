package gpbackup.s3plugin.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gpbackup.s3plugin.leaks.TestSecrets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Optional;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The secret key, the session token, the web identity token and signatures never reach toString(),
 * an exception message or a warning line, whatever a credential source or STS answers.
 */
class SecretsStayHiddenTest {

    private static final String SECRET = TestSecrets.AWS_EXAMPLE_SECRET_KEY;
    private static final String TOKEN = TestSecrets.SESSION_TOKEN;
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

    /**
     * The JDK's HTTP client refuses a header value holding a control character with a message that
     * quotes it; the signer refuses such a token or key id first, quoting neither it nor a signature.
     */
    @Test
    void aTokenOrKeyIdNoHeaderCanCarryIsRefusedWithoutShowingIt() {
        for (Credentials bad : List.of(Credentials.of("AKIDEXAMPLE", SECRET, TOKEN + "\u0001"),
                Credentials.of("AKIDEXAMPLE", SECRET, TOKEN + "\nX-Injected: yes"),
                Credentials.of("AKID\u0001", SECRET, TOKEN))) {
            String message = assertThrows(CredentialsException.class, () -> S3.sign(REQUEST, bad, NOW)).getMessage();
            assertTrue(message.contains("holds a control character or a line break"), message);
            assertHidden(message, SECRET, TOKEN, "AKID", "Signature");
        }
        Map<String, String> env = Map.of("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:1/creds",
                "AWS_CONTAINER_AUTHORIZATION_TOKEN", TOKEN + "\u0007");
        String message = assertThrows(CredentialsException.class,
                () -> new ContainerCredentialsProvider(env::get).credentials()).getMessage();
        assertEquals("AWS_CONTAINER_AUTHORIZATION_TOKEN holds a control character, which an HTTP header cannot carry",
                message);
    }

    private static final String WEB_TOKEN = TestSecrets.WEB_IDENTITY_TOKEN;

    /** Every line a source or the refreshing wrapper can produce when STS echoes what it was sent. */
    @Test
    void stsFailuresAndTheRefreshWarningHideTokensAndKeys(@TempDir Path dir) throws IOException {
        try (StsFake sts = new StsFake()) {
            // STS repeating what each request sent: the web identity token, or the signing keys' token.
            sts.fail("AssumeRoleWithWebIdentity", 400, "InvalidIdentityToken", "bad request: " + WEB_TOKEN);
            sts.fail("AssumeRole", 403, "AccessDenied", "bad request: " + SECRET + " " + TOKEN);
            Path tokenFile = Files.writeString(dir.resolve("token"), WEB_TOKEN);
            MutableClock clock = new MutableClock(StsFake.NOW);
            CredentialsProvider web = new WebIdentityCredentialsProvider("arn:aws:iam::1:role/r", tokenFile,
                    Optional.empty(), () -> sts.client(clock), clock, "environment", Optional.empty());
            CredentialsProvider role = new AssumeRoleCredentialsProvider(() -> CREDENTIALS, "arn:aws:iam::1:role/r",
                    Optional.empty(), Optional.empty(), Optional.empty(), sts.client(clock), clock, "profile 'p'");
            List<String> lines = new ArrayList<>();
            for (CredentialsProvider source : List.of(web, role)) {
                lines.add(source.toString());
                lines.add(source.source());
                lines.add(assertThrows(CredentialsException.class, source::credentials).getMessage());
            }
            // A refresh that fails while the old set is valid logs a warning built from the same message.
            Credentials expiring = new Credentials("ASIA", SECRET, Optional.of(TOKEN),
                    Optional.of(StsFake.NOW.plusSeconds(60)));
            boolean[] first = {true};
            CredentialsProvider flaky = () -> {
                if (first[0]) {
                    first[0] = false;
                    return expiring;
                }
                return web.credentials();
            };
            RefreshingCredentialsProvider refreshing = new RefreshingCredentialsProvider(flaky, clock, lines::add);
            refreshing.credentials();
            clock.advance(Duration.ofSeconds(40));
            refreshing.credentials();
            assertTrue(lines.stream().anyMatch(l -> l.startsWith("could not refresh credentials")), lines.toString());
            for (String line : lines) {
                assertHidden(line, WEB_TOKEN, SECRET, TOKEN);
            }
        }
    }

    @Test
    void credentialProcessOutputNeverReachesAMessage(@TempDir Path dir) throws IOException {
        String printed = "{\"Version\": 2, \"AccessKeyId\": \"A\", \"SecretAccessKey\": \"" + SECRET
                + "\", \"SessionToken\": \"" + TOKEN + "\"}";
        for (String body : List.of("echo '" + printed + "'", "echo '" + printed + "' >&2; exit 1",
                "echo 'SecretAccessKey=" + SECRET + "'", "echo '{\"Version\":1,\"SecretAccessKey\":\"" + SECRET
                        + "\"}'", "echo '{\"Version\":1,\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"" + SECRET
                        + "\",\"Expiration\":\"" + TOKEN + "\"}'")) {
            Path helper = Files.writeString(dir.resolve("helper"), "#!/bin/sh\n" + body + "\n");
            Files.setPosixFilePermissions(helper, PosixFilePermissions.fromString("rwx------"));
            ProcessCredentialsProvider process = new ProcessCredentialsProvider(helper.toString(), "p");
            assertHidden(assertThrows(CredentialsException.class, process::credentials).getMessage(), SECRET, TOKEN);
            assertHidden(process, SECRET, TOKEN);
        }
    }

    @Test
    void containerAnswersAndTokensNeverReachAMessage() {
        Map<String, String> env = Map.of("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://192.0.2.1/creds",
                "AWS_CONTAINER_AUTHORIZATION_TOKEN", TOKEN);
        assertHidden(assertThrows(CredentialsException.class,
                () -> new ContainerCredentialsProvider(env::get).credentials()).getMessage(), TOKEN);
        Map<String, String> twoLines = Map.of("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:1/creds",
                "AWS_CONTAINER_AUTHORIZATION_TOKEN", TOKEN + "\nX: y");
        assertHidden(assertThrows(CredentialsException.class,
                () -> new ContainerCredentialsProvider(twoLines::get).credentials()).getMessage(), TOKEN);
    }

    @Test
    void configKeysWithASessionTokenHideIt() {
        Credentials configKeys = Credentials.of("ASIA", SECRET, TOKEN);
        StaticCredentialsProvider provider = new StaticCredentialsProvider(configKeys, "config file keys");
        assertHidden(provider, SECRET, TOKEN);
        assertHidden(provider.source(), SECRET, TOKEN);
    }
}
