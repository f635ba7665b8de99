package gpbackup.s3plugin.auth;

import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.stubbing.Scenario;
import gpbackup.s3plugin.leaks.TestSecrets;
import java.net.URI;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** STS's two calls against a fake that answers XML as AWS does, errors included. */
class StsClientTest {
    private static final String ROLE = "arn:aws:iam::123456789012:role/gpbackup";
    private static final String WEB_TOKEN = TestSecrets.WEB_IDENTITY_TOKEN;
    private final StsFake sts = new StsFake();
    private final StsClient client = sts.client(StsFake.fixedClock());

    @AfterEach
    void stop() {
        sts.close();
    }

    @Test
    void assumeRoleWithWebIdentityIsAnUnsignedFormPost() {
        sts.answer("AssumeRoleWithWebIdentity", "ASIAWEB", "web-secret", "web-session");
        Credentials credentials = client.assumeRoleWithWebIdentity(ROLE, "session-1", WEB_TOKEN);
        assertEquals("ASIAWEB", credentials.accessKeyId());
        assertEquals("web-secret", credentials.secretAccessKey());
        assertEquals(Optional.of("web-session"), credentials.sessionToken());
        assertEquals(Optional.of(StsFake.NOW.plusSeconds(3600)), credentials.expiration());
        sts.server.verify(postRequestedFor(urlEqualTo("/"))
                .withHeader("Content-Type", equalTo("application/x-www-form-urlencoded"))
                .withHeader("Authorization", absent())
                .withRequestBody(equalTo("Action=AssumeRoleWithWebIdentity&Version=2011-06-15"
                        + "&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fgpbackup&RoleSessionName=session-1"
                        + "&WebIdentityToken=" + WEB_TOKEN)));
    }

    @Test
    void assumeRoleIsSignedForStsWithTheSourceKeysAndToken() {
        sts.answer("AssumeRole", "ASIAROLE", "role-secret", "role-session");
        Credentials source = Credentials.of("AKIDSOURCE", "source-secret", "source-token");
        Credentials credentials = client.assumeRole(source, new StsClient.AssumeRole(ROLE, "nightly",
                Optional.of("ext-42"), Optional.of(1800)));
        assertEquals("ASIAROLE", credentials.accessKeyId());
        sts.server.verify(postRequestedFor(urlEqualTo("/"))
                .withHeader("Authorization", matching("AWS4-HMAC-SHA256 Credential=AKIDSOURCE/20260301/eu-west-1/sts/"
                        + "aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token,"
                        + " Signature=[0-9a-f]{64}"))
                .withHeader("X-Amz-Date", equalTo("20260301T100000Z"))
                .withHeader("X-Amz-Security-Token", equalTo("source-token"))
                .withHeader("x-amz-content-sha256", absent())
                .withRequestBody(equalTo("Action=AssumeRole&Version=2011-06-15"
                        + "&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fgpbackup&RoleSessionName=nightly"
                        + "&ExternalId=ext-42&DurationSeconds=1800")));
    }

    @Test
    void anExpiredWebIdentityTokenIsOneLineWithAHintAndNoToken() {
        sts.fail("AssumeRoleWithWebIdentity", 400, "ExpiredTokenException",
                "Token expired: current date/time 1740000000 must be before the expiration date/time 1739990000");
        CredentialsException e = assertThrows(CredentialsException.class,
                () -> client.assumeRoleWithWebIdentity(ROLE, "s", WEB_TOKEN));
        String message = e.getMessage();
        assertTrue(message.startsWith("STS AssumeRoleWithWebIdentity for " + ROLE + " at 127.0.0.1 failed:"
                + " ExpiredTokenException (HTTP 400): Token expired"), message);
        assertTrue(message.endsWith("the web identity token file holds an expired token (is it still being rotated?)"),
                message);
        assertFalse(message.contains(WEB_TOKEN));
        assertEquals(1, sts.server.getAllServeEvents().size(), "an expired token is not retried");
    }

    @Test
    void accessDeniedIsNotRetriedAndKeepsTheServersReason() {
        sts.fail("AssumeRole", 403, "AccessDenied", "User: arn:aws:iam::123456789012:user/gpadmin is not authorized"
                + " to perform: sts:AssumeRole on resource: " + ROLE);
        CredentialsException e = assertThrows(CredentialsException.class, () -> client.assumeRole(
                Credentials.of("AKID", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", null), new StsClient.AssumeRole(ROLE, "s", Optional.empty(),
                        Optional.empty())));
        assertTrue(e.getMessage().contains("AccessDenied (HTTP 403): User: arn:aws:iam::123456789012:user/gpadmin is"
                + " not authorized to perform: sts:AssumeRole"), e.getMessage());
        assertTrue(e.getMessage().endsWith("check the role's trust policy and the caller's sts:AssumeRole permission"),
                e.getMessage());
        assertEquals(1, sts.server.getAllServeEvents().size());
        assertEquals(0, sts.pauses.size());
    }

    @Test
    void throttlingIsRetriedWithGrowingPausesUntilItPasses() {
        String body = StsFake.error("Sender", "Throttling", "Rate exceeded");
        sts.server.stubFor(StsFake.action("AssumeRoleWithWebIdentity").inScenario("t").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withStatus(400).withBody(body)).willSetStateTo("once"));
        sts.server.stubFor(StsFake.action("AssumeRoleWithWebIdentity").inScenario("t").whenScenarioStateIs("once")
                .willReturn(aResponse().withStatus(400).withBody(body)).willSetStateTo("twice"));
        sts.server.stubFor(StsFake.action("AssumeRoleWithWebIdentity").inScenario("t").whenScenarioStateIs("twice")
                .willReturn(aResponse().withBody(StsFake.success("AssumeRoleWithWebIdentity", "ASIAOK", "s", "t",
                        StsFake.NOW.plusSeconds(900)))));
        assertEquals("ASIAOK", client.assumeRoleWithWebIdentity(ROLE, "s", WEB_TOKEN).accessKeyId());
        assertEquals(3, sts.server.getAllServeEvents().size());
        assertEquals(2, sts.pauses.size());
        assertTrue(sts.pauses.get(1).compareTo(sts.pauses.get(0)) > 0, sts.pauses.toString());
    }

    @Test
    void throttlingThatLastsFailsAfterTheLastAttempt() {
        sts.fail("AssumeRoleWithWebIdentity", 400, "Throttling", "Rate exceeded");
        CredentialsException e = assertThrows(CredentialsException.class,
                () -> client.assumeRoleWithWebIdentity(ROLE, "s", WEB_TOKEN));
        assertTrue(e.getMessage().contains("Throttling (HTTP 400): Rate exceeded"), e.getMessage());
        assertEquals(StsClient.MAX_ATTEMPTS, sts.server.getAllServeEvents().size());
    }

    @Test
    void anErrorMessageThatEchoesASecretIsBlanked() {
        sts.fail("AssumeRoleWithWebIdentity", 400, "InvalidIdentityToken", "cannot verify " + WEB_TOKEN);
        CredentialsException e = assertThrows(CredentialsException.class,
                () -> client.assumeRoleWithWebIdentity(ROLE, "s", WEB_TOKEN));
        assertTrue(e.getMessage().contains("InvalidIdentityToken (HTTP 400): cannot verify ****"), e.getMessage());
        assertFalse(e.getMessage().contains(WEB_TOKEN));
    }

    @Test
    void aSuccessWithoutKeysOrAnHtmlErrorIsReportedPlainly() {
        sts.server.stubFor(StsFake.action("AssumeRoleWithWebIdentity").willReturn(aResponse().withBody(
                "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult/></AssumeRoleWithWebIdentityResponse>")));
        assertTrue(assertThrows(CredentialsException.class, () -> client.assumeRoleWithWebIdentity(ROLE, "s", WEB_TOKEN))
                .getMessage().endsWith("answered without AccessKeyId, SecretAccessKey or SessionToken"));
        sts.server.resetAll();
        sts.server.stubFor(StsFake.action("AssumeRoleWithWebIdentity").willReturn(aResponse().withStatus(503)
                .withBody("<html>Service Unavailable</html>")));
        assertTrue(assertThrows(CredentialsException.class, () -> client.assumeRoleWithWebIdentity(ROLE, "s", WEB_TOKEN))
                .getMessage().endsWith("failed: HTTP 503"));
    }

    @Test
    void theEndpointIsRegionalUnlessToldOtherwise() {
        assertEquals(URI.create("https://sts.eu-west-1.amazonaws.com/"), StsClient.endpoint("eu-west-1", n -> null));
        assertEquals(URI.create("https://sts.cn-north-1.amazonaws.com.cn/"), StsClient.endpoint("cn-north-1", n -> null));
        assertEquals(URI.create("https://sts.amazonaws.com/"), StsClient.endpoint("eu-west-1",
                Map.of("AWS_STS_REGIONAL_ENDPOINTS", "legacy")::get));
        assertEquals(URI.create("https://sts.eu-west-1.amazonaws.com/"), StsClient.endpoint("eu-west-1",
                Map.of("AWS_STS_REGIONAL_ENDPOINTS", "regional")::get));
        assertEquals(URI.create("http://127.0.0.1:8080/"), StsClient.endpoint("eu-west-1",
                Map.of("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:8080")::get));
        assertEquals("AWS_ENDPOINT_URL_STS is not an http(s) URL", assertThrows(CredentialsException.class,
                () -> StsClient.endpoint("eu-west-1", Map.of("AWS_ENDPOINT_URL_STS", "sts.local")::get)).getMessage());
    }

    @Test
    void anUnreachableStsIsOneLine() {
        sts.close();
        CredentialsException e = assertThrows(CredentialsException.class,
                () -> client.assumeRoleWithWebIdentity(ROLE, "s", WEB_TOKEN));
        assertTrue(e.getMessage().startsWith("STS AssumeRoleWithWebIdentity at 127.0.0.1 cannot be reached"),
                e.getMessage());
    }
}
