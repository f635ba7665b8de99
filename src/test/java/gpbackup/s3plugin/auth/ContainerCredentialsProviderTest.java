package gpbackup.s3plugin.auth;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** ECS task roles and EKS Pod Identity against a fake container agent that answers JSON. */
class ContainerCredentialsProviderTest {
    private static final Instant EXPIRATION = Instant.parse("2026-03-01T11:00:00Z");
    private static final String BODY = "{\"AccessKeyId\":\"ASIACONTAINER\",\"SecretAccessKey\":\"container-secret\","
            + "\"Token\":\"container-session\",\"Expiration\":\"" + EXPIRATION + "\",\"RoleArn\":\"arn:aws:iam::1:role/r\"}";
    @TempDir
    Path dir;
    private WireMockServer agent;
    private final Map<String, String> env = new HashMap<>();

    @BeforeEach
    void start() {
        agent = new WireMockServer(wireMockConfig().dynamicPort().bindAddress("127.0.0.1"));
        agent.start();
    }

    @AfterEach
    void stop() {
        agent.stop();
    }

    private ContainerCredentialsProvider provider() {
        return new ContainerCredentialsProvider(env::get, "http://127.0.0.1:" + agent.port());
    }

    @Test
    void ecsRelativeUriIsAskedOnTheAgentAddress() {
        agent.stubFor(get(urlEqualTo("/v2/credentials/task-1")).willReturn(aResponse().withBody(BODY)));
        env.put("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/task-1");
        Credentials credentials = provider().credentials();
        assertEquals("ASIACONTAINER", credentials.accessKeyId());
        assertEquals("container-secret", credentials.secretAccessKey());
        assertEquals(Optional.of("container-session"), credentials.sessionToken());
        assertEquals(Optional.of(EXPIRATION), credentials.expiration());
        agent.verify(getRequestedFor(urlEqualTo("/v2/credentials/task-1")).withHeader("Authorization", absent()));
    }

    @Test
    void podIdentityFullUriSendsTheTokenFromTheFileReadAtEachFetch() throws IOException {
        agent.stubFor(get(urlEqualTo("/v1/credentials")).willReturn(aResponse().withBody(BODY)));
        Path token = Files.writeString(dir.resolve("eks-pod-identity-token"), "pod-token-1\n");
        env.put("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:" + agent.port() + "/v1/credentials");
        env.put("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", token.toString());
        env.put("AWS_CONTAINER_AUTHORIZATION_TOKEN", "the-variable-loses");
        ContainerCredentialsProvider provider = provider();
        provider.credentials();
        Files.writeString(token, "pod-token-2");
        provider.credentials();
        agent.verify(1, getRequestedFor(urlEqualTo("/v1/credentials")).withHeader("Authorization", equalTo("pod-token-1")));
        agent.verify(1, getRequestedFor(urlEqualTo("/v1/credentials")).withHeader("Authorization", equalTo("pod-token-2")));
    }

    @Test
    void theTokenVariableIsSentWhenThereIsNoFile() {
        agent.stubFor(get(urlEqualTo("/creds")).willReturn(aResponse().withBody(BODY)));
        env.put("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:" + agent.port() + "/creds");
        env.put("AWS_CONTAINER_AUTHORIZATION_TOKEN", "Basic abc");
        provider().credentials();
        agent.verify(getRequestedFor(urlEqualTo("/creds")).withHeader("Authorization", equalTo("Basic abc")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://192.0.2.10/creds", "http://169.254.169.254/creds", "http://10.0.0.1:8080/x"})
    void plainHttpToAnyOtherHostIsRefusedBeforeAnyRequest(String uri) {
        env.put("AWS_CONTAINER_CREDENTIALS_FULL_URI", uri);
        env.put("AWS_CONTAINER_AUTHORIZATION_TOKEN", "must-not-travel");
        CredentialsException e = assertThrows(CredentialsException.class, () -> provider().credentials());
        assertTrue(e.getMessage().contains("which is neither loopback nor a container agent address"), e.getMessage());
        assertFalse(e.getMessage().contains("must-not-travel"));
    }

    @Test
    void errorsAreOneLineWithoutTheAnswer() {
        env.put("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/task-1");
        agent.stubFor(get(urlEqualTo("/v2/credentials/task-1")).willReturn(aResponse().withStatus(500)
                .withBody("{\"code\":\"InternalError\"}")));
        assertEquals("the container credentials endpoint http://127.0.0.1:" + agent.port() + " answered HTTP 500",
                assertThrows(CredentialsException.class, () -> provider().credentials()).getMessage());
        agent.stubFor(get(urlEqualTo("/v2/credentials/task-1")).willReturn(aResponse()
                .withBody("{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"leaked-secret\"")));
        CredentialsException malformed = assertThrows(CredentialsException.class, () -> provider().credentials());
        assertTrue(malformed.getMessage().endsWith("answered something that is not a JSON object"), malformed.getMessage());
        assertFalse(malformed.getMessage().contains("leaked-secret"));
        agent.stubFor(get(urlEqualTo("/v2/credentials/task-1")).willReturn(aResponse().withBody("{\"Token\":\"t\"}")));
        assertTrue(assertThrows(CredentialsException.class, () -> provider().credentials()).getMessage()
                .endsWith("answered without AccessKeyId or SecretAccessKey"));
    }

    @Test
    void aTokenOfTwoLinesIsRefused() throws IOException {
        env.put("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:" + agent.port() + "/creds");
        env.put("AWS_CONTAINER_AUTHORIZATION_TOKEN", "a\r\nX-Injected: yes");
        assertEquals("AWS_CONTAINER_AUTHORIZATION_TOKEN holds more than one line",
                assertThrows(CredentialsException.class, () -> provider().credentials()).getMessage());
        assertEquals(0, agent.getAllServeEvents().size());
    }

    @Test
    void withNeitherVariableThisSourceSaysSo() {
        assertEquals("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and AWS_CONTAINER_CREDENTIALS_FULL_URI are not set",
                assertThrows(CredentialsException.class, () -> provider().credentials()).getMessage());
    }
}
