package gpbackup.s3plugin.it;

import static gpbackup.s3plugin.it.AgentHarness.waitFor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's lifecycle on a real host (spec/agent.md, "Lifecycle"): cleanup finds and stops the
 * agent its setup started whatever was removed or edited meanwhile, one agent per key, a new jar
 * never served by an old agent, and no directory left behind.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(SharedS3Proxy.class)
class AgentLifecycleIT {
    private static final String BUCKET = "agent-lifecycle-it";
    private static final Duration SECONDS = Duration.ofSeconds(10);

    private S3ProxyServer server;
    private Path testDir;
    private AgentHarness agents;

    @BeforeAll
    void createBucket(S3ProxyServer shared) throws Exception {
        server = shared;
        new RawS3Client(server.endpoint()).createBucket(BUCKET);
    }

    @BeforeEach
    void fresh(@TempDir Path dir) {
        testDir = dir;
        agents = new AgentHarness(server, BUCKET, dir);
    }

    /** Every live agent process of this test, found by its command line, not by any file. */
    private List<ProcessHandle> agentProcesses() throws IOException {
        String base = agents.agentBase().toString();
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().arguments().map(List::of).orElse(List.of()).stream()
                        .anyMatch(a -> a.startsWith(base + "/")))
                .filter(p -> p.info().arguments().map(a -> List.of(a).contains("agent_serve")).orElse(false))
                .toList();
    }

    private Duration cleanup(Path cfg, Path dir) throws Exception {
        long start = System.nanoTime();
        agents.ok(agents.plugin.run("cleanup_plugin_for_backup", cfg.toString(), dir.toString(), "segment_host"));
        return Duration.ofNanos(System.nanoTime() - start);
    }

    private void assertNoAgentLeft() throws Exception {
        waitFor(() -> {
            try {
                return agentProcesses().isEmpty() && agents.agentDirs().isEmpty();
            } catch (IOException e) {
                return false;
            }
        }, "no agent process and no agent directory");
    }

    @Test
    void cleanupStopsTheAgentWhosePidFileWasRemoved() throws Exception {
        Path cfg = agents.config("nopid", Map.of());
        Path dir = agents.segmentDir();
        agents.hooks("setup_plugin_for_backup", cfg, dir);
        ProcessHandle agent = agents.theAgent();
        Files.delete(agents.agentDirs().get(0).resolve("pid"));
        Duration took = cleanup(cfg, dir);
        assertFalse(agent.isAlive(), "cleanup stopped the agent");
        assertTrue(took.compareTo(SECONDS) < 0, "cleanup took " + took);
        assertNoAgentLeft();
    }

    @Test
    void aRemovedPidFileIsPublishedAgainAndCallsStillReachTheAgent() throws Exception {
        Path cfg = agents.config("repid", Map.of());
        Path dir = agents.segmentDir();
        agents.hooks("setup_plugin_for_backup", cfg, dir);
        agents.theAgent();
        Path pid = agents.agentDirs().get(0).resolve("pid");
        Files.delete(pid);
        waitFor(() -> Files.exists(pid), "the pid file to be published again");
        agents.ok(agents.plugin.run(new byte[] {1}, "backup_data", cfg.toString(), dir.resolve("t").toString()));
        assertEquals(1, agents.relayedCount("backup_data"));
        assertTrue(agents.log().contains("its pid file was removed"), agents.log());
        cleanup(cfg, dir);
        assertNoAgentLeft();
    }

    @Test
    void cleanupAfterTheConfigWasEditedStopsTheAgentOfTheOldContent() throws Exception {
        Path cfg = agents.config("edited", Map.of());
        Path dir = agents.segmentDir();
        agents.hooks("setup_plugin_for_backup", cfg, dir);
        ProcessHandle agent = agents.theAgent();
        Files.writeString(cfg, Files.readString(cfg) + "# edited by the DBA\n");
        Duration took = cleanup(cfg, dir);
        assertFalse(agent.isAlive(), "cleanup stopped the agent of the config before its edit");
        assertTrue(took.compareTo(SECONDS) < 0, "cleanup took " + took);
        assertNoAgentLeft();
    }

    @Test
    void aRemovedLockFileNeitherAllowsASecondAgentNorHidesTheFirst() throws Exception {
        Path cfg = agents.config("nolock", Map.of());
        Path dir = agents.segmentDir();
        agents.hooks("setup_plugin_for_backup", cfg, dir);
        ProcessHandle agent = agents.theAgent();
        Files.delete(agents.agentDirs().get(0).resolve("lock"));
        // At once, before the agent could notice, and again after.
        agents.hooks("setup_plugin_for_backup", cfg, dir);
        Thread.sleep(2500);
        agents.hooks("setup_plugin_for_backup", cfg, dir);
        Thread.sleep(2500);
        assertEquals(List.of(agent), agentProcesses(), "one agent per key");
        assertTrue(Files.exists(agents.agentDirs().get(0).resolve("lock")), "the agent locked a new lock file");
        Duration took = cleanup(cfg, dir);
        assertTrue(took.compareTo(SECONDS) < 0, "cleanup took " + took);
        assertNoAgentLeft();
    }

    @Test
    void theAgentsFilesStayFreshForTmpCleaners() throws Exception {
        Path cfg = agents.config("fresh", Map.of());
        Path dir = agents.segmentDir();
        agents.hooks("setup_plugin_for_backup", cfg, dir);
        agents.theAgent();
        Path agentDir = agents.agentDirs().get(0);
        FileTime old = FileTime.from(Instant.now().minus(Duration.ofDays(30)));
        List<Path> files = List.of(agentDir, agentDir.resolve("lock"), agentDir.resolve("pid"), agentDir.resolve("requests"));
        for (Path file : files) {
            Files.setLastModifiedTime(file, old);
        }
        waitFor(() -> files.stream().allMatch(f -> {
            try {
                return Files.getLastModifiedTime(f).toInstant().isAfter(Instant.now().minusSeconds(60));
            } catch (IOException e) {
                return false;
            }
        }), "the agent to touch its files");
        cleanup(cfg, dir);
        assertNoAgentLeft();
    }

    @Test
    void aNewJarIsNeverServedByTheOldAgent() throws Exception {
        Path bin = Files.createDirectories(testDir.resolve("bin"));
        Path launcher = Files.copy(PluginRunner.executable(), bin.resolve("gpbackup_s3_plugin"));
        Path jar = bin.resolve("gpbackup_s3_plugin.jar");
        Files.copy(Path.of("target/gpbackup_s3_plugin.jar"), jar);
        agents.plugin.withLauncher(launcher);
        Path cfg = agents.config("hotfix", Map.of());
        Path dir = agents.segmentDir();
        agents.hooks("setup_plugin_for_backup", cfg, dir);
        ProcessHandle old = agents.theAgent();

        // The hotfix: other bytes at the same path, as a DBA's cp over the old file writes them.
        byte[] hotfix = rebuiltWithExtraEntry(jar);
        try (OutputStream out = Files.newOutputStream(jar)) {
            out.write(hotfix);
        }
        agents.ok(agents.plugin.run(new byte[] {5}, "backup_data", cfg.toString(), dir.resolve("t").toString()));
        assertEquals(0, agents.relayedCount("backup_data"), "the new jar's call did not reach the old agent");
        long deadline = System.nanoTime() + SECONDS.toNanos();
        while (old.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertFalse(old.isAlive(), agents.log());
        assertTrue(agents.log().contains("changed; exiting"), agents.log());
        agents.hooks("setup_plugin_for_backup", cfg, dir);
        ProcessHandle renewed = agents.theAgent();
        assertNotEquals(old.pid(), renewed.pid());
        agents.ok(agents.plugin.run(new byte[] {6}, "backup_data", cfg.toString(), dir.resolve("t2").toString()));
        assertEquals(1, agents.relayedCount("backup_data"), "the new agent serves the new jar's calls");
        cleanup(cfg, dir);
        assertNoAgentLeft();
    }

    private static byte[] rebuiltWithExtraEntry(Path jar) throws IOException {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (InputStream in = Files.newInputStream(jar); JarInputStream source = new JarInputStream(in);
             JarOutputStream target = new JarOutputStream(bytes, source.getManifest())) {
            for (JarEntry entry = source.getNextJarEntry(); entry != null; entry = source.getNextJarEntry()) {
                target.putNextEntry(new JarEntry(entry.getName()));
                source.transferTo(target);
                target.closeEntry();
            }
            target.putNextEntry(new JarEntry("hotfix.txt"));
            target.write("hotfix".getBytes(StandardCharsets.US_ASCII));
            target.closeEntry();
        }
        return bytes.toByteArray();
    }
}
