package gpbackup.s3plugin.auth;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.http.Fault;
import gpbackup.s3plugin.leaks.TestSecrets;
import gpbackup.s3plugin.http.HttpClients;
import gpbackup.s3plugin.http.HttpTransport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 25: a source the environment or a profile configures is the DBA's choice. When it fails,
 * the lookup fails with its line, and the sources after it are not asked, while a fake container
 * agent and a fake instance role stand ready on loopback and would answer. Only a source that is
 * not configured passes on to the next.
 */
class ConfiguredSourceStopsTheChainTest {
    private static final String ROLE = "arn:aws:iam::123456789012:role/irsa";
    private static final String PROFILE_ROLE = "arn:aws:iam::123456789012:role/backup";
    private static final String WEB_TOKEN = TestSecrets.WEB_IDENTITY_TOKEN;
    private static final String ROLES_PATH = "/latest/meta-data/iam/security-credentials/";

    @TempDir
    Path home;
    private final StsFake sts = new StsFake();
    private final WireMockServer imds = new WireMockServer(wireMockConfig().dynamicPort().bindAddress("127.0.0.1"));
    private final WireMockServer container = new WireMockServer(wireMockConfig().dynamicPort()
            .bindAddress("127.0.0.1"));
    private final MutableClock clock = new MutableClock(StsFake.NOW);
    private final Map<String, String> env = new HashMap<>();

    @BeforeEach
    void fakesStandReady() throws IOException {
        Files.createDirectories(home.resolve(".aws"));
        env.put("HOME", home.toString());
        env.put("AWS_ENDPOINT_URL_STS", sts.url());
        imds.start();
        imds.stubFor(put(urlEqualTo("/latest/api/token")).willReturn(aResponse().withBody("imds-token")));
        imds.stubFor(get(urlEqualTo(ROLES_PATH)).willReturn(aResponse().withBody("node-role\n")));
        imds.stubFor(get(urlEqualTo(ROLES_PATH + "node-role")).willReturn(aResponse().withBody(
                "{\"Code\":\"Success\",\"AccessKeyId\":\"ASIANODE\",\"SecretAccessKey\":\"node-secret\","
                        + "\"Token\":\"node-token\",\"Expiration\":\"" + StsFake.NOW.plusSeconds(3600) + "\"}")));
        env.put("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:" + imds.port());
        container.start();
        container.stubFor(get(urlEqualTo("/creds")).willReturn(aResponse().withBody(
                "{\"AccessKeyId\":\"ASIAPOD\",\"SecretAccessKey\":\"pod-secret\",\"Token\":\"pod-token\"}")));
    }

    @AfterEach
    void stop() {
        sts.close();
        imds.stop();
        container.stop();
    }

    private void webIdentity() throws IOException {
        env.put("AWS_WEB_IDENTITY_TOKEN_FILE", Files.writeString(home.resolve("token"), WEB_TOKEN).toString());
        env.put("AWS_ROLE_ARN", ROLE);
    }

    /** A container agent that would answer, configured after the failing source. */
    private void containerStandsReady() {
        env.put("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:" + container.port() + "/creds");
    }

    private CredentialsChain chain() {
        return new CredentialsChain(CredentialSources.sources(Optional.empty(), env::get,
                AwsConfigFiles.from(env::get), "eu-west-1", clock, sts -> HttpTransport.of(HttpClients.direct(Duration.ofSeconds(10)))));
    }

    /** The lookup fails with one line naming the failed source; neither later fake was asked. */
    private String failsWithoutAskingTheContainerOrTheInstanceRole(String source) {
        ConfiguredSourceFailedException e = assertThrows(ConfiguredSourceFailedException.class,
                () -> chain().credentials());
        String message = e.getMessage();
        assertEquals(source, e.source());
        assertTrue(message.startsWith(source), message);
        assertTrue(message.endsWith("; the sources after it were not tried"), message);
        assertEquals(1, message.lines().count(), message);
        assertFalse(message.contains(WEB_TOKEN), "the web identity token is never shown");
        assertEquals(0, container.findAll(anyRequestedFor(anyUrl())).size(), "the container agent was asked");
        assertEquals(0, imds.findAll(anyRequestedFor(anyUrl())).size(), "the instance metadata service was asked");
        return message;
    }

    @Test
    void aWebIdentityThatStsRefusesFailsTheLookupInsteadOfSigningAsTheNodesRole() throws IOException {
        webIdentity();
        containerStandsReady();
        sts.fail("AssumeRoleWithWebIdentity", 403, "AccessDenied", "Not authorized to perform"
                + " sts:AssumeRoleWithWebIdentity with token " + WEB_TOKEN);
        String message = failsWithoutAskingTheContainerOrTheInstanceRole("web identity (role " + ROLE
                + ", environment)");
        assertTrue(message.startsWith("web identity (role " + ROLE + ", environment), configured by"
                + " AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN, failed: STS AssumeRoleWithWebIdentity for " + ROLE
                + " at 127.0.0.1 failed: AccessDenied (HTTP 403): Not authorized"), message);
    }

    @Test
    void aWebIdentityTokenThatStsCallsInvalidFailsTheLookup() throws IOException {
        webIdentity();
        containerStandsReady();
        sts.fail("AssumeRoleWithWebIdentity", 400, "InvalidIdentityToken", "No OpenIDConnect provider found");
        assertTrue(failsWithoutAskingTheContainerOrTheInstanceRole("web identity (role " + ROLE + ", environment)")
                .contains("InvalidIdentityToken (HTTP 400)"));
    }

    @Test
    void anUnreachableStsFailsTheWebIdentityLookup() throws IOException {
        webIdentity();
        containerStandsReady();
        sts.server.stubFor(StsFake.action("AssumeRoleWithWebIdentity").willReturn(aResponse()
                .withFault(Fault.CONNECTION_RESET_BY_PEER)));
        assertTrue(failsWithoutAskingTheContainerOrTheInstanceRole("web identity (role " + ROLE + ", environment)")
                .contains("STS AssumeRoleWithWebIdentity at 127.0.0.1 cannot be reached"));
    }

    @Test
    void aMissingWebIdentityTokenFileFailsTheLookup() {
        env.put("AWS_WEB_IDENTITY_TOKEN_FILE", home.resolve("not-mounted").toString());
        env.put("AWS_ROLE_ARN", ROLE);
        containerStandsReady();
        assertTrue(failsWithoutAskingTheContainerOrTheInstanceRole("web identity (role " + ROLE + ", environment)")
                .contains("the web identity token file " + home.resolve("not-mounted") + " (environment) does not exist"));
        assertEquals(0, sts.server.getAllServeEvents().size());
    }

    @Test
    void aRoleArnWithoutItsTokenFileFailsTheLookup() {
        env.put("AWS_ROLE_ARN", ROLE);
        containerStandsReady();
        assertEquals("web identity, configured by AWS_ROLE_ARN, failed: AWS_WEB_IDENTITY_TOKEN_FILE is not set while"
                + " AWS_ROLE_ARN is; the sources after it were not tried",
                failsWithoutAskingTheContainerOrTheInstanceRole("web identity"));
    }

    @Test
    void aProfileRoleWhoseAssumeRoleFailsFailsTheLookup() throws IOException {
        Files.writeString(home.resolve(".aws/credentials"), "[base]\naws_access_key_id = AKIDBASE\n"
                + "aws_secret_access_key = base-secret\n");
        Files.writeString(home.resolve(".aws/config"), "[profile prod]\nrole_arn = " + PROFILE_ROLE
                + "\nsource_profile = base\n");
        env.put("AWS_PROFILE", "prod");
        containerStandsReady();
        sts.fail("AssumeRole", 403, "AccessDenied", "User is not authorized to perform: sts:AssumeRole");
        String message = failsWithoutAskingTheContainerOrTheInstanceRole("profile 'prod'");
        assertTrue(message.startsWith("profile 'prod', configured by AWS_PROFILE, failed: STS AssumeRole for "
                + PROFILE_ROLE + " at 127.0.0.1 failed: AccessDenied (HTTP 403)"), message);
        assertFalse(message.contains("base-secret"), message);
    }

    @Test
    void theDefaultProfilesRoleWhoseAssumeRoleFailsFailsTheLookupToo() throws IOException {
        Files.writeString(home.resolve(".aws/credentials"), "[base]\naws_access_key_id = AKIDBASE\n"
                + "aws_secret_access_key = base-secret\n");
        Files.writeString(home.resolve(".aws/config"), "[default]\nrole_arn = " + PROFILE_ROLE
                + "\nsource_profile = base\n");
        containerStandsReady();
        sts.fail("AssumeRole", 403, "AccessDenied", "User is not authorized to perform: sts:AssumeRole");
        assertTrue(failsWithoutAskingTheContainerOrTheInstanceRole("profile 'default'")
                .startsWith("profile 'default' failed: STS AssumeRole for " + PROFILE_ROLE));
    }

    @Test
    void aProfileRoleWhoseCredentialSourceHasNothingFailsTheLookup() throws IOException {
        Files.writeString(home.resolve(".aws/config"), "[profile ci]\nrole_arn = " + PROFILE_ROLE
                + "\ncredential_source = Environment\n");
        env.put("AWS_PROFILE", "ci");
        containerStandsReady();
        assertEquals("profile 'ci', configured by AWS_PROFILE, failed: profile 'ci': role " + PROFILE_ROLE
                + " from Environment: the source has no credentials (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are"
                + " not set); the sources after it were not tried",
                failsWithoutAskingTheContainerOrTheInstanceRole("profile 'ci'"));
        assertEquals(0, sts.server.getAllServeEvents().size());
    }

    @Test
    void aCredentialProcessThatExitsNonZeroFailsTheLookup() throws IOException {
        Path helper = script("helper", "echo '{\"Version\":1,\"AccessKeyId\":\"AKIAPROC\",\"SecretAccessKey\":\"s\"}'\n"
                + "exit 3");
        Files.writeString(home.resolve(".aws/config"), "[profile proc]\ncredential_process = " + helper + "\n");
        env.put("AWS_PROFILE", "proc");
        containerStandsReady();
        assertEquals("profile 'proc', configured by AWS_PROFILE, failed: credential_process of profile 'proc' exited"
                + " with code 3; the sources after it were not tried",
                failsWithoutAskingTheContainerOrTheInstanceRole("profile 'proc'"));
    }

    @Test
    void aCredentialProcessThatPrintsBadJsonFailsTheLookup() throws IOException {
        Path helper = script("helper", "echo 'AccessKeyId=AKIAPROC SecretAccessKey=" + TestSecrets.PROCESS_SECRET_KEY
                + "'");
        Files.writeString(home.resolve(".aws/config"), "[default]\ncredential_process = " + helper + "\n");
        containerStandsReady();
        String message = failsWithoutAskingTheContainerOrTheInstanceRole("profile 'default'");
        assertTrue(message.contains("credential_process of profile 'default' printed something that is not a JSON"
                + " object"), message);
        assertFalse(message.contains(TestSecrets.PROCESS_SECRET_KEY), message);
    }

    @Test
    void aProfilesWebIdentityThatStsRefusesFailsTheLookup() throws IOException {
        Path token = Files.writeString(home.resolve("profile-token"), WEB_TOKEN);
        Files.writeString(home.resolve(".aws/config"), "[profile k8s]\nrole_arn = " + ROLE
                + "\nweb_identity_token_file = " + token + "\n");
        env.put("AWS_PROFILE", "k8s");
        containerStandsReady();
        sts.fail("AssumeRoleWithWebIdentity", 403, "AccessDenied", "Not authorized");
        assertTrue(failsWithoutAskingTheContainerOrTheInstanceRole("profile 'k8s'").startsWith("profile 'k8s',"
                + " configured by AWS_PROFILE, failed: STS AssumeRoleWithWebIdentity for " + ROLE));
    }

    @Test
    void profileSettingsThePluginCannotUseFailTheLookupInsteadOfPassingOn() throws IOException {
        Files.writeString(home.resolve(".aws/config"), "[profile half]\nweb_identity_token_file = /var/token\n"
                + "[profile sso]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Backup\n"
                + "[profile hop]\nrole_arn = " + PROFILE_ROLE + "\nsource_profile = empty\n[profile empty]\n"
                + "region = eu-west-1\n");
        containerStandsReady();
        env.put("AWS_PROFILE", "half");
        assertTrue(failsWithoutAskingTheContainerOrTheInstanceRole("profile 'half'")
                .contains("failed: profile 'half' has web_identity_token_file but no role_arn;"));
        env.put("AWS_PROFILE", "sso");
        assertTrue(failsWithoutAskingTheContainerOrTheInstanceRole("profile 'sso'")
                .contains("failed: profile 'sso' uses IAM Identity Center (sso_session or sso_start_url), which this"
                        + " plugin does not support"));
        env.put("AWS_PROFILE", "hop");
        assertTrue(failsWithoutAskingTheContainerOrTheInstanceRole("profile 'hop'")
                .contains("failed: profile 'empty' has no keys in "));
        assertEquals(0, sts.server.getAllServeEvents().size());
    }

    @Test
    void aContainerEndpointThatRefusesFailsTheLookupInsteadOfAskingTheInstanceRole() {
        env.put("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:" + container.port() + "/refused");
        container.stubFor(get(urlEqualTo("/refused")).willReturn(aResponse().withStatus(403)));
        ConfiguredSourceFailedException e = assertThrows(ConfiguredSourceFailedException.class,
                () -> chain().credentials());
        assertEquals("container credentials, configured by AWS_CONTAINER_CREDENTIALS_FULL_URI, failed: the container"
                + " credentials endpoint http://127.0.0.1:" + container.port() + " answered HTTP 403; the sources"
                + " after it were not tried", e.getMessage());
        assertEquals(0, imds.findAll(anyRequestedFor(anyUrl())).size(), "the instance metadata service was asked");
    }

    @Test
    void aContainerEndpointThatIsDownFailsTheLookup() {
        env.put("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/task");
        container.stubFor(get(urlEqualTo("/v2/credentials/task")).willReturn(aResponse()
                .withFault(Fault.CONNECTION_RESET_BY_PEER)));
        // The ECS address moved to the fake: the provider the chain builds always asks 169.254.170.2.
        CredentialsChain chain = new CredentialsChain(List.of(new ContainerCredentialsProvider(env::get,
                "http://127.0.0.1:" + container.port()), new InstanceMetadataCredentialsProvider(env::get, clock)));
        ConfiguredSourceFailedException e = assertThrows(ConfiguredSourceFailedException.class, chain::credentials);
        assertTrue(e.getMessage().startsWith("container credentials, configured by"
                + " AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, failed: cannot reach the container credentials endpoint"
                + " http://127.0.0.1:" + container.port()), e.getMessage());
        assertFalse(e.getMessage().contains("/v2/credentials/task"), "the relative URI is not shown");
        assertEquals(0, imds.findAll(anyRequestedFor(anyUrl())).size(), "the instance metadata service was asked");
    }

    @Test
    void withNoSourceConfiguredTheInstanceRoleAnswers() {
        CredentialsChain chain = chain();
        assertEquals("ASIANODE", chain.credentials().accessKeyId());
        assertEquals("EC2 instance metadata", chain.source());
    }

    @Test
    void aProfileForTheRegionOnlyPassesOnToTheInstanceRole() throws IOException {
        // A common EC2 set-up: AWS_PROFILE picks the region, the instance role signs.
        Files.writeString(home.resolve(".aws/config"), "[profile eu]\nregion = eu-west-1\n");
        env.put("AWS_PROFILE", "eu");
        assertEquals("ASIANODE", chain().credentials().accessKeyId());
    }

    @Test
    void anUnreachableInstanceRoleIsNotAvailableAndEverySourceIsNamed() {
        imds.resetMappings();
        imds.stubFor(get(urlEqualTo(ROLES_PATH)).willReturn(aResponse().withStatus(404)));
        CredentialsException e = assertThrows(CredentialsException.class, () -> chain().credentials());
        assertFalse(e instanceof ConfiguredSourceFailedException, e.getMessage());
        assertTrue(e.getMessage().startsWith("no AWS credentials found (environment variables: "), e.getMessage());
        // What it said is not asserted: on a loaded machine the fake may miss the one-second timeout instead.
        assertTrue(e.getMessage().contains("; EC2 instance metadata: "), e.getMessage());
    }

    @Test
    void aRefreshThatFailsKeepsTheValidSetAndNeverFallsOverToTheInstanceRole() throws IOException {
        webIdentity();
        sts.answer("AssumeRoleWithWebIdentity", "ASIAWEB", "web-secret", "web-token"); // valid one hour
        List<String> warnings = new ArrayList<>();
        CredentialsProvider refreshing = CredentialSources.chain(Optional.empty(), env::get,
                AwsConfigFiles.from(env::get), "eu-west-1", clock, sts -> HttpTransport.of(HttpClients.direct(Duration.ofSeconds(10))), warnings::add);
        assertEquals("ASIAWEB", refreshing.credentials().accessKeyId());
        sts.server.resetMappings();
        sts.fail("AssumeRoleWithWebIdentity", 403, "AccessDenied", "Not authorized");

        clock.advance(Duration.ofMinutes(56));
        assertEquals("ASIAWEB", refreshing.credentials().accessKeyId(), "the valid set stays in use");
        assertEquals(1, warnings.size(), warnings.toString());
        clock.advance(Duration.ofMinutes(5));
        CredentialsException expired = assertThrows(CredentialsException.class, refreshing::credentials);
        assertTrue(expired.getMessage().contains("STS AssumeRoleWithWebIdentity for " + ROLE), expired.getMessage());
        assertEquals(0, imds.findAll(anyRequestedFor(anyUrl())).size(), "the instance metadata service was asked");
    }

    private Path script(String name, String body) throws IOException {
        Path file = home.resolve(name);
        Files.writeString(file, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwx------"));
        return file;
    }
}
