package gpbackup.s3plugin.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import gpbackup.s3plugin.it.PluginRunner.Result;
import gpbackup.s3plugin.leaks.RunOutputs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * What the host agent's end-to-end tests do on a segment host: write a config, run the hooks,
 * find the agents under the test's agent root and read the plugin's log.
 */
final class AgentHarness {
    static final String TS = "20240102030405";

    private final S3ProxyServer server;
    private final String bucket;
    private final Path testDir;
    PluginRunner plugin;

    AgentHarness(S3ProxyServer server, String bucket, Path testDir) {
        this.server = server;
        this.bucket = bucket;
        this.testDir = testDir;
        this.plugin = new PluginRunner(home());
    }

    Path home() {
        return testDir.resolve("home");
    }

    Path config(String folder, Map<String, String> extra) throws IOException {
        return PluginConfigFile.handWritten(testDir.resolve("cfg-" + folder.replace('/', '_')),
                PluginConfigFile.options(server, bucket, folder, extra));
    }

    Path segmentDir() throws IOException {
        return Files.createDirectories(testDir.resolve("gpseg0/backups/20240102").resolve(TS));
    }

    static String key(String folder, String file) {
        return folder + "/backups/20240102/" + TS + "/" + file;
    }

    static byte[] randomBytes(int size, long seed) {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        return data;
    }

    /** The run succeeded; if not, the message carries the log, the agent's lines included. */
    Result ok(Result result) {
        assertEquals(0, result.exitCode(), () -> "plugin failed: " + result + "\nlog:\n" + logOrNothing());
        return result;
    }

    void hooks(String phase, Path cfg, Path dir) throws Exception {
        // Only the segment host's hook starts or stops an agent, and the launcher is what tells it
        // where: that one goes through the launcher. The coordinator's and the segment's touch no
        // agent, so they run through Main in this JVM (PluginRunner.runInProcess).
        ok(plugin.runInProcess(phase, cfg.toString(), dir.toString(), "master", "\"-1\""));
        ok(plugin.run(phase, cfg.toString(), dir.toString(), "segment_host"));
        ok(plugin.runInProcess(phase, cfg.toString(), dir.toString(), "segment", "\"0\""));
    }

    Path agentBase() throws IOException {
        return plugin.agentRoot().resolve("gpbackup_s3_plugin-" + uid());
    }

    /** The agent directories under this test's agent root. */
    List<Path> agentDirs() throws IOException {
        Path base = agentBase();
        if (!Files.isDirectory(base)) {
            return List.of();
        }
        try (Stream<Path> dirs = Files.list(base)) {
            return dirs.toList();
        }
    }

    static Optional<ProcessHandle> agent(Path dir) throws IOException {
        Path pidFile = dir.resolve("pid");
        if (!Files.exists(pidFile)) {
            return Optional.empty();
        }
        return ProcessHandle.of(Long.parseLong(Files.readString(pidFile).strip()));
    }

    /** The one agent of this test, once it has published its pid. */
    ProcessHandle theAgent() throws Exception {
        waitFor(() -> {
            try {
                List<Path> dirs = agentDirs();
                return dirs.size() == 1 && agent(dirs.get(0)).isPresent();
            } catch (IOException e) {
                return false;
            }
        }, "one agent to publish its pid");
        return agent(agentDirs().get(0)).orElseThrow();
    }

    String log() throws IOException {
        // The agents write after the runs that started them have ended: keep those lines too.
        RunOutputs.keepLogs(home());
        Path logs = home().resolve("gpAdminLogs");
        StringBuilder text = new StringBuilder();
        if (!Files.isDirectory(logs)) {
            return "";
        }
        try (Stream<Path> files = Files.list(logs)) {
            for (Path file : files.toList()) {
                text.append(Files.readString(file));
            }
        }
        return text.toString();
    }

    private String logOrNothing() {
        try {
            return log();
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    long relayedCount(String command) throws IOException {
        return log().lines().filter(line -> line.contains("relayed " + command + " from pid")).count();
    }

    static void waitFor(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(50);
        }
    }

    static int uid() throws IOException {
        return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    }
}
