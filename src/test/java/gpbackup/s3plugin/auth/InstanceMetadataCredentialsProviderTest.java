package gpbackup.s3plugin.auth;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.putRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The instance role source against a fake metadata service. */
class InstanceMetadataCredentialsProviderTest {
    private static final String TOKEN_PATH = "/latest/api/token";
    private static final String ROLES_PATH = "/latest/meta-data/iam/security-credentials/";
    private static final String ROLE_PATH = ROLES_PATH + "backup-role";
    private static final Instant NOW = Instant.parse("2024-05-01T12:00:00Z");

    private WireMockServer imds;
    private final Map<String, String> env = new HashMap<>();
    private final AtomicReference<Instant> now = new AtomicReference<>(NOW);
    private final Clock clock = new Clock() {
        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }
    };

    @BeforeEach
    void start() {
        imds = new WireMockServer(wireMockConfig().dynamicPort().bindAddress("127.0.0.1"));
        imds.start();
        env.put("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:" + imds.port() + "/");
    }

    @AfterEach
    void stop() {
        imds.stop();
    }

    private InstanceMetadataCredentialsProvider provider() {
        return new InstanceMetadataCredentialsProvider(env::get, clock);
    }

    private static String credentialsJson(String keyId, Instant expiration) {
        return "{\n  \"Code\" : \"Success\",\n  \"LastUpdated\" : \"2024-05-01T11:00:00Z\",\n  \"Type\" : \"AWS-HMAC\",\n"
                + "  \"AccessKeyId\" : \"" + keyId + "\",\n  \"SecretAccessKey\" : \"wJalr/XUtnFEMI+K7MDENG\",\n"
                + "  \"Token\" : \"IQoJb3JpZ2luX2VjE\\/token==\",\n  \"Expiration\" : \"" + expiration + "\"\n}";
    }

    private void stubRoleWithToken(String token, String keyId, Instant expiration) {
        imds.stubFor(get(urlEqualTo(ROLES_PATH)).withHeader("X-aws-ec2-metadata-token", equalTo(token))
                .willReturn(aResponse().withBody("backup-role\n")));
        imds.stubFor(get(urlEqualTo(ROLE_PATH)).withHeader("X-aws-ec2-metadata-token", equalTo(token))
                .willReturn(aResponse().withBody(credentialsJson(keyId, expiration))));
    }

    @Test
    void imdsV2AsksForASixHourTokenAndSendsItOnEveryRead() {
        imds.stubFor(put(urlEqualTo(TOKEN_PATH)).withHeader("X-aws-ec2-metadata-token-ttl-seconds", equalTo("21600"))
                .willReturn(aResponse().withBody("session-token-1")));
        stubRoleWithToken("session-token-1", "ASIAROLE1", NOW.plusSeconds(3600));

        Credentials credentials = provider().credentials();

        assertEquals("ASIAROLE1", credentials.accessKeyId());
        assertEquals("wJalr/XUtnFEMI+K7MDENG", credentials.secretAccessKey());
        assertEquals(Optional.of("IQoJb3JpZ2luX2VjE/token=="), credentials.sessionToken());
        assertEquals(Optional.of(NOW.plusSeconds(3600)), credentials.expiration());
        assertFalse(imds.findAll(putRequestedFor(urlEqualTo(TOKEN_PATH))).isEmpty(), "a token was asked for first");
        imds.verify(1, getRequestedFor(urlEqualTo(ROLES_PATH))
                .withHeader("X-aws-ec2-metadata-token", equalTo("session-token-1")));
        imds.verify(1, getRequestedFor(urlEqualTo(ROLE_PATH))
                .withHeader("X-aws-ec2-metadata-token", equalTo("session-token-1")));
    }

    @Test
    void theTokenIsReusedUntilItExpires() {
        imds.stubFor(put(urlEqualTo(TOKEN_PATH)).willReturn(aResponse().withBody("session-token-1")));
        stubRoleWithToken("session-token-1", "ASIAROLE1", NOW.plusSeconds(3600));
        InstanceMetadataCredentialsProvider provider = provider();

        provider.credentials();
        now.set(NOW.plusSeconds(3600));
        provider.credentials();
        assertFalse(imds.findAll(putRequestedFor(urlEqualTo(TOKEN_PATH))).isEmpty(), "a token was asked for first");

        now.set(NOW.plusSeconds(21600));
        provider.credentials();
        imds.verify(2, putRequestedFor(urlEqualTo(TOKEN_PATH)));
    }

    @ParameterizedTest(name = "token request answered {0}")
    @ValueSource(ints = {403, 404, 405})
    void refusedTokenRequestsFallBackToImdsV1(int status) {
        imds.stubFor(put(urlEqualTo(TOKEN_PATH)).willReturn(aResponse().withStatus(status)));
        imds.stubFor(get(urlEqualTo(ROLES_PATH)).withHeader("X-aws-ec2-metadata-token", absent())
                .willReturn(aResponse().withBody("backup-role")));
        imds.stubFor(get(urlEqualTo(ROLE_PATH)).withHeader("X-aws-ec2-metadata-token", absent())
                .willReturn(aResponse().withBody(credentialsJson("ASIAV1", NOW.plusSeconds(900)))));

        assertEquals("ASIAV1", provider().credentials().accessKeyId());
    }

    @Test
    void aTokenRequestThatTimesOutFallsBackToImdsV1() {
        // The token would come a minute late; the V1 stubs below match only without a token, so
        // the right answer proves the token request was given up, whatever the machine's speed.
        // Three seconds a request, not one, so a busy machine's V1 answers still come in time.
        env.put(InstanceMetadataCredentialsProvider.TIMEOUT_VARIABLE, "3");
        imds.stubFor(put(urlEqualTo(TOKEN_PATH)).willReturn(aResponse().withFixedDelay(60_000).withBody("late")));
        imds.stubFor(get(urlEqualTo(ROLES_PATH)).withHeader("X-aws-ec2-metadata-token", absent())
                .willReturn(aResponse().withBody("backup-role")));
        imds.stubFor(get(urlEqualTo(ROLE_PATH)).withHeader("X-aws-ec2-metadata-token", absent())
                .willReturn(aResponse().withBody(credentialsJson("ASIAV1", NOW.plusSeconds(900)))));

        assertEquals("ASIAV1", provider().credentials().accessKeyId());
        assertFalse(imds.findAll(putRequestedFor(urlEqualTo(TOKEN_PATH))).isEmpty(), "a token was asked for first");
        imds.verify(1, putRequestedFor(urlEqualTo(TOKEN_PATH)));
    }

    @Test
    void aSlowServiceIsWaitedForAsLongAsTheTimeoutVariableSays() {
        env.put(InstanceMetadataCredentialsProvider.TIMEOUT_VARIABLE, "10");
        imds.stubFor(put(urlEqualTo(TOKEN_PATH)).willReturn(aResponse().withFixedDelay(1_500).withBody("slow-token")));
        stubRoleWithToken("slow-token", "ASIASLOW", NOW.plusSeconds(3600));

        assertEquals("ASIASLOW", provider().credentials().accessKeyId(), "a 1.5 s answer is in time under 10 s");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "-1", "1.5", "ten", "10000"})
    void aBadTimeoutVariableIsOneLineWithoutNetworkIo(String seconds) {
        env.put(InstanceMetadataCredentialsProvider.TIMEOUT_VARIABLE, seconds);

        CredentialsException e = assertThrows(CredentialsException.class, () -> provider().credentials());
        assertEquals("AWS_METADATA_SERVICE_TIMEOUT must be a whole number of seconds from 1 to 9999", e.getMessage());
        assertTrue(imds.getAllServeEvents().isEmpty(), "no request was sent");
    }

    @Test
    void aBadTokenRequestFailsWithoutFallingBack() {
        imds.stubFor(put(urlEqualTo(TOKEN_PATH)).willReturn(aResponse().withStatus(400)));

        CredentialsException e = assertThrows(CredentialsException.class, () -> provider().credentials());
        assertTrue(e.getMessage().contains("400"), e.getMessage());
        imds.verify(0, getRequestedFor(urlEqualTo(ROLES_PATH)));
    }

    @Test
    void anExpiredTokenIsReplacedWhenTheServiceAnswers401() {
        imds.stubFor(put(urlEqualTo(TOKEN_PATH)).inScenario("token").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withBody("old-token")).willSetStateTo("renewed"));
        imds.stubFor(put(urlEqualTo(TOKEN_PATH)).inScenario("token").whenScenarioStateIs("renewed")
                .willReturn(aResponse().withBody("new-token")));
        imds.stubFor(get(urlEqualTo(ROLES_PATH)).withHeader("X-aws-ec2-metadata-token", equalTo("old-token"))
                .willReturn(aResponse().withStatus(401)));
        stubRoleWithToken("new-token", "ASIANEW", NOW.plusSeconds(3600));

        assertEquals("ASIANEW", provider().credentials().accessKeyId());
        imds.verify(2, putRequestedFor(urlEqualTo(TOKEN_PATH)));
    }

    @Test
    void theDisabledFlagSkipsTheServiceWithoutAnyRequest() {
        env.put("AWS_EC2_METADATA_DISABLED", "true");

        CredentialsException e = assertThrows(CredentialsException.class, () -> provider().credentials());
        assertTrue(e.getMessage().contains("AWS_EC2_METADATA_DISABLED"), e.getMessage());
        assertEquals(0, imds.getAllServeEvents().size());
    }

    @Test
    void aMalformedEndpointOverrideIsACredentialsErrorWithoutNetworkIo() {
        env.put("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://bad host");
        CredentialsException e = assertThrows(CredentialsException.class, () -> provider().credentials());
        assertEquals("AWS_EC2_METADATA_SERVICE_ENDPOINT is not an http(s) URL", e.getMessage());
        env.put("AWS_EC2_METADATA_SERVICE_ENDPOINT", "ftp://169.254.169.254");
        assertThrows(CredentialsException.class, () -> provider().credentials());
        assertEquals(0, imds.getAllServeEvents().size());
    }

    @Test
    void anInstanceWithoutARoleSaysSo() {
        imds.stubFor(put(urlEqualTo(TOKEN_PATH)).willReturn(aResponse().withBody("t")));
        imds.stubFor(get(urlEqualTo(ROLES_PATH)).willReturn(aResponse().withStatus(404)));

        CredentialsException e = assertThrows(CredentialsException.class, () -> provider().credentials());
        assertTrue(e.getMessage().contains("no IAM role"), e.getMessage());
    }

    @Test
    void malformedCredentialsNeverEchoTheAnswer() {
        imds.stubFor(put(urlEqualTo(TOKEN_PATH)).willReturn(aResponse().withBody("t")));
        imds.stubFor(get(urlEqualTo(ROLES_PATH)).willReturn(aResponse().withBody("backup-role")));
        imds.stubFor(get(urlEqualTo(ROLE_PATH)).willReturn(aResponse().withBody("{\"SecretAccessKey\": \"leak-me")));

        CredentialsException e = assertThrows(CredentialsException.class, () -> provider().credentials());
        assertFalse(e.getMessage().contains("leak-me"), e.getMessage());
    }

    @Test
    void temporaryCredentialsAreRefreshedFiveMinutesBeforeTheyExpire() {
        imds.stubFor(put(urlEqualTo(TOKEN_PATH)).willReturn(aResponse().withBody("t")));
        imds.stubFor(get(urlEqualTo(ROLES_PATH)).willReturn(aResponse().withBody("backup-role")));
        imds.stubFor(get(urlEqualTo(ROLE_PATH)).inScenario("rotate").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withBody(credentialsJson("ASIAFIRST", NOW.plusSeconds(3600))))
                .willSetStateTo("rotated"));
        imds.stubFor(get(urlEqualTo(ROLE_PATH)).inScenario("rotate").whenScenarioStateIs("rotated")
                .willReturn(aResponse().withBody(credentialsJson("ASIASECOND", NOW.plusSeconds(7200)))));
        RefreshingCredentialsProvider refreshing = new RefreshingCredentialsProvider(provider(), clock, w -> { });

        assertEquals("ASIAFIRST", refreshing.credentials().accessKeyId());
        now.set(NOW.plusSeconds(3600 - 301));
        assertEquals("ASIAFIRST", refreshing.credentials().accessKeyId(), "still fresh: no refresh");
        imds.verify(1, getRequestedFor(urlEqualTo(ROLE_PATH)));
        now.set(NOW.plusSeconds(3600 - 299));
        assertEquals("ASIASECOND", refreshing.credentials().accessKeyId(), "refreshed inside the last 5 minutes");
    }

    @Test
    void aFailedRefreshKeepsUsingCredentialsThatAreStillValid() {
        imds.stubFor(put(urlEqualTo(TOKEN_PATH)).willReturn(aResponse().withBody("t")));
        imds.stubFor(get(urlEqualTo(ROLES_PATH)).willReturn(aResponse().withBody("backup-role")));
        imds.stubFor(get(urlEqualTo(ROLE_PATH)).inScenario("outage").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withBody(credentialsJson("ASIAFIRST", NOW.plusSeconds(3600))))
                .willSetStateTo("down"));
        imds.stubFor(get(urlEqualTo(ROLE_PATH)).inScenario("outage").whenScenarioStateIs("down")
                .willReturn(aResponse().withStatus(500)));
        java.util.List<String> warnings = new java.util.ArrayList<>();
        RefreshingCredentialsProvider refreshing = new RefreshingCredentialsProvider(provider(), clock, warnings::add);

        refreshing.credentials();
        now.set(NOW.plusSeconds(3600 - 60));
        assertEquals("ASIAFIRST", refreshing.credentials().accessKeyId(), "stale but valid beats failing");
        assertEquals(1, warnings.size());
        assertFalse(warnings.get(0).contains("wJalr"), "no secret in the warning");

        now.set(NOW.plusSeconds(3600 + 1));
        assertThrows(CredentialsException.class, refreshing::credentials, "expired and no refresh: fail");
    }
}
