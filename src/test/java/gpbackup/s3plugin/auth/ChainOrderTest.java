package gpbackup.s3plugin.auth;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gpbackup.s3plugin.http.HttpClients;
import gpbackup.s3plugin.http.HttpTransport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole chain in the AWS SDKs' order, against one fake that plays STS and the container agent:
 * config keys, environment keys, web identity, profile, container, instance role; and the name of
 * the source that answered, for {@code check}.
 */
class ChainOrderTest {
    private static final String ROLE = "arn:aws:iam::123456789012:role/irsa";
    @TempDir
    Path home;
    private final StsFake fake = new StsFake();
    private final Clock clock = StsFake.fixedClock();
    private final Map<String, String> env = new HashMap<>();

    @BeforeEach
    void setUp() throws IOException {
        Files.createDirectories(home.resolve(".aws"));
        env.put("HOME", home.toString());
        env.put("AWS_EC2_METADATA_DISABLED", "true");
        env.put("AWS_ENDPOINT_URL_STS", fake.url());
        fake.answer("AssumeRoleWithWebIdentity", "ASIAWEB", "web-secret", "web-token");
        fake.server.stubFor(get(urlEqualTo("/pod")).willReturn(aResponse().withBody(
                "{\"AccessKeyId\":\"ASIAPOD\",\"SecretAccessKey\":\"pod-secret\",\"Token\":\"pod-token\"}")));
    }

    @AfterEach
    void stop() {
        fake.close();
    }

    private void webIdentity() throws IOException {
        env.put("AWS_WEB_IDENTITY_TOKEN_FILE", Files.writeString(home.resolve("token"), "projected").toString());
        env.put("AWS_ROLE_ARN", ROLE);
    }

    private void profileKeys() throws IOException {
        Files.writeString(home.resolve(".aws/credentials"), "[default]\naws_access_key_id = AKIDPROFILE\n"
                + "aws_secret_access_key = profile-secret\n");
    }

    private void container() {
        env.put("AWS_CONTAINER_CREDENTIALS_FULL_URI", fake.url() + "/pod");
    }

    private CredentialsChain chain(Optional<Credentials> configKeys) {
        return new CredentialsChain(CredentialSources.sources(configKeys, env::get, AwsConfigFiles.from(env::get),
                "eu-west-1", clock, sts -> HttpTransport.of(HttpClients.direct(Duration.ofSeconds(10)))));
    }

    @Test
    void configKeysWithTheirSessionTokenComeFirst() throws IOException {
        webIdentity();
        CredentialsChain chain = chain(Optional.of(Credentials.of("ASIACONFIG", "config-secret", "config-token")));
        Credentials credentials = chain.credentials();
        assertEquals("ASIACONFIG", credentials.accessKeyId());
        assertEquals(Optional.of("config-token"), credentials.sessionToken());
        assertEquals("config file keys", chain.source());
    }

    @Test
    void environmentKeysBeatWebIdentity() throws IOException {
        webIdentity();
        env.put("AWS_ACCESS_KEY_ID", "AKIDENV");
        env.put("AWS_SECRET_ACCESS_KEY", "env-secret");
        CredentialsChain chain = chain(Optional.empty());
        assertEquals("AKIDENV", chain.credentials().accessKeyId());
        assertEquals("environment variables", chain.source());
    }

    @Test
    void webIdentityBeatsTheProfileAndTheContainer() throws IOException {
        webIdentity();
        profileKeys();
        container();
        CredentialsChain chain = chain(Optional.empty());
        assertEquals("ASIAWEB", chain.credentials().accessKeyId());
        assertEquals("web identity (role " + ROLE + ", environment)", chain.source());
    }

    @Test
    void theProfileBeatsTheContainer() throws IOException {
        profileKeys();
        container();
        CredentialsChain chain = chain(Optional.empty());
        assertEquals("AKIDPROFILE", chain.credentials().accessKeyId());
        assertTrue(chain.source().startsWith("profile 'default': keys in "), chain.source());
    }

    @Test
    void theContainerAnswersWhenNothingBeforeItDoes() {
        container();
        CredentialsChain chain = chain(Optional.empty());
        assertEquals("ASIAPOD", chain.credentials().accessKeyId());
        assertEquals("container credentials", chain.source());
    }

    @Test
    void whenNothingAnswersEverySourceIsNamedInOrder() {
        CredentialsException e = org.junit.jupiter.api.Assertions.assertThrows(CredentialsException.class,
                () -> chain(Optional.empty()).credentials());
        String message = e.getMessage();
        int env = message.indexOf("environment variables:");
        int web = message.indexOf("web identity: AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN are not set");
        int profile = message.indexOf("profile 'default':");
        int container = message.indexOf("container credentials: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and");
        int imds = message.indexOf("EC2 instance metadata: disabled");
        assertTrue(env >= 0 && env < web && web < profile && profile < container && container < imds, message);
        assertEquals("no source has answered yet", chain(Optional.empty()).source());
    }

    @Test
    void theRefreshingWrapperNamesTheSameSource() throws IOException {
        webIdentity();
        CredentialsProvider refreshing = CredentialSources.chain(Optional.empty(), env::get,
                AwsConfigFiles.from(env::get), "eu-west-1", clock, sts -> HttpTransport.of(HttpClients.direct(Duration.ofSeconds(10))), w -> { });
        refreshing.credentials();
        assertEquals("web identity (role " + ROLE + ", environment)", refreshing.source());
    }
}
