package gpbackup.s3plugin.cli;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import gpbackup.s3plugin.leaks.RunOutputs;
import gpbackup.s3plugin.s3.WireMockS3;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the tests running whole commands against WireMock share: the server, a home holding a plugin
 * config that points at it, and the runs' stdout and stderr, kept for the suite's scan for secrets.
 * Each test still builds its own {@link Main}: clocks, stdin and terminals differ.
 */
abstract class WireMockCommandFixture {
    @RegisterExtension
    final WireMockExtension server = WireMockExtension.newInstance().options(WireMockS3.serverOptions()).build();

    @TempDir
    Path home;

    Path config;
    final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    final ByteArrayOutputStream stderr = new ByteArrayOutputStream();

    /** What this test's runs printed and logged, kept for the suite's scan for secrets (NoSecretInOutputs). */
    @AfterEach
    void keepOutputsForTheSecretScan(TestInfo test) {
        RunOutputs.keep(getClass().getSimpleName() + "." + test.getTestMethod().map(Method::getName).orElse("?"),
                stdout.toByteArray(), stderr.toString(StandardCharsets.UTF_8));
        RunOutputs.keepLogs(home);
    }

    @BeforeEach
    void writeConfig() throws IOException {
        config = Files.writeString(home.resolve("s3_config.yaml"), """
                executablepath: /usr/local/greenplum-db/bin/gpbackup_s3_plugin
                options:
                  region: us-east-1
                  endpoint: http://127.0.0.1:%d
                  encryption: off
                  aws_access_key_id: AKID
                  aws_secret_access_key: %s
                  bucket: bucket
                  folder: f
                """.formatted(server.getPort(), WireMockS3.SECRET) + moreOptions());
    }

    /** Option lines the config adds at its end, each indented two spaces: by default, no retries. */
    String moreOptions() {
        return "  max_request_retries: 0\n";
    }
}
