package gpbackup.s3plugin.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gpbackup.s3plugin.it.PluginRunner.Result;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The host agent end to end (spec/agent.md): the launcher, the agent JVM and S3Proxy, run as
 * gpbackup runs them on a segment host.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(SharedS3Proxy.class)
class AgentIT {
    private static final String BUCKET = "agent-it";
    private static final String TS = "20240102030405";

    private S3ProxyServer server;
    private RawS3Client raw;
    private Path testDir;
    private PluginRunner plugin;

    @BeforeAll
    void createBucket(S3ProxyServer shared) throws Exception {
        server = shared;
        raw = new RawS3Client(server.endpoint());
        raw.createBucket(BUCKET);
    }

    /** A fresh HOME and agent root per test, so no test sees another's agents or log lines. */
    @BeforeEach
    void freshHome(@TempDir Path dir) {
        testDir = dir;
        plugin = new PluginRunner(dir.resolve("home"));
    }

    private Path config(String folder, Map<String, String> extra) throws IOException {
        return PluginConfigFile.handWritten(testDir.resolve("cfg-" + folder.replace('/', '_')),
                PluginConfigFile.options(server, BUCKET, folder, extra));
    }

    private Path segmentDir() throws IOException {
        return Files.createDirectories(testDir.resolve("gpseg0/backups/20240102").resolve(TS));
    }

    private static String key(String folder, String file) {
        return folder + "/backups/20240102/" + TS + "/" + file;
    }

    private static byte[] randomBytes(int size, long seed) {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        return data;
    }

    /** The run succeeded; if not, the message carries the log, the agent's lines included. */
    private Result ok(Result result) {
        assertEquals(0, result.exitCode(), () -> {
            try {
                return "plugin failed: " + result + "\nlog:\n" + log();
            } catch (IOException e) {
                return "plugin failed: " + result;
            }
        });
        return result;
    }

    private void hooks(String phase, Path cfg, Path dir) throws Exception {
        // Only the segment host's hook starts or stops an agent, and the launcher is what tells it
        // where: that one goes through the launcher. The coordinator's and the segment's touch no
        // agent, so they run through Main in this JVM (PluginRunner.runInProcess).
        ok(plugin.runInProcess(phase, cfg.toString(), dir.toString(), "master", "\"-1\""));
        ok(plugin.run(phase, cfg.toString(), dir.toString(), "segment_host"));
        ok(plugin.runInProcess(phase, cfg.toString(), dir.toString(), "segment", "\"0\""));
    }

    /** The agent directories under this test's agent root. */
    private List<Path> agentDirs() throws IOException {
        Path base = plugin.agentRoot().resolve("gpbackup_s3_plugin-" + uid());
        if (!Files.isDirectory(base)) {
            return List.of();
        }
        try (Stream<Path> dirs = Files.list(base)) {
            return dirs.toList();
        }
    }

    private Optional<ProcessHandle> agent(Path dir) throws IOException {
        Path pidFile = dir.resolve("pid");
        if (!Files.exists(pidFile)) {
            return Optional.empty();
        }
        return ProcessHandle.of(Long.parseLong(Files.readString(pidFile).strip()));
    }

    /** The one agent of this test, once it has published its pid. */
    private ProcessHandle theAgent() throws Exception {
        awaitPublishedAgents(1);
        return agent(agentDirs().get(0)).orElseThrow();
    }

    /** Waits until {@code count} agent directories exist and each has published a pid. */
    private void awaitPublishedAgents(int count) throws InterruptedException {
        waitFor(() -> {
            try {
                List<Path> dirs = agentDirs();
                for (Path dir : dirs) {
                    if (agent(dir).isEmpty()) {
                        return false;
                    }
                }
                return dirs.size() == count;
            } catch (IOException e) {
                return false;
            }
        }, count + " agent(s) to publish their pid");
    }

    private String log() throws IOException {
        Path logs = testDir.resolve("home/gpAdminLogs");
        StringBuilder text = new StringBuilder();
        try (Stream<Path> files = Files.list(logs)) {
            for (Path file : files.toList()) {
                text.append(Files.readString(file));
            }
        }
        return text.toString();
    }

    private static long relayedCount(String log, String command) {
        return log.lines().filter(line -> line.contains("relayed " + command + " from pid")).count();
    }

    private static void waitFor(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(50);
        }
    }

    private static int uid() throws IOException {
        return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    }

    @Test
    void aPerTableBackupAndRestoreRunsThroughTheAgentAndCleanupLeavesNoProcess() throws Exception {
        String folder = "cycle";
        Path cfg = config(folder, Map.of());
        Path dir = segmentDir();
        hooks("setup_plugin_for_backup", cfg, dir);
        ProcessHandle agent = theAgent();

        List<byte[]> tables = new ArrayList<>();
        for (int table = 0; table < 10; table++) {
            // Sizes around the edges: empty, tiny, and one of two 5 MB parts.
            int size = table == 0 ? 0 : table == 9 ? 6 * 1024 * 1024 + 7 : 1000 * table;
            tables.add(randomBytes(size, table));
            ok(plugin.run(tables.get(table), "backup_data", cfg.toString(),
                    dir.resolve("gpbackup_0_" + TS + "_" + table).toString()));
        }
        Path report = Files.writeString(dir.resolve("gpbackup_" + TS + "_report"), "report text");
        ok(plugin.run("backup_file", cfg.toString(), report.toString()));
        hooks("cleanup_plugin_for_backup", cfg, dir);
        assertFalse(agent.isAlive(), "cleanup stops the agent");
        assertEquals(List.of(), agentDirs().stream().filter(d -> Files.exists(d.resolve("pid"))).toList(),
                "a stopped agent unpublishes itself");

        hooks("setup_plugin_for_restore", cfg, dir);
        ProcessHandle restoreAgent = theAgent();
        for (int table = 0; table < tables.size(); table++) {
            Result restored = ok(plugin.run("restore_data", cfg.toString(),
                    dir.resolve("gpbackup_0_" + TS + "_" + table).toString()));
            assertArrayEquals(tables.get(table), restored.stdout(), "table " + table);
        }
        Files.delete(report);
        ok(plugin.run("restore_file", cfg.toString(), report.toString()));
        assertEquals("report text", Files.readString(report));
        Result missing = plugin.run("restore_data", cfg.toString(), dir.resolve("gpbackup_0_" + TS + "_99").toString());
        assertEquals(1, missing.exitCode());
        assertEquals(1, missing.stderr().strip().lines().count(), missing.stderr());
        assertTrue(missing.stderr().contains("does not exist"), missing.stderr());
        assertFalse(missing.stderr().contains(S3ProxyServer.SECRET_KEY));
        hooks("cleanup_plugin_for_restore", cfg, dir);
        assertFalse(restoreAgent.isAlive(), "cleanup stops the agent");

        String log = log();
        assertEquals(10, relayedCount(log, "backup_data"), log);
        assertEquals(11, relayedCount(log, "restore_data"), log);
        assertEquals(1, relayedCount(log, "backup_file"), log);
        assertEquals(1, relayedCount(log, "restore_file"), log);
        assertFalse(log.contains(S3ProxyServer.SECRET_KEY), "the secret never reaches the log");
    }

    @Test
    void manyCallsAtOnceAreServedTogetherAndEachGetsItsOwnData() throws Exception {
        Path cfg = config("many", Map.of());
        Path dir = segmentDir();
        hooks("setup_plugin_for_backup", cfg, dir);
        theAgent();
        int calls = 24;
        List<CompletableFuture<Result>> backups = new ArrayList<>();
        for (int i = 0; i < calls; i++) {
            byte[] table = randomBytes(20_000 + i * 1000, 100 + i);
            String path = dir.resolve("t" + i).toString();
            backups.add(CompletableFuture.supplyAsync(() -> run(table, "backup_data", cfg.toString(), path)));
        }
        backups.forEach(backup -> ok(backup.join()));
        List<CompletableFuture<Result>> restores = new ArrayList<>();
        for (int i = 0; i < calls; i++) {
            String path = dir.resolve("t" + i).toString();
            restores.add(CompletableFuture.supplyAsync(() -> run(new byte[0], "restore_data", cfg.toString(), path)));
        }
        for (int i = 0; i < calls; i++) {
            assertArrayEquals(randomBytes(20_000 + i * 1000, 100 + i), ok(restores.get(i).join()).stdout(), "table " + i);
        }
        hooks("cleanup_plugin_for_backup", cfg, dir);
        assertEquals(calls, relayedCount(log(), "backup_data"));
        assertEquals(calls, relayedCount(log(), "restore_data"));
    }

    @Test
    void aRelayedRestoreIntoAFileWritesWhereTheCallersDescriptorStands() throws Exception {
        // A pipe is written by the agent itself; a file is relayed, for the caller's own descriptor
        // (here opened to append) decides where the bytes go, which the agent could not reopen.
        Path cfg = config("to-file", Map.of());
        Path dir = segmentDir();
        hooks("setup_plugin_for_backup", cfg, dir);
        theAgent();
        byte[] data = randomBytes(3 * 1024 * 1024 + 5, 11);
        ok(plugin.run(data, "backup_data", cfg.toString(), dir.resolve("t1").toString()));
        Path file = Files.writeString(testDir.resolve("restored"), "already there\n");
        ok(plugin.runInShell("exec >>'" + file + "'", new byte[0], "restore_data", cfg.toString(),
                dir.resolve("t1").toString()));
        assertArrayEquals(concat("already there\n".getBytes(StandardCharsets.US_ASCII), data), Files.readAllBytes(file));
        assertArrayEquals(data, ok(plugin.run("restore_data", cfg.toString(), dir.resolve("t1").toString())).stdout(),
                "and into a pipe");
        hooks("cleanup_plugin_for_backup", cfg, dir);
        assertEquals(2, relayedCount(log(), "restore_data"));
    }

    private static byte[] concat(byte[] first, byte[] second) {
        byte[] both = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        return both;
    }

    @Test
    void maxBandwidthHoldsForACallOnItsOwnAndForTheAgentsCallsTogether() throws Exception {
        // 8 MiB a second. A lower bound on the time taken cannot flake on a slow machine: the
        // bytes after the first request's cannot move sooner than the cap lets them.
        Path alone = config("capped-alone", Map.of("max_bandwidth", "8MB/s", "agent", "off"));
        Path shared = config("capped-shared", Map.of("max_bandwidth", "8MB"));
        Path dir = segmentDir();
        byte[] table = randomBytes(24 * 1024 * 1024, 21);
        ok(plugin.run(table, "backup_data", alone.toString(), dir.resolve("t0").toString()));
        long start = System.nanoTime();
        assertArrayEquals(table, ok(plugin.run("restore_data", alone.toString(), dir.resolve("t0").toString())).stdout());
        double seconds = (System.nanoTime() - start) / 1e9;
        assertTrue(seconds >= 1.9, "24 MiB at 8 MiB/s, the first 8 free: at least 2 s, took " + seconds);

        hooks("setup_plugin_for_backup", shared, dir);
        theAgent();
        for (int i = 1; i <= 2; i++) {
            ok(plugin.run(randomBytes(16 * 1024 * 1024, 21 + i), "backup_data", shared.toString(),
                    dir.resolve("t" + i).toString()));
        }
        start = System.nanoTime();
        List<CompletableFuture<Result>> both = new ArrayList<>();
        for (int i = 1; i <= 2; i++) {
            String path = dir.resolve("t" + i).toString();
            both.add(CompletableFuture.supplyAsync(() -> run(new byte[0], "restore_data", shared.toString(), path)));
        }
        for (int i = 1; i <= 2; i++) {
            assertArrayEquals(randomBytes(16 * 1024 * 1024, 21 + i), ok(both.get(i - 1).join()).stdout());
        }
        seconds = (System.nanoTime() - start) / 1e9;
        // Each alone would need 1 s; together, one cap for the host: 32 MiB, the first 8 free.
        assertTrue(seconds >= 2.9, "two 16 MiB restores under one 8 MiB/s cap: at least 3 s, took " + seconds);
        hooks("cleanup_plugin_for_backup", shared, dir);
        assertEquals(2, relayedCount(log(), "restore_data"));
    }

    /** One plugin run from a pool thread. */
    private Result run(byte[] stdin, String... args) {
        try {
            return plugin.run(stdin, args);
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aCallWithoutSetupRunsInItsOwnProcess() throws Exception {
        Path cfg = config("standalone", Map.of());
        Path dir = segmentDir();
        byte[] data = randomBytes(5000, 7);
        ok(plugin.run(data, "backup_data", cfg.toString(), dir.resolve("t1").toString()));
        assertArrayEquals(data, ok(plugin.run("restore_data", cfg.toString(), dir.resolve("t1").toString())).stdout());
        assertEquals(List.of(), agentDirs());
        assertEquals(0, relayedCount(log(), "backup_data") + relayedCount(log(), "restore_data"));
    }

    @Test
    void agentOffStartsNoAgent() throws Exception {
        Path cfg = config("off", Map.of("agent", "off"));
        Path dir = segmentDir();
        hooks("setup_plugin_for_backup", cfg, dir);
        ok(plugin.run(new byte[] {1, 2, 3}, "backup_data", cfg.toString(), dir.resolve("t1").toString()));
        hooks("cleanup_plugin_for_backup", cfg, dir);
        assertTrue(agentDirs().stream().noneMatch(d -> Files.exists(d.resolve("pid"))));
        assertEquals(0, relayedCount(log(), "backup_data"));
        assertArrayEquals(new byte[] {1, 2, 3}, raw.get(BUCKET, key("off", "t1")));
    }

    @Test
    void anAgentKilledMidBackupFailsTheCallAndStoresNothing() throws Exception {
        Path cfg = config("killed", Map.of());
        Path dir = segmentDir();
        hooks("setup_plugin_for_backup", cfg, dir);
        ProcessHandle agent = theAgent();

        ProcessBuilder builder = new ProcessBuilder(PluginRunner.executable().toString(), "backup_data",
                cfg.toString(), dir.resolve("t1").toString());
        builder.environment().put("HOME", testDir.resolve("home").toString());
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        builder.environment().put("GPBACKUP_S3_PLUGIN_AGENT_ROOT", plugin.agentRoot().toString());
        builder.environment().keySet().removeIf(name -> name.startsWith("AWS_"));
        Process client = builder.start();
        OutputStream stdin = client.getOutputStream();
        // Two parts' worth, so the agent is mid-upload, then the agent dies.
        stdin.write(randomBytes(7 * 1024 * 1024, 3));
        stdin.flush();
        waitFor(() -> {
            try {
                return relayedCount(log(), "backup_data") == 1;
            } catch (IOException e) {
                return false;
            }
        }, "the call to reach the agent");
        agent.destroyForcibly();
        agent.onExit().get(30, TimeUnit.SECONDS);
        try {
            stdin.write(randomBytes(1024 * 1024, 4));
            stdin.close();
        } catch (IOException pipeClosed) {
            // the client may already have given up
        }
        assertTrue(client.waitFor(60, TimeUnit.SECONDS), "the client notices the agent's death");
        String stderr = new String(client.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertNotEquals(0, client.exitValue(), stderr);
        assertEquals(1, stderr.strip().lines().count(), stderr);
        assertEquals(List.of(), raw.keys(BUCKET, "killed/"), "nothing visible at the key");
    }

    @Test
    void anIdleAgentExitsByItself() throws Exception {
        Path cfg = config("idle", Map.of("agent_idle_timeout", "2"));
        Path dir = segmentDir();
        hooks("setup_plugin_for_restore", cfg, dir);
        ProcessHandle agent = theAgent();
        assertTrue(agent.isAlive());
        agent.onExit().get(60, TimeUnit.SECONDS);
        waitFor(() -> {
            try {
                return agentDirs().isEmpty();
            } catch (IOException e) {
                return false;
            }
        }, "the idle agent to remove its directory");
        // A call after the agent is gone runs on its own.
        ok(plugin.run(new byte[] {9}, "backup_data", cfg.toString(), dir.resolve("t1").toString()));
        assertArrayEquals(new byte[] {9}, raw.get(BUCKET, key("idle", "t1")));
    }

    @Test
    void twoConfigsGetTwoAgentsAndEachCallTheRightOne() throws Exception {
        Path first = config("first", Map.of());
        Path second = config("second", Map.of());
        Path dir = segmentDir();
        hooks("setup_plugin_for_backup", first, dir);
        hooks("setup_plugin_for_backup", second, dir);
        awaitPublishedAgents(2);
        ok(plugin.run(new byte[] {1}, "backup_data", first.toString(), dir.resolve("t").toString()));
        ok(plugin.run(new byte[] {2}, "backup_data", second.toString(), dir.resolve("t").toString()));
        hooks("cleanup_plugin_for_backup", first, dir);
        long alive = 0;
        for (Path agentDir : agentDirs()) {
            alive += agent(agentDir).filter(ProcessHandle::isAlive).isPresent() ? 1 : 0;
        }
        assertEquals(1, alive, "cleanup of one config stops only its agent");
        hooks("cleanup_plugin_for_backup", second, dir);
        assertArrayEquals(new byte[] {1}, raw.get(BUCKET, key("first", "t")));
        assertArrayEquals(new byte[] {2}, raw.get(BUCKET, key("second", "t")));
        assertEquals(2, relayedCount(log(), "backup_data"));
    }

    @Test
    void aCallWithOtherAwsVariablesDoesNotBorrowTheAgent() throws Exception {
        Path cfg = config("envs", Map.of());
        Path dir = segmentDir();
        hooks("setup_plugin_for_backup", cfg, dir);
        theAgent();
        plugin.withEnv("AWS_PROFILE", "someone-else");
        ok(plugin.run(new byte[] {5}, "backup_data", cfg.toString(), dir.resolve("t").toString()));
        assertEquals(0, relayedCount(log(), "backup_data"), "a different AWS environment runs on its own");
        plugin = new PluginRunner(testDir.resolve("home"));
        hooks("cleanup_plugin_for_backup", cfg, dir);
        assertEquals(List.of(), agentDirs().stream().filter(d -> Files.exists(d.resolve("pid"))).toList());
    }

    @Test
    void anotherUsersOrAnOpenDirectoryIsRefusedAndCallsRunOnTheirOwn() throws Exception {
        Path cfg = config("refused", Map.of());
        Path dir = segmentDir();
        Files.createDirectories(plugin.agentRoot());
        Path base = plugin.agentRoot().resolve("gpbackup_s3_plugin-" + uid());
        if (uid() == 0) {
            Files.createDirectory(base, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Files.setAttribute(base, "unix:uid", 65534);
        } else {
            // Not root, so no directory of another user can be made here; a link to one is the same attack.
            Files.createSymbolicLink(base, Path.of("/"));
        }
        hooks("setup_plugin_for_backup", cfg, dir);
        ok(plugin.run(new byte[] {4}, "backup_data", cfg.toString(), dir.resolve("t").toString()));
        hooks("cleanup_plugin_for_backup", cfg, dir);
        String log = log();
        assertTrue(log.contains("no host agent"), log);
        assertEquals(0, relayedCount(log, "backup_data"));
        assertArrayEquals(new byte[] {4}, raw.get(BUCKET, key("refused", "t")));

        // A base directory of ours that others could enter is refused just the same.
        Files.delete(base);
        Files.createDirectory(base, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
        hooks("setup_plugin_for_backup", cfg, dir);
        assertTrue(log().contains("has mode 755, not 700"), log());
        assertEquals(List.of(), agentDirs());
    }

    @Test
    void anAgentRootThatDoesNotExistMeansNoAgentAndCallsOnTheirOwn() throws Exception {
        Path cfg = config("noroot", Map.of());
        Path dir = segmentDir();
        plugin.withEnv("GPBACKUP_S3_PLUGIN_AGENT_ROOT", testDir.resolve("no/such/root").toString());
        hooks("setup_plugin_for_backup", cfg, dir);
        ok(plugin.run(new byte[] {8}, "backup_data", cfg.toString(), dir.resolve("t").toString()));
        hooks("cleanup_plugin_for_backup", cfg, dir);
        String log = log();
        Path root = testDir.resolve("no/such/root");
        assertTrue(log.contains("no host agent; each call runs on its own: cannot create " + root
                + "/gpbackup_s3_plugin-" + uid() + ": " + root + " does not exist (the agent root " + root
                + ": GPBACKUP_S3_PLUGIN_AGENT_ROOT, else /tmp)"), log);
        assertEquals(0, relayedCount(log, "backup_data"));
        assertFalse(Files.exists(testDir.resolve("no")), "nothing is created above the root");
        assertArrayEquals(new byte[] {8}, raw.get(BUCKET, key("noroot", "t")));
    }

    @Test
    void aStaleDirectoryIsNeverTrustedAndTheNextSetupReplacesIt() throws Exception {
        Path cfg = config("stale", Map.of());
        Path dir = segmentDir();
        hooks("setup_plugin_for_backup", cfg, dir);
        ProcessHandle agent = theAgent();
        Path agentDir = agentDirs().get(0);
        agent.destroyForcibly();
        agent.onExit().get(30, TimeUnit.SECONDS);
        // What a killed agent leaves, with its pid now taken by a live process of ours.
        Files.writeString(agentDir.resolve("pid"), ProcessHandle.current().pid() + "\n");
        ok(plugin.run(new byte[] {6}, "backup_data", cfg.toString(), dir.resolve("t1").toString()));
        assertEquals(0, relayedCount(log(), "backup_data"), "a pid that is not the agent's is not trusted");

        hooks("setup_plugin_for_backup", cfg, dir);
        waitFor(() -> {
            try {
                return agent(agentDir).filter(p -> p.pid() != ProcessHandle.current().pid()).isPresent();
            } catch (IOException e) {
                return false;
            }
        }, "a new agent in the stale directory");
        ProcessHandle replacement = theAgent();
        ok(plugin.run(new byte[] {7}, "backup_data", cfg.toString(), dir.resolve("t2").toString()));
        assertEquals(1, relayedCount(log(), "backup_data"));
        hooks("cleanup_plugin_for_backup", cfg, dir);
        assertFalse(replacement.isAlive());
        assertArrayEquals(new byte[] {7}, raw.get(BUCKET, key("stale", "t2")));
    }
}
