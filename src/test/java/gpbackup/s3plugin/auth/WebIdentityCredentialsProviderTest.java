package gpbackup.s3plugin.auth;

import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Kubernetes IRSA: AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN, the token read again at each fetch. */
class WebIdentityCredentialsProviderTest {
    private static final String ROLE = "arn:aws:iam::123456789012:role/gpbackup-irsa";
    @TempDir
    Path dir;
    private final StsFake sts = new StsFake();
    private final Clock clock = StsFake.fixedClock();
    private final Map<String, String> env = new HashMap<>();

    @AfterEach
    void stop() {
        sts.close();
    }

    private CredentialsProvider provider() {
        return WebIdentityCredentialsProvider.fromEnvironment(env::get, () -> sts.client(clock), clock);
    }

    @Test
    void theRotatedTokenIsReadAgainAtEachFetch() throws IOException {
        Path token = Files.writeString(dir.resolve("token"), "first-projected-token\n");
        env.put("AWS_WEB_IDENTITY_TOKEN_FILE", token.toString());
        env.put("AWS_ROLE_ARN", ROLE);
        env.put("AWS_ROLE_SESSION_NAME", "gp-segment-3");
        sts.answer("AssumeRoleWithWebIdentity", "ASIAIRSA", "irsa-secret", "irsa-session");
        CredentialsProvider provider = provider();
        assertEquals("ASIAIRSA", provider.credentials().accessKeyId());
        Files.writeString(token, "second-projected-token");
        provider.credentials();
        sts.server.verify(1, postRequestedFor(urlEqualTo("/")).withRequestBody(containing(
                "RoleSessionName=gp-segment-3&WebIdentityToken=first-projected-token")));
        sts.server.verify(1, postRequestedFor(urlEqualTo("/")).withRequestBody(containing(
                "WebIdentityToken=second-projected-token")));
        assertEquals("web identity (role " + ROLE + ", environment)", provider.toString());
    }

    @Test
    void theRefreshingProviderAsksAgainBeforeExpiryWithTheRotatedToken() throws IOException {
        Path token = Files.writeString(dir.resolve("token"), "token-at-start");
        env.put("AWS_WEB_IDENTITY_TOKEN_FILE", token.toString());
        env.put("AWS_ROLE_ARN", ROLE);
        sts.answer("AssumeRoleWithWebIdentity", "ASIAIRSA", "irsa-secret", "irsa-session"); // valid one hour
        AtomicReference<Instant> now = new AtomicReference<>(StsFake.NOW);
        Clock moving = new Clock() {
            @Override
            public ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return now.get();
            }
        };
        CredentialsProvider refreshing = new RefreshingCredentialsProvider(
                WebIdentityCredentialsProvider.fromEnvironment(env::get, () -> sts.client(moving), moving), moving,
                w -> { });
        refreshing.credentials();
        now.set(StsFake.NOW.plus(Duration.ofMinutes(50)));
        refreshing.credentials();
        assertEquals(1, sts.server.getAllServeEvents().size(), "fresh credentials are not fetched again");
        Files.writeString(token, "token-after-rotation");
        now.set(StsFake.NOW.plus(Duration.ofMinutes(56)));
        refreshing.credentials();
        assertEquals(2, sts.server.getAllServeEvents().size(), "within five minutes of expiry they are");
        sts.server.verify(1, postRequestedFor(urlEqualTo("/")).withRequestBody(containing(
                "WebIdentityToken=token-after-rotation")));
    }

    @Test
    void withoutASessionNameOneIsMadeUp() throws IOException {
        env.put("AWS_WEB_IDENTITY_TOKEN_FILE", Files.writeString(dir.resolve("t"), "tok").toString());
        env.put("AWS_ROLE_ARN", ROLE);
        sts.answer("AssumeRoleWithWebIdentity", "ASIAIRSA", "irsa-secret", "irsa-session");
        provider().credentials();
        sts.server.verify(postRequestedFor(urlEqualTo("/")).withRequestBody(containing(
                "RoleSessionName=gpbackup-s3-plugin-" + clock.millis() + "&")));
    }

    @Test
    void withNeitherVariableTheSourceIsNotConfiguredAndWithHalfItFails() {
        assertEquals("AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN are not set",
                assertThrows(SourceNotConfiguredException.class, () -> provider().credentials()).getMessage());
        env.put("AWS_ROLE_ARN", ROLE);
        CredentialsException roleOnly = assertThrows(CredentialsException.class, () -> provider().credentials());
        assertFalse(roleOnly instanceof SourceNotConfiguredException, "a role without its token is a failure");
        assertEquals("AWS_WEB_IDENTITY_TOKEN_FILE is not set while AWS_ROLE_ARN is", roleOnly.getMessage());
        assertEquals(java.util.Optional.of("AWS_ROLE_ARN"), provider().configuredBy());
        env.remove("AWS_ROLE_ARN");
        env.put("AWS_WEB_IDENTITY_TOKEN_FILE", dir.resolve("token").toString());
        CredentialsException tokenOnly = assertThrows(CredentialsException.class, () -> provider().credentials());
        assertFalse(tokenOnly instanceof SourceNotConfiguredException, "a token without its role is a failure");
        assertEquals("AWS_ROLE_ARN is not set while AWS_WEB_IDENTITY_TOKEN_FILE is", tokenOnly.getMessage());
        assertEquals(0, sts.server.getAllServeEvents().size());
    }

    @Test
    void aMissingOrEmptyTokenFileIsNamed() throws IOException {
        env.put("AWS_ROLE_ARN", ROLE);
        env.put("AWS_WEB_IDENTITY_TOKEN_FILE", dir.resolve("absent").toString());
        assertEquals("the web identity token file " + dir.resolve("absent") + " (environment) does not exist",
                assertThrows(CredentialsException.class, () -> provider().credentials()).getMessage());
        env.put("AWS_WEB_IDENTITY_TOKEN_FILE", Files.writeString(dir.resolve("empty"), "\n").toString());
        assertTrue(assertThrows(CredentialsException.class, () -> provider().credentials()).getMessage()
                .endsWith("is empty"));
    }
}
