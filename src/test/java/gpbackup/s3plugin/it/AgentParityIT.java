package gpbackup.s3plugin.it;

import static gpbackup.s3plugin.it.AgentHarness.key;
import static gpbackup.s3plugin.it.AgentHarness.randomBytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gpbackup.s3plugin.it.PluginRunner.Result;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A relayed call does what the same call in a process of its own does (spec/agent.md,
 * "Parity"): the caller's umask, HOME and proxies hold, and a failure keeps its cause and prints
 * one line.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(SharedS3Proxy.class)
class AgentParityIT {
    private static final String BUCKET = "agent-parity-it";
    private static final List<String> PROXY_VARIABLES = List.of("http_proxy", "HTTP_PROXY", "https_proxy",
            "HTTPS_PROXY", "no_proxy", "NO_PROXY");

    private S3ProxyServer server;
    private RawS3Client raw;
    private Path testDir;
    private AgentHarness agents;

    @BeforeAll
    void createBucket(S3ProxyServer shared) throws Exception {
        server = shared;
        raw = new RawS3Client(server.endpoint());
        raw.createBucket(BUCKET);
    }

    @BeforeEach
    void fresh(@TempDir Path dir) {
        testDir = dir;
        agents = new AgentHarness(server, BUCKET, dir);
        PROXY_VARIABLES.forEach(agents.plugin::withoutEnv);
    }

    private static String mode(Path path) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }

    @Test
    void restoreFileCreatesFilesAndDirectoriesWithTheCallersUmask() throws Exception {
        Path cfg = agents.config("umask", Map.of());
        Path dir = agents.segmentDir();
        // The agent inherits the setup's umask, 022; the calls come with others.
        agents.ok(agents.plugin.runInShell("umask 022", new byte[0], "setup_plugin_for_backup", cfg.toString(),
                dir.toString(), "segment_host"));
        agents.theAgent();
        Path file = dir.resolve("sub/deeper/gpbackup_" + AgentHarness.TS + "_config.yaml");
        Files.createDirectories(file.getParent());
        Files.writeString(file, "config text");
        agents.ok(agents.plugin.run("backup_file", cfg.toString(), file.toString()));

        for (String[] expected : new String[][] {{"077", "rw-------", "rwx------"}, {"002", "rw-rw-r--", "rwxrwxr-x"}}) {
            try (var tree = Files.walk(dir.resolve("sub"))) {
                tree.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
            agents.ok(agents.plugin.runInShell("umask " + expected[0], new byte[0], "restore_file", cfg.toString(),
                    file.toString()));
            assertEquals("config text", Files.readString(file));
            assertEquals(expected[1], mode(file), "the file under umask " + expected[0]);
            assertEquals(expected[2], mode(file.getParent()), "a directory made under umask " + expected[0]);
            assertEquals(expected[2], mode(dir.resolve("sub")), "a directory made under umask " + expected[0]);
        }
        assertEquals(2, agents.relayedCount("restore_file"), "both restores ran in the agent");
        agents.ok(agents.plugin.run("cleanup_plugin_for_backup", cfg.toString(), dir.toString(), "segment_host"));
    }

    @Test
    void aCallWithAnotherHomeUsesThatHomesCredentialsAndLog() throws Exception {
        Map<String, String> keyless = new TreeMap<>(PluginConfigFile.options(server, BUCKET, "home", Map.of()));
        keyless.remove("aws_access_key_id");
        keyless.remove("aws_secret_access_key");
        Path cfg = PluginConfigFile.handWritten(testDir.resolve("cfg-home"), keyless);
        Path aws = Files.createDirectories(agents.home().resolve(".aws"));
        Files.writeString(aws.resolve("credentials"), "[default]\naws_access_key_id = " + S3ProxyServer.ACCESS_KEY
                + "\naws_secret_access_key = " + S3ProxyServer.SECRET_KEY + "\n");
        Path dir = agents.segmentDir();
        agents.hooks("setup_plugin_for_backup", cfg, dir);
        agents.theAgent();

        Path otherHome = Files.createDirectories(testDir.resolve("other-home"));
        Result elsewhere = agents.plugin.withEnv("HOME", otherHome.toString())
                .run(new byte[] {1}, "backup_data", cfg.toString(), dir.resolve("t1").toString());
        assertEquals(1, elsewhere.exitCode(), elsewhere.toString());
        assertEquals(1, elsewhere.stderr().strip().lines().count(), elsewhere.stderr());
        assertTrue(elsewhere.stderr().contains("no AWS credentials found"), elsewhere.stderr());
        assertTrue(Files.isDirectory(otherHome.resolve("gpAdminLogs")), "its log is in its own HOME");
        String otherLog;
        try (var logs = Files.list(otherHome.resolve("gpAdminLogs"))) {
            otherLog = Files.readString(logs.findFirst().orElseThrow());
        }
        assertTrue(otherLog.contains("[DEBUG]:-backup_data runs in a process of its own: no host agent serves this user,"
                + " config, jar and environment"), "its log says why it ran on its own:\n" + otherLog);
        assertEquals(0, agents.relayedCount("backup_data"), "a call with another HOME is not relayed");

        agents.plugin.withEnv("HOME", agents.home().toString());
        agents.ok(agents.plugin.run(new byte[] {2}, "backup_data", cfg.toString(), dir.resolve("t2").toString()));
        assertEquals(1, agents.relayedCount("backup_data"), "a call with the setup's HOME is relayed");
        agents.hooks("cleanup_plugin_for_backup", cfg, dir);
        assertEquals(List.of(), raw.keys(BUCKET, key("home", "t1")));
    }

    @Test
    void aCallThroughADeadProxyFailsAsOnItsOwn() throws Exception {
        // No retries: the default ones only wait out their backoff against a port nobody listens on,
        // and how often a request is retried is no part of the parity (S3ClientRetryTest has it).
        Path cfg = agents.config("proxy", Map.of("max_request_retries", "0"));
        Path dir = agents.segmentDir();
        agents.hooks("setup_plugin_for_backup", cfg, dir);
        agents.theAgent();
        int deadPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            deadPort = socket.getLocalPort();
        }
        Result viaProxy = agents.plugin.withEnv("HTTP_PROXY", "http://127.0.0.1:" + deadPort)
                .run(new byte[] {3}, "backup_data", cfg.toString(), dir.resolve("t").toString());
        assertEquals(1, viaProxy.exitCode(), viaProxy.toString());
        assertEquals(1, viaProxy.stderr().strip().lines().count(), viaProxy.stderr());
        assertEquals(0, agents.relayedCount("backup_data"));
        agents.plugin.withoutEnv("HTTP_PROXY");
        agents.hooks("cleanup_plugin_for_backup", cfg, dir);
    }

    @Test
    void restoreDataIntoAFullDiskSaysTheDiskIsFull() throws Exception {
        Path cfg = agents.config("full", Map.of());
        Path dir = agents.segmentDir();
        agents.hooks("setup_plugin_for_restore", cfg, dir);
        agents.theAgent();
        agents.ok(agents.plugin.run(randomBytes(3 * 1024 * 1024, 1), "backup_data", cfg.toString(),
                dir.resolve("t").toString()));
        Result full = agents.plugin.runInShell("exec >/dev/full", new byte[0], "restore_data", cfg.toString(),
                dir.resolve("t").toString());
        assertEquals(1, full.exitCode(), full.toString());
        assertEquals(1, full.stderr().strip().lines().count(), full.stderr());
        assertTrue(full.stderr().contains("No space left on device"), full.stderr());
        assertEquals(1, agents.relayedCount("restore_data"));
        agents.hooks("cleanup_plugin_for_restore", cfg, dir);
    }

    @Test
    void aKilledCopyOfTheClientGivesOneLineAndStoresNothing() throws Exception {
        Path cfg = agents.config("killedcat", Map.of());
        Path dir = agents.segmentDir();
        agents.hooks("setup_plugin_for_backup", cfg, dir);
        agents.theAgent();
        Process client = agents.plugin.start("backup_data", cfg.toString(), dir.resolve("t").toString());
        OutputStream stdin = client.getOutputStream();
        stdin.write(randomBytes(1024 * 1024, 2));
        stdin.flush();
        AgentHarness.waitFor(() -> cat(client).isPresent(), "the client's copy to start");
        cat(client).orElseThrow().destroyForcibly();
        assertTrue(client.waitFor(60, TimeUnit.SECONDS));
        String stderr = new String(client.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(1, client.exitValue(), stderr);
        assertEquals(1, stderr.strip().lines().count(), stderr);
        assertFalse(stderr.contains("Killed"), stderr);
        assertEquals(List.of(), raw.keys(BUCKET, "killedcat/"), "nothing visible at the key");
        agents.hooks("cleanup_plugin_for_backup", cfg, dir);
    }

    @Test
    void aRelayedCallTheAgentCannotServeIsLoggedAtWarning() throws Exception {
        Path cfg = agents.config("warn", Map.of());
        Path dir = agents.segmentDir();
        agents.hooks("setup_plugin_for_backup", cfg, dir);
        agents.theAgent();
        Path agentDir = agents.agentDirs().get(0);
        // A call whose FIFOs exist but whose argument file does not: the agent cannot serve it.
        long pid = ProcessHandle.current().pid();
        for (String suffix : List.of(".status", ".ctl")) {
            Process mkfifo = new ProcessBuilder("mkfifo", "-m", "600", agentDir.resolve("call." + pid + suffix).toString())
                    .start();
            assertEquals(0, mkfifo.waitFor());
        }
        try (java.io.RandomAccessFile requests = new java.io.RandomAccessFile(agentDir.resolve("requests").toFile(), "rw")) {
            requests.write(("call " + pid + " call." + pid + "\n").getBytes(StandardCharsets.US_ASCII));
        }
        AgentHarness.waitFor(() -> {
            try {
                return agents.log().contains("relayed call call." + pid);
            } catch (java.io.IOException e) {
                return false;
            }
        }, "the agent to log the failed call");
        String line = agents.log().lines().filter(l -> l.contains("relayed call call." + pid)).findFirst().orElseThrow();
        assertTrue(line.contains("[WARNING]"), line);
        agents.hooks("cleanup_plugin_for_backup", cfg, dir);
    }

    private static Optional<ProcessHandle> cat(Process client) {
        return client.toHandle().descendants()
                .filter(p -> p.info().command().map(c -> c.endsWith("/cat")).orElse(false))
                .findFirst();
    }
}
