package gpbackup.s3plugin.auth;

import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Profiles that assume a role, run a credential_process or use a web identity token file. */
class ProfileRoleCredentialsTest {
    private static final String ROLE = "arn:aws:iam::123456789012:role/backup";
    @TempDir
    Path home;
    private final StsFake sts = new StsFake();
    private final Clock clock = StsFake.fixedClock();
    private final Map<String, String> env = new HashMap<>();

    @AfterEach
    void stop() {
        sts.close();
    }

    private ProfileCredentialsProvider profile(String name, String credentials, String config) throws IOException {
        Path aws = Files.createDirectories(home.resolve(".aws"));
        Files.writeString(aws.resolve("credentials"), credentials);
        Files.writeString(aws.resolve("config"), config);
        env.put("HOME", home.toString());
        env.put("AWS_PROFILE", name);
        env.put("AWS_EC2_METADATA_DISABLED", "true");
        return new ProfileCredentialsProvider(AwsConfigFiles.from(env::get), env::get, clock, () -> sts.client(clock));
    }

    @Test
    void aRoleFromASourceProfileIsAssumedWithItsKeysAndOptions() throws IOException {
        sts.answer("AssumeRole", "ASIAROLE", "role-secret", "role-token");
        ProfileCredentialsProvider provider = profile("prod", "[base]\naws_access_key_id = AKIDBASE\n"
                + "aws_secret_access_key = base-secret\n", "[profile prod]\nrole_arn = " + ROLE + "\n"
                + "source_profile = base\nexternal_id = ext-7\nduration_seconds = 3600\nrole_session_name = gp\n");
        assertEquals("ASIAROLE", provider.credentials().accessKeyId());
        sts.server.verify(postRequestedFor(urlEqualTo("/"))
                .withHeader("Authorization", matching("AWS4-HMAC-SHA256 Credential=AKIDBASE/20260301/eu-west-1/sts/.*"))
                .withRequestBody(containing("RoleSessionName=gp&ExternalId=ext-7&DurationSeconds=3600")));
        assertEquals("profile 'prod': role " + ROLE + " from profile 'base'", provider.source());
    }

    @Test
    void sourceProfilesChainThroughRoles() throws IOException {
        sts.server.stubFor(StsFake.action("AssumeRole").withRequestBody(containing("role%2Fhop"))
                .willReturn(com.github.tomakehurst.wiremock.client.WireMock.aResponse().withBody(StsFake.success(
                        "AssumeRole", "ASIAHOP", "hop-secret", "hop-token", StsFake.NOW.plusSeconds(3600)))));
        sts.server.stubFor(StsFake.action("AssumeRole").withRequestBody(containing("role%2Fbackup"))
                .willReturn(com.github.tomakehurst.wiremock.client.WireMock.aResponse().withBody(StsFake.success(
                        "AssumeRole", "ASIAFINAL", "final-secret", "final-token", StsFake.NOW.plusSeconds(3600)))));
        ProfileCredentialsProvider provider = profile("prod", "[base]\naws_access_key_id = AKIDBASE\n"
                + "aws_secret_access_key = base-secret\n", "[profile hop]\nrole_arn = arn:aws:iam::1:role/hop\n"
                + "source_profile = base\n[profile prod]\nrole_arn = " + ROLE + "\nsource_profile = hop\n");
        assertEquals("ASIAFINAL", provider.credentials().accessKeyId());
        sts.server.verify(postRequestedFor(urlEqualTo("/")).withRequestBody(containing("role%2Fbackup"))
                .withHeader("Authorization", matching(".*Credential=ASIAHOP/.*"))
                .withHeader("X-Amz-Security-Token", com.github.tomakehurst.wiremock.client.WireMock.equalTo("hop-token")));
    }

    @Test
    void aProfileMayNameItselfAsSourceToUseItsOwnKeys() throws IOException {
        sts.answer("AssumeRole", "ASIAROLE", "role-secret", "role-token");
        ProfileCredentialsProvider provider = profile("self", "[self]\naws_access_key_id = AKIDSELF\n"
                + "aws_secret_access_key = self-secret\nrole_arn = " + ROLE + "\nsource_profile = self\n", "");
        assertEquals("ASIAROLE", provider.credentials().accessKeyId());
        sts.server.verify(postRequestedFor(urlEqualTo("/")).withHeader("Authorization",
                matching(".*Credential=AKIDSELF/.*")));
    }

    @Test
    void aSourceProfileCycleIsNamedNotFollowedForever() throws IOException {
        ProfileCredentialsProvider provider = profile("a", "", "[profile a]\nrole_arn = " + ROLE + "\nsource_profile = b\n"
                + "[profile b]\nrole_arn = " + ROLE + "\nsource_profile = c\n[profile c]\nrole_arn = " + ROLE
                + "\nsource_profile = a\n");
        assertEquals("source_profile forms a cycle: a -> b -> c -> a",
                assertThrows(CredentialsException.class, provider::credentials).getMessage());
        assertEquals(0, sts.server.getAllServeEvents().size());
    }

    @Test
    void mfaIsRefusedWithOneClearLine() throws IOException {
        ProfileCredentialsProvider provider = profile("mfa", "[base]\naws_access_key_id = A\naws_secret_access_key = s\n",
                "[profile mfa]\nrole_arn = " + ROLE + "\nsource_profile = base\n"
                        + "mfa_serial = arn:aws:iam::123456789012:mfa/gpadmin\n");
        assertEquals("profile 'mfa' asks for MFA (mfa_serial), which a backup cannot answer: use a role without an"
                + " MFA condition, or credential_process with cached credentials",
                assertThrows(CredentialsException.class, provider::credentials).getMessage());
    }

    @Test
    void credentialSourceEnvironmentSignsWithTheEnvironmentKeys() throws IOException {
        sts.answer("AssumeRole", "ASIAROLE", "role-secret", "role-token");
        ProfileCredentialsProvider provider = profile("ci", "", "[profile ci]\nrole_arn = " + ROLE
                + "\ncredential_source = Environment\n");
        env.put("AWS_ACCESS_KEY_ID", "AKIDENV");
        env.put("AWS_SECRET_ACCESS_KEY", "env-secret");
        assertEquals("ASIAROLE", provider.credentials().accessKeyId());
        sts.server.verify(postRequestedFor(urlEqualTo("/")).withHeader("Authorization",
                matching(".*Credential=AKIDENV/.*")));
        assertEquals("profile 'ci': role " + ROLE + " from Environment", provider.source());
    }

    @Test
    void credentialSourceEcsContainerSignsWithTheContainerKeys() throws IOException {
        sts.answer("AssumeRole", "ASIAROLE", "role-secret", "role-token");
        sts.server.stubFor(com.github.tomakehurst.wiremock.client.WireMock.get(urlEqualTo("/task")).willReturn(
                com.github.tomakehurst.wiremock.client.WireMock.aResponse().withBody("{\"AccessKeyId\":\"ASIATASK\","
                        + "\"SecretAccessKey\":\"task-secret\",\"Token\":\"task-token\"}")));
        ProfileCredentialsProvider provider = profile("ecs", "", "[profile ecs]\nrole_arn = " + ROLE
                + "\ncredential_source = EcsContainer\n");
        env.put("AWS_CONTAINER_CREDENTIALS_FULL_URI", sts.url() + "/task");
        assertEquals("ASIAROLE", provider.credentials().accessKeyId());
        sts.server.verify(postRequestedFor(urlEqualTo("/")).withHeader("Authorization",
                matching(".*Credential=ASIATASK/.*")));
        assertEquals("profile 'ecs': role " + ROLE + " from EcsContainer", provider.source());
    }

    @Test
    void roleSettingsThatCannotWorkAreNamed() throws IOException {
        assertEquals("profile 'x' has credential_source 'Ec2'; use Environment, Ec2InstanceMetadata or EcsContainer",
                assertThrows(CredentialsException.class, profile("x", "", "[profile x]\nrole_arn = " + ROLE
                        + "\ncredential_source = Ec2\n")::credentials).getMessage());
        assertEquals("profile 'x' has role_arn but no source_profile, credential_source or web_identity_token_file",
                assertThrows(CredentialsException.class, profile("x", "", "[profile x]\nrole_arn = " + ROLE + "\n")
                        ::credentials).getMessage());
        assertEquals("profile 'x' has both source_profile and credential_source; keep one",
                assertThrows(CredentialsException.class, profile("x", "", "[profile x]\nrole_arn = " + ROLE
                        + "\nsource_profile = y\ncredential_source = Environment\n")::credentials).getMessage());
        assertEquals("profile 'x' has duration_seconds '60'; STS accepts 900 to 43200",
                assertThrows(CredentialsException.class, profile("x", "[y]\naws_access_key_id = A\n"
                        + "aws_secret_access_key = s\n", "[profile x]\nrole_arn = " + ROLE
                        + "\nsource_profile = y\nduration_seconds = 60\n")::credentials).getMessage());
        assertTrue(assertThrows(CredentialsException.class, profile("x", "", "[profile x]\nrole_arn = " + ROLE
                + "\nsource_profile = ghost\n")::credentials).getMessage()
                .startsWith("profile 'x' names source_profile 'ghost', which is in neither "));
    }

    @Test
    void aWebIdentityTokenFileInTheProfile() throws IOException {
        sts.answer("AssumeRoleWithWebIdentity", "ASIAWEB", "web-secret", "web-token");
        Path token = Files.writeString(home.resolve("token"), "profile-web-token");
        ProfileCredentialsProvider provider = profile("k8s", "", "[profile k8s]\nrole_arn = " + ROLE
                + "\nweb_identity_token_file = " + token + "\n");
        assertEquals("ASIAWEB", provider.credentials().accessKeyId());
        sts.server.verify(postRequestedFor(urlEqualTo("/")).withRequestBody(containing("WebIdentityToken=profile-web-token")));
        assertEquals("web identity (role " + ROLE + ", profile 'k8s')", provider.source());
    }

    @Test
    void aCredentialProcessInTheProfile() throws IOException {
        Path helper = home.resolve("helper");
        Files.writeString(helper, "#!/bin/sh\necho '{\"Version\":1,\"AccessKeyId\":\"AKIAPROC\",\"SecretAccessKey\":\"s\"}'\n");
        Files.setPosixFilePermissions(helper, PosixFilePermissions.fromString("rwx------"));
        ProfileCredentialsProvider provider = profile("proc", "", "[profile proc]\ncredential_process = " + helper + "\n");
        assertEquals("AKIAPROC", provider.credentials().accessKeyId());
        assertEquals("profile 'proc': credential_process", provider.source());
    }

    @Test
    void staticKeysStillComeFromOneSectionAndNameTheirFile() throws IOException {
        ProfileCredentialsProvider provider = profile("default", "[default]\naws_access_key_id = AKID\n"
                + "aws_secret_access_key = s\n", "[default]\nregion = eu-west-1\n");
        assertEquals("AKID", provider.credentials().accessKeyId());
        assertEquals("profile 'default': keys in " + home.resolve(".aws/credentials"), provider.source());
    }
}
