package gpbackup.s3plugin.cli;

import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.ok;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import gpbackup.s3plugin.command.plugin.AgentHooks;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The setup hook's warning when it cannot start the host agent says why: the directory it could
 * not use, the system's reason, and the agent root it derived it from (spec/agent.md).
 */
class NoHostAgentWarningTest extends WireMockCommandFixture {
    private static final String DIR = "/data/sdw1/gpseg0/backups/20240101/20240101120000";

    private final Map<String, String> environment = new HashMap<>();

    @BeforeEach
    void aReadableFolder() {
        server.stubFor(get(urlPathEqualTo("/bucket")).willReturn(ok(
                "<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>")));
        environment.put("HOME", home.toString());
        environment.put("HOSTNAME", "sdw1");
    }

    /** Runs the segment host's restore setup hook and returns its log's WARNING lines. */
    private List<String> setupWarnings() throws IOException {
        int status = new Main(environment::get, InputStream.nullInputStream(), stdout,
                new PrintStream(stderr, true, StandardCharsets.UTF_8), Clock.systemUTC(), false)
                .run(new String[] {"setup_plugin_for_restore", config.toString(), DIR, "segment_host"});
        assertEquals(0, status, "no agent is never a failure: " + stderr);
        try (Stream<Path> logs = Files.list(home.resolve("gpAdminLogs"))) {
            StringBuilder text = new StringBuilder();
            for (Path log : logs.toList()) {
                text.append(Files.readString(log));
            }
            return text.toString().lines().filter(l -> l.contains("[WARNING]")).toList();
        }
    }

    private void agentUnder(Path root) {
        environment.put(AgentHooks.DIR_VARIABLE, root + "/gpbackup_s3_plugin-0/0123456789abcdef0123456789abcdef");
        environment.put(AgentHooks.LAUNCHER_VARIABLE, "/nonexistent/gpbackup_s3_plugin");
    }

    @Test
    void anAgentRootThatDoesNotExistIsNamedAsSuch() throws IOException {
        Path root = home.resolve("no/such/root");
        agentUnder(root);
        assertEquals(List.of("no host agent; each call runs on its own: cannot create " + root
                + "/gpbackup_s3_plugin-0: " + root + " does not exist (the agent root " + root
                + ": GPBACKUP_S3_PLUGIN_AGENT_ROOT, else /tmp)"), setupWarnings().stream()
                .map(l -> l.substring(l.indexOf("no host agent"))).toList());
        assertFalse(Files.exists(home.resolve("no")), "nothing is created above the root");
    }

    @Test
    void anAgentRootThatIsAFileGivesTheSystemsReason() throws IOException {
        Path root = Files.writeString(home.resolve("root-file"), "not a directory");
        agentUnder(root);
        List<String> warnings = setupWarnings();
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).endsWith("no host agent; each call runs on its own: cannot use " + root
                + "/gpbackup_s3_plugin-0: Not a directory (the agent root " + root
                + ": GPBACKUP_S3_PLUGIN_AGENT_ROOT, else /tmp)"), warnings.get(0));
    }

    @Test
    void aSharedAgentDirectoryIsNamedWithWhatIsWrongWithIt() throws IOException {
        Path root = Files.createDirectory(home.resolve("root"));
        Files.createDirectory(root.resolve("gpbackup_s3_plugin-0"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        Files.setPosixFilePermissions(root.resolve("gpbackup_s3_plugin-0"), PosixFilePermissions.fromString("rwxr-xr-x"));
        agentUnder(root);
        List<String> warnings = setupWarnings();
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).endsWith("no host agent; each call runs on its own: " + root
                + "/gpbackup_s3_plugin-0 has mode 755, not 700"), warnings.get(0));
    }

    @Test
    void aDirectoryTheLauncherCouldNotDeriveIsSaidWithItsReason() throws IOException {
        environment.put(AgentHooks.UNDERIVED_VARIABLE, "the launcher could not derive the host agent's directory:"
                + " sha256sum of the config /x and the jar /y failed");
        List<String> warnings = setupWarnings();
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).endsWith("no host agent; each call runs on its own: the launcher could not derive"
                + " the host agent's directory: sha256sum of the config /x and the jar /y failed"), warnings.get(0));
    }

    @Test
    void runWithoutTheLauncherTheHookSaysNothingOfAnAgent() throws IOException {
        assertEquals(List.of(), setupWarnings());
    }
}
