package gpbackup.s3plugin.it;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.putRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import gpbackup.s3plugin.it.PluginRunner.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Backups and restores against S3Proxy with keys from each source of the credential chain, and
 * through a proxy to a TLS endpoint signed by a private CA (a TLS S3Proxy of its own; the plain
 * one is shared with the other end-to-end classes).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(SharedS3Proxy.class)
class CredentialsAndNetworkIT {
    private static final String BUCKET = "credentials-it";
    private static final String TS = "20240303030303";

    private Path work;
    private S3ProxyServer server;
    private S3ProxyServer tlsServer;
    private TestCertificate certificate;

    @BeforeAll
    void start(S3ProxyServer shared, @TempDir Path dir) throws Exception {
        work = dir;
        server = shared;
        new RawS3Client(server.endpoint()).createBucket(BUCKET);
        certificate = TestCertificate.create(Files.createDirectories(dir.resolve("cert")));
        tlsServer = S3ProxyServer.start(Files.createDirectories(dir.resolve("tls")), certificate);
        new RawS3Client(tlsServer.endpoint(), certificate).createBucket(BUCKET);
    }

    @AfterAll
    void stop() {
        tlsServer.close();
    }

    /** Options without keys: the plugin must find them elsewhere. */
    private Map<String, String> keylessOptions(S3ProxyServer target, String folder) {
        Map<String, String> options = new HashMap<>(PluginConfigFile.options(target, BUCKET, folder, Map.of()));
        options.remove("aws_access_key_id");
        options.remove("aws_secret_access_key");
        options.remove("encryption");
        return options;
    }

    /** backup_data then restore_data of 6 MiB (multipart), asserting the round trip. */
    private void roundTrip(PluginRunner plugin, Path config, String name) throws Exception {
        byte[] data = new byte[6 * 1024 * 1024 + 9];
        new Random(name.hashCode()).nextBytes(data);
        Path dir = Files.createDirectories(work.resolve(name).resolve("backups/20240303").resolve(TS));
        String path = dir.resolve("gpbackup_0_" + TS).toString();
        Result backup = plugin.run(data, "backup_data", config.toString(), path);
        assertEquals(0, backup.exitCode(), backup::toString);
        Result restore = plugin.run("restore_data", config.toString(), path);
        assertEquals(0, restore.exitCode(), restore::toString);
        assertArrayEquals(data, restore.stdout());
    }

    private PluginRunner runner(String name) throws Exception {
        return new PluginRunner(Files.createDirectories(work.resolve("home-" + name)))
                .withEnv("AWS_EC2_METADATA_DISABLED", "true");
    }

    @Test
    void keysFromTheConfigFile() throws Exception {
        Path config = PluginConfigFile.handWritten(work.resolve("cfg-config"),
                PluginConfigFile.options(server, BUCKET, "from-config", Map.of()));
        roundTrip(runner("config"), config, "config");
    }

    @Test
    void keysFromTheEnvironment() throws Exception {
        Path config = PluginConfigFile.handWritten(work.resolve("cfg-env"), keylessOptions(server, "from-env"));
        PluginRunner plugin = runner("env")
                .withEnv("AWS_ACCESS_KEY_ID", S3ProxyServer.ACCESS_KEY)
                .withEnv("AWS_SECRET_ACCESS_KEY", S3ProxyServer.SECRET_KEY)
                .withEnv("AWS_SESSION_TOKEN", "session-token-from-env");
        roundTrip(plugin, config, "env");
    }

    @Test
    void keysFromAProfileInTheSharedFiles() throws Exception {
        Path home = Files.createDirectories(work.resolve("home-profile"));
        Path aws = Files.createDirectories(home.resolve(".aws"));
        Files.writeString(aws.resolve("credentials"), "[default]\naws_access_key_id = wrong\n"
                + "aws_secret_access_key = wrong\n\n[backup]\n# the profile gpadmin uses\naws_access_key_id = "
                + S3ProxyServer.ACCESS_KEY + "\naws_secret_access_key = " + S3ProxyServer.SECRET_KEY + "\n");
        Path config = PluginConfigFile.handWritten(work.resolve("cfg-profile"), keylessOptions(server, "from-profile"));
        PluginRunner plugin = new PluginRunner(home).withEnv("AWS_EC2_METADATA_DISABLED", "true")
                .withEnv("AWS_PROFILE", "backup");
        roundTrip(plugin, config, "profile");
    }

    @Test
    void keysFromTheInstanceRoleWithASessionToken() throws Exception {
        WireMockServer imds = new WireMockServer(wireMockConfig().dynamicPort().bindAddress("127.0.0.1"));
        imds.start();
        try {
            imds.stubFor(put(urlEqualTo("/latest/api/token"))
                    .withHeader("X-aws-ec2-metadata-token-ttl-seconds", equalTo("21600"))
                    .willReturn(aResponse().withBody("imds-session-token")));
            imds.stubFor(get(urlEqualTo("/latest/meta-data/iam/security-credentials/"))
                    .withHeader("X-aws-ec2-metadata-token", equalTo("imds-session-token"))
                    .willReturn(aResponse().withBody("gpbackup-role")));
            imds.stubFor(get(urlEqualTo("/latest/meta-data/iam/security-credentials/gpbackup-role"))
                    .withHeader("X-aws-ec2-metadata-token", equalTo("imds-session-token"))
                    .willReturn(aResponse().withBody("{\"Code\":\"Success\",\"AccessKeyId\":\"" + S3ProxyServer.ACCESS_KEY
                            + "\",\"SecretAccessKey\":\"" + S3ProxyServer.SECRET_KEY + "\",\"Token\":\"role-session-token\","
                            + "\"Expiration\":\"" + Instant.now().plusSeconds(3600) + "\"}")));
            Path config = PluginConfigFile.handWritten(work.resolve("cfg-imds"), keylessOptions(server, "from-imds"));
            PluginRunner plugin = new PluginRunner(Files.createDirectories(work.resolve("home-imds")))
                    .withEnv("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:" + imds.port())
                    // A cold JVM's first requests on a busy machine can take more than the default second.
                    .withEnv("AWS_METADATA_SERVICE_TIMEOUT", "10");
            roundTrip(plugin, config, "imds");
            // One token and one credentials fetch per plugin process, the token on every read.
            imds.verify(2, putRequestedFor(urlEqualTo("/latest/api/token")));
            imds.verify(2, getRequestedFor(urlEqualTo("/latest/meta-data/iam/security-credentials/gpbackup-role"))
                    .withHeader("X-aws-ec2-metadata-token", equalTo("imds-session-token")));
        } finally {
            imds.stop();
        }
    }

    @Test
    void withNoSourceTheErrorSaysWhatEachSourceSaid() throws Exception {
        Path config = PluginConfigFile.handWritten(work.resolve("cfg-none"), keylessOptions(server, "none"));
        Result result = runner("none").run("list_directory", config.toString());
        assertNotEquals(0, result.exitCode());
        String err = result.stderr().strip();
        assertEquals(1, err.lines().count(), err);
        assertTrue(err.contains("no AWS credentials found") && err.contains("environment variables")
                && err.contains("profile 'default'") && err.contains("AWS_EC2_METADATA_DISABLED"), err);
    }

    @Test
    void httpsThroughAnAuthenticatingProxyToAPrivateCa() throws Exception {
        try (LoopbackProxy proxy = new LoopbackProxy(Optional.of("gpadmin"), Optional.of("proxy-pass-word"))) {
            Map<String, String> options = new HashMap<>(PluginConfigFile.options(tlsServer, BUCKET, "tls", Map.of()));
            options.remove("encryption");
            options.put("ca_cert", certificate.pem().toString());
            options.put("http_proxy", "http://gpadmin:proxy-pass-word@127.0.0.1:" + proxy.port());
            Path config = PluginConfigFile.handWritten(work.resolve("cfg-tls-proxy"), options);
            roundTrip(runner("tls-proxy"), config, "tls-proxy");
            // The proxy lets nothing through without the right credentials, so every tunnel it
            // opened was authenticated; the plugin sends them up front, so none was refused.
            assertFalse(proxy.requestLines().isEmpty());
            assertTrue(proxy.requestLines().stream().allMatch(l -> l.startsWith("CONNECT 127.0.0.1:" + tlsServer.port())),
                    proxy.requestLines().toString());
            assertEquals(0, proxy.challenges());

            options.put("http_proxy", "http://gpadmin:not-the-pass-word@127.0.0.1:" + proxy.port());
            options.put("max_request_retries", "0");
            Path wrong = PluginConfigFile.handWritten(work.resolve("cfg-tls-proxy-wrong"), options);
            Result refused = runner("tls-proxy-wrong").run("list_directory", wrong.toString());
            assertNotEquals(0, refused.exitCode());
            assertTrue(refused.stderr().contains("407"), refused.stderr());
            assertFalse(refused.stderr().contains("not-the-pass-word"), "the proxy password is never printed");
            assertEquals(1, proxy.challenges());
        }
    }

    @Test
    void theProxyPasswordNeverReachesTheS3Server() throws Exception {
        // An https "S3" that records every header it receives, behind an authenticating proxy.
        WireMockServer s3 = new WireMockServer(wireMockConfig().httpDisabled(true).dynamicHttpsPort()
                .bindAddress("127.0.0.1").keystorePath(certificate.keyStore().toString())
                .keystorePassword(certificate.password()).keyManagerPassword(certificate.password())
                .keystoreType("PKCS12"));
        s3.start();
        try (LoopbackProxy proxy = new LoopbackProxy(Optional.of("gpadmin"), Optional.of("proxy-pass-word"))) {
            s3.stubFor(get(com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo("/" + BUCKET))
                    .willReturn(aResponse().withBody("<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>")));
            Map<String, String> options = new HashMap<>(Map.of("endpoint", "https://127.0.0.1:" + s3.httpsPort(),
                    "bucket", BUCKET, "folder", "f", "aws_access_key_id", "AKID", "aws_secret_access_key", "SECRET",
                    "ca_cert", certificate.pem().toString(),
                    "http_proxy", "http://gpadmin:proxy-pass-word@127.0.0.1:" + proxy.port()));
            Path config = PluginConfigFile.handWritten(work.resolve("cfg-no-leak"), options);
            Result result = runner("no-leak").run("list_directory", config.toString());
            assertEquals(0, result.exitCode(), result::toString);
            assertTrue(proxy.requestLines().get(0).startsWith("CONNECT "), proxy.requestLines().toString());
            var received = s3.getAllServeEvents();
            assertEquals(1, received.size());
            assertTrue(received.get(0).getRequest().containsHeader("Authorization"), "the SigV4 header arrives");
            assertFalse(received.get(0).getRequest().containsHeader("Proxy-Authorization"),
                    "the proxy's credentials stay with the proxy");
        } finally {
            s3.stop();
        }
    }

    @Test
    void aPrivateCaIsNotTrustedWithoutCaCert() throws Exception {
        Map<String, String> options = new HashMap<>(PluginConfigFile.options(tlsServer, BUCKET, "tls-untrusted",
                Map.of("max_request_retries", "0")));
        options.remove("encryption");
        Path config = PluginConfigFile.handWritten(work.resolve("cfg-untrusted"), options);
        Result result = runner("untrusted").run("list_directory", config.toString());
        assertNotEquals(0, result.exitCode());
        assertTrue(result.stderr().contains("TLS"), result.stderr());
        assertEquals(1, result.stderr().strip().lines().count(), result.stderr());
    }

    @Test
    void theProxyFromTheEnvironmentAndNoProxy() throws Exception {
        try (LoopbackProxy proxy = new LoopbackProxy(Optional.empty(), Optional.empty())) {
            Path config = PluginConfigFile.handWritten(work.resolve("cfg-envproxy"),
                    PluginConfigFile.options(server, BUCKET, "env-proxy", Map.of()));
            roundTrip(runner("envproxy").withEnv("HTTP_PROXY", "http://127.0.0.1:" + proxy.port()), config, "envproxy");
            int seen = proxy.requestLines().size();
            assertTrue(seen > 0, "traffic went through the proxy");
            assertTrue(proxy.requestLines().get(0).contains("http://127.0.0.1:" + server.port() + "/"),
                    proxy.requestLines().toString());

            roundTrip(runner("noproxy").withEnv("HTTP_PROXY", "http://127.0.0.1:" + proxy.port())
                    .withEnv("NO_PROXY", "localhost,127.0.0.1"), config, "noproxy");
            assertEquals(seen, proxy.requestLines().size(), "NO_PROXY bypasses the proxy");
        }
    }
}
