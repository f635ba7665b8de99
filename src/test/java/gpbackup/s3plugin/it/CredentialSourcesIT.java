package gpbackup.s3plugin.it;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import gpbackup.s3plugin.it.PluginRunner.Result;
import gpbackup.s3plugin.leaks.TestSecrets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Backups and restores against S3Proxy with keys from issue 20's sources: a credential_process
 * in a profile, and web identity (IRSA) through a fake STS. No token appears in any output or log.
 * A configured source that fails fails the call, even where an instance role would answer (issue 25).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(SharedS3Proxy.class)
class CredentialSourcesIT {
    private static final String BUCKET = "credential-sources-it";
    private static final String TS = "20260301100000";
    private static final String SESSION_TOKEN = TestSecrets.SESSION_TOKEN;
    private static final String WEB_TOKEN = TestSecrets.WEB_IDENTITY_TOKEN;

    private Path work;
    private S3ProxyServer server;

    @BeforeAll
    void start(S3ProxyServer shared, @TempDir Path dir) throws Exception {
        work = dir;
        server = shared;
        new RawS3Client(server.endpoint()).createBucket(BUCKET);
    }

    private Path keylessConfig(String folder) throws IOException {
        Map<String, String> options = new HashMap<>(PluginConfigFile.options(server, BUCKET, folder, Map.of()));
        options.remove("aws_access_key_id");
        options.remove("aws_secret_access_key");
        return PluginConfigFile.handWritten(work.resolve("cfg-" + folder), options);
    }

    /** backup_data then restore_data of 1 MiB, the round trip asserted; the outputs returned. */
    private List<String> roundTrip(PluginRunner plugin, Path config, String name) throws Exception {
        byte[] data = new byte[1024 * 1024 + 7];
        new Random(name.hashCode()).nextBytes(data);
        Path dir = Files.createDirectories(work.resolve(name).resolve("backups/20260301").resolve(TS));
        String path = dir.resolve("gpbackup_0_" + TS).toString();
        Result backup = plugin.run(data, "backup_data", config.toString(), path);
        assertEquals(0, backup.exitCode(), backup::toString);
        Result restore = plugin.run("restore_data", config.toString(), path);
        assertEquals(0, restore.exitCode(), restore::toString);
        assertArrayEquals(data, restore.stdout());
        return List.of(backup.stderr(), restore.stderr());
    }

    /** Every line the runs printed and every log file under the home directory is free of the tokens. */
    private static void assertNoTokenIn(Path home, List<String> outputs) throws IOException {
        StringBuilder all = new StringBuilder(String.join("\n", outputs));
        try (Stream<Path> files = Files.walk(home)) {
            for (Path file : files.filter(Files::isRegularFile).filter(f -> f.toString().endsWith(".log")).toList()) {
                all.append(Files.readString(file));
            }
        }
        for (String secret : List.of(SESSION_TOKEN, WEB_TOKEN, S3ProxyServer.SECRET_KEY)) {
            assertFalse(all.toString().contains(secret), "a secret reached an output or log: " + secret);
        }
    }

    @Test
    void keysFromACredentialProcessInTheProfile() throws Exception {
        Path home = Files.createDirectories(work.resolve("home-process"));
        Path helper = home.resolve("credential-helper");
        Files.writeString(helper, "#!/bin/sh\necho 'helper chatter on stderr " + SESSION_TOKEN + "' >&2\n"
                + "printf '{\"Version\": 1, \"AccessKeyId\": \"%s\", \"SecretAccessKey\": \"%s\", \"SessionToken\": \"%s\","
                + " \"Expiration\": \"%s\"}\\n' '" + S3ProxyServer.ACCESS_KEY + "' '" + S3ProxyServer.SECRET_KEY + "' '"
                + SESSION_TOKEN + "' '" + Instant.now().plusSeconds(3600) + "'\n");
        Files.setPosixFilePermissions(helper, PosixFilePermissions.fromString("rwx------"));
        Path aws = Files.createDirectories(home.resolve(".aws"));
        Files.writeString(aws.resolve("config"), "[profile backup]\ncredential_process = " + helper + " --for gpbackup\n");
        PluginRunner plugin = new PluginRunner(home).withEnv("AWS_EC2_METADATA_DISABLED", "true")
                .withEnv("AWS_PROFILE", "backup");
        List<String> outputs = roundTrip(plugin, keylessConfig("process"), "process");
        assertNoTokenIn(home, outputs);

        Files.writeString(aws.resolve("config"), "[profile backup]\ncredential_process = sh -c 'echo "
                + SESSION_TOKEN + "; exit 7'\n");
        Result failed = plugin.run("list_directory", keylessConfig("process").toString());
        assertNotEquals(0, failed.exitCode());
        assertEquals(1, failed.stderr().strip().lines().count(), failed.stderr());
        assertFalse(failed.stderr().contains(SESSION_TOKEN), failed.stderr());
        assertEquals(true, failed.stderr().contains("credential_process of profile 'backup' exited with code 7"),
                failed.stderr());
    }

    @Test
    void keysFromWebIdentityThroughStsForKubernetesIrsa() throws Exception {
        WireMockServer sts = new WireMockServer(wireMockConfig().dynamicPort().bindAddress("127.0.0.1"));
        sts.start();
        try {
            sts.stubFor(post(urlEqualTo("/")).withRequestBody(containing("Action=AssumeRoleWithWebIdentity&"))
                    .willReturn(aResponse().withHeader("Content-Type", "text/xml").withBody(
                            "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials>"
                                    + "<AccessKeyId>" + S3ProxyServer.ACCESS_KEY + "</AccessKeyId>"
                                    + "<SecretAccessKey>" + S3ProxyServer.SECRET_KEY + "</SecretAccessKey>"
                                    + "<SessionToken>" + SESSION_TOKEN + "</SessionToken>"
                                    + "<Expiration>" + Instant.now().plusSeconds(3600) + "</Expiration>"
                                    + "</Credentials></AssumeRoleWithWebIdentityResult>"
                                    + "</AssumeRoleWithWebIdentityResponse>")));
            Path home = Files.createDirectories(work.resolve("home-irsa"));
            Path token = Files.writeString(home.resolve("token"), WEB_TOKEN);
            PluginRunner plugin = new PluginRunner(home).withEnv("AWS_EC2_METADATA_DISABLED", "true")
                    .withEnv("AWS_WEB_IDENTITY_TOKEN_FILE", token.toString())
                    .withEnv("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/gpbackup-irsa")
                    .withEnv("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:" + sts.port());
            List<String> outputs = roundTrip(plugin, keylessConfig("irsa"), "irsa");
            assertNoTokenIn(home, outputs);
            // One STS call per plugin process: the credentials outlive both.
            sts.verify(2, postRequestedFor(urlEqualTo("/")).withRequestBody(containing("WebIdentityToken=" + WEB_TOKEN)));
        } finally {
            sts.stop();
        }
    }

    @Test
    void aRefusedWebIdentityFailsTheCallWhileAnInstanceRoleWithWorkingKeysStandsReady() throws Exception {
        WireMockServer sts = new WireMockServer(wireMockConfig().dynamicPort().bindAddress("127.0.0.1"));
        WireMockServer imds = new WireMockServer(wireMockConfig().dynamicPort().bindAddress("127.0.0.1"));
        sts.start();
        imds.start();
        try {
            sts.stubFor(post(urlEqualTo("/")).willReturn(aResponse().withStatus(403).withHeader("Content-Type", "text/xml")
                    .withBody("<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>Not"
                            + " authorized to perform sts:AssumeRoleWithWebIdentity</Message></Error></ErrorResponse>")));
            // The node's role holds keys S3Proxy accepts: falling through to it would make the backup succeed.
            imds.stubFor(put(urlEqualTo("/latest/api/token")).willReturn(aResponse().withBody("imds-token")));
            imds.stubFor(get(urlEqualTo("/latest/meta-data/iam/security-credentials/")).willReturn(
                    aResponse().withBody("node-role")));
            imds.stubFor(get(urlEqualTo("/latest/meta-data/iam/security-credentials/node-role")).willReturn(
                    aResponse().withBody("{\"Code\":\"Success\",\"AccessKeyId\":\"" + S3ProxyServer.ACCESS_KEY
                            + "\",\"SecretAccessKey\":\"" + S3ProxyServer.SECRET_KEY + "\",\"Token\":\""
                            + SESSION_TOKEN + "\",\"Expiration\":\"" + Instant.now().plusSeconds(3600) + "\"}")));
            Path home = Files.createDirectories(work.resolve("home-refused-irsa"));
            Path token = Files.writeString(home.resolve("token"), WEB_TOKEN);
            PluginRunner plugin = new PluginRunner(home)
                    .withEnv("AWS_WEB_IDENTITY_TOKEN_FILE", token.toString())
                    .withEnv("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/gpbackup-irsa")
                    .withEnv("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:" + sts.port())
                    .withEnv("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:" + imds.port())
                    // A cold JVM's first requests on a busy machine can take more than the default second.
                    .withEnv("AWS_METADATA_SERVICE_TIMEOUT", "10");
            Path dir = Files.createDirectories(work.resolve("refused-irsa/backups/20260301").resolve(TS));
            Result backup = plugin.run(new byte[] {1, 2, 3}, "backup_data", keylessConfig("refused-irsa").toString(),
                    dir.resolve("gpbackup_0_" + TS).toString());
            assertNotEquals(0, backup.exitCode(), backup::toString);
            String err = backup.stderr().strip();
            assertEquals(1, err.lines().count(), err);
            assertTrue(err.contains("web identity (role arn:aws:iam::123456789012:role/gpbackup-irsa, environment),"
                    + " configured by AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN, failed: STS"
                    + " AssumeRoleWithWebIdentity"), err);
            assertTrue(err.contains("AccessDenied (HTTP 403)") && err.endsWith("the sources after it were not tried"),
                    err);
            assertEquals(0, imds.findAll(anyRequestedFor(anyUrl())).size(), "the instance role was asked");
            assertEquals(List.of(), new RawS3Client(server.endpoint()).keys(BUCKET, "refused-irsa"), "nothing was written");
            assertNoTokenIn(home, List.of(err));
        } finally {
            sts.stop();
            imds.stop();
        }
    }
}
