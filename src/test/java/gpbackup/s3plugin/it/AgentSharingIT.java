package gpbackup.s3plugin.it;

import static gpbackup.s3plugin.it.AgentHarness.randomBytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
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

    /**
     * With every place held by a stalled reader (one place: a 48 MB budget in a 128 MiB heap), a
     * call beyond the limit is sent back after its patience and runs on its own: it completes,
     * silently and with the same bytes, where it would otherwise wait for the stalled readers.
     */
    @Test
    void aFreshCallRunsOnItsOwnWhenEveryPlaceIsHeldByAStalledReader() throws Exception {
        agents.plugin.withEnv("GPBACKUP_S3_PLUGIN_JAVA_OPTS", "-Xmx128m").withEnv("BASH_COMPAT", "42");
        Path cfg = agents.config("full", Map.of("memory_budget", "48MB"));
        Path dir = agents.segmentDir();
        // The segment host's hook alone: the others start no agent, and each costs a JVM start.
        agents.ok(agents.plugin.run("setup_plugin_for_restore", cfg.toString(), dir.toString(), "segment_host"));
        agents.theAgent();
        byte[] table = randomBytes(5 * 1024 * 1024, 2);
        agents.ok(agents.plugin.run(table, "backup_data", cfg.toString(), dir.resolve("t").toString()));
        assertTrue(agents.log().contains("host agent runs up to 1 calls at once"), agents.log());

        List<Process> stalled = new ArrayList<>();
        try {
            // One more than the places: the second waits behind the first, then runs (and stalls) on its own.
            for (int i = 0; i < 2; i++) {
                stalled.add(agents.plugin.start("restore_data", cfg.toString(), dir.resolve("t").toString()));
            }
            AgentHarness.waitFor(() -> {
                try {
                    return agents.relayedCount("restore_data") == 2;
                } catch (java.io.IOException e) {
                    return false;
                }
            }, "the stalled restores to reach the agent");

            long start = System.nanoTime();
            Process fresh = agents.plugin.start("restore_data", cfg.toString(), dir.resolve("t").toString());
            fresh.getOutputStream().close();
            var out = PluginRunner.readAll(fresh.getInputStream());
            var err = PluginRunner.readAll(fresh.getErrorStream());
            boolean ended = fresh.waitFor(30, TimeUnit.SECONDS);
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            if (!ended) {
                fresh.destroyForcibly();
            }
            assertTrue(ended, "the fresh restore was still waiting after " + took + "\nlog:\n" + agents.log());
            assertEquals(0, fresh.exitValue(), new String(err.join(), StandardCharsets.UTF_8));
            assertEquals("", new String(err.join(), StandardCharsets.UTF_8), "the fallback is silent");
            assertArrayEquals(table, out.join());
            assertTrue(agents.log().contains("runs restore_data on its own: every call the host agent runs has waited"),
                    agents.log());
            assertTrue(agents.log().contains("restore_data runs in a process of its own: the host agent (pid"),
                    "the fresh call's own log says why:\n" + agents.log());
        } finally {
            for (Process reader : stalled) {
                reader.descendants().forEach(ProcessHandle::destroyForcibly);
                reader.destroyForcibly();
            }
        }
        agents.ok(agents.plugin.run("cleanup_plugin_for_restore", cfg.toString(), dir.toString(), "segment_host"));
    }
}
