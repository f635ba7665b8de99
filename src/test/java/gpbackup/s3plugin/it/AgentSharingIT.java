package gpbackup.s3plugin.it;

import static gpbackup.s3plugin.it.AgentHarness.randomBytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Readers that stall hold their own share of the agent only (spec/agent.md, "Sharing"). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(SharedS3Proxy.class)
class AgentSharingIT {
    private static final String BUCKET = "agent-sharing-it";
    private static final int STALLED = 16;

    private S3ProxyServer server;
    private AgentHarness agents;

    @BeforeAll
    void createBucket(S3ProxyServer shared) throws Exception {
        server = shared;
        new RawS3Client(server.endpoint()).createBucket(BUCKET);
    }

    @BeforeEach
    void fresh(@TempDir Path dir) {
        agents = new AgentHarness(server, BUCKET, dir);
    }

    @Test
    void aFreshCallRunsAtNormalSpeedWhileSixteenReadersStall() throws Exception {
        Path cfg = agents.config("stall", Map.of("memory_budget", "16MB"));
        Path dir = agents.segmentDir();
        agents.hooks("setup_plugin_for_restore", cfg, dir);
        agents.theAgent();
        byte[] table = randomBytes(5 * 1024 * 1024, 1);
        agents.ok(agents.plugin.run(table, "backup_data", cfg.toString(), dir.resolve("t").toString()));

        List<Process> stalled = new ArrayList<>();
        try {
            for (int i = 0; i < STALLED; i++) {
                // Nobody reads their stdout: each stops once the pipes are full.
                stalled.add(agents.plugin.start("restore_data", cfg.toString(), dir.resolve("t").toString()));
            }
            AgentHarness.waitFor(() -> {
                try {
                    return agents.relayedCount("restore_data") == STALLED;
                } catch (java.io.IOException e) {
                    return false;
                }
            }, "the stalled restores to reach the agent");
            Thread.sleep(2000);

            long start = System.nanoTime();
            byte[] restored = agents.ok(agents.plugin.run("restore_data", cfg.toString(),
                    dir.resolve("t").toString())).stdout();
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertArrayEquals(table, restored);
            assertTrue(took.compareTo(Duration.ofSeconds(10)) < 0, "the fresh restore took " + took);
        } finally {
            for (Process reader : stalled) {
                reader.descendants().forEach(ProcessHandle::destroyForcibly);
                reader.destroyForcibly();
            }
        }
        agents.hooks("cleanup_plugin_for_restore", cfg, dir);
    }
}
