package gpbackup.s3plugin.it;

import static gpbackup.s3plugin.it.AgentHarness.randomBytes;
import static gpbackup.s3plugin.it.AgentHarness.waitFor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * SIGTERM, SIGINT or SIGHUP to the agent or to a standalone call with an upload in flight
 * (spec/agent.md, "Shutdown"): the upload is aborted, no part is left in an open multipart upload,
 * the client gets one line, and the process exits non-zero within seconds.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(SharedS3Proxy.class)
class AgentShutdownIT {
    private static final String BUCKET = "agent-shutdown-it";

    private S3ProxyServer server;
    private RawS3Client raw;
    private AgentHarness agents;

    @BeforeAll
    void createBucket(S3ProxyServer shared) throws Exception {
        server = shared;
        raw = new RawS3Client(server.endpoint());
        raw.createBucket(BUCKET);
    }

    @BeforeEach
    void fresh(@TempDir Path dir) {
        agents = new AgentHarness(server, BUCKET, dir);
    }

    private static void signal(ProcessHandle process, String name) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
        assertEquals(0, kill.waitFor());
    }

    /** Starts a backup of more than two parts and returns once its multipart upload is open. */
    private Process uploadInFlight(Path cfg, Path dir, String folder) throws Exception {
        Process client = agents.plugin.start("backup_data", cfg.toString(), dir.resolve("t").toString());
        OutputStream stdin = client.getOutputStream();
        stdin.write(randomBytes(12 * 1024 * 1024, 1));
        stdin.flush();
        waitFor(() -> {
            try {
                return !raw.openUploads(BUCKET, folder + "/").isEmpty();
            } catch (IOException | InterruptedException e) {
                return false;
            }
        }, "the multipart upload to open");
        return client;
    }

    /** The client's end: one line, non-zero, and no upload left open or object stored. */
    private void assertClientFailedCleanly(Process client, String folder) throws Exception {
        try (OutputStream stdin = client.getOutputStream()) {
            stdin.write(randomBytes(1024 * 1024, 2));
        } catch (IOException pipeClosed) {
            // the client may already have ended
        }
        assertTrue(client.waitFor(30, TimeUnit.SECONDS), "the client ends within seconds");
        String stderr = new String(client.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertNotEquals(0, client.exitValue(), stderr);
        assertEquals(1, stderr.strip().lines().count(), stderr);
        assertEquals(List.of(), raw.openUploads(BUCKET, folder + "/"), "no multipart upload left open");
        assertEquals(List.of(), raw.keys(BUCKET, folder + "/"), "nothing stored");
    }

    @ParameterizedTest(name = "SIG{0}")
    @ValueSource(strings = {"TERM", "INT", "HUP"})
    void anAgentStoppedBySignalAbortsItsUploadsAndAnswersItsClients(String signal) throws Exception {
        String folder = "agent-" + signal;
        Path cfg = agents.config(folder, Map.of());
        Path dir = agents.segmentDir();
        agents.hooks("setup_plugin_for_backup", cfg, dir);
        ProcessHandle agent = agents.theAgent();
        Process client = uploadInFlight(cfg, dir, folder);
        signal(agent, signal);
        assertTrue(agent.onExit().get(30, TimeUnit.SECONDS) != null);
        assertClientFailedCleanly(client, folder);
        assertTrue(agents.log().contains("stopping on a signal"), agents.log());
        assertEquals(List.of(), agents.agentDirs(), "the agent removed its directory");
    }

    @ParameterizedTest(name = "SIG{0}")
    @ValueSource(strings = {"TERM", "HUP"})
    void aStandaloneCallStoppedBySignalAbortsItsUpload(String signal) throws Exception {
        String folder = "standalone-" + signal;
        Path cfg = agents.config(folder, Map.of("agent", "off"));
        Path dir = agents.segmentDir();
        Process client = uploadInFlight(cfg, dir, folder);
        signal(client.toHandle(), signal);
        assertClientFailedCleanly(client, folder);
        assertFalse(client.isAlive());
    }
}
