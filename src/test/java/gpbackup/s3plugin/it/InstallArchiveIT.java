package gpbackup.s3plugin.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import gpbackup.s3plugin.it.PluginRunner.Result;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The archive {@code mvn package} writes, unpacked as a DBA unpacks it (tar, elsewhere than the
 * build), runs from where it lands; and its data commands write not one byte to a stderr that is
 * not a terminal (gpbackup's case), while on a terminal they show the progress line.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(SharedS3Proxy.class)
class InstallArchiveIT {
    private static final String BUCKET = "install-archive-it";
    private static final String TS = "20240505050505";
    private static final String VERSION = System.getProperty("project.version");

    private Path work;
    private Path unpacked;
    private PluginRunner plugin;
    private Path config;
    private final byte[] data = bytes(3 << 20);
    private String stored;

    @BeforeAll
    void unpack(S3ProxyServer server, @TempDir Path dir) throws Exception {
        work = dir;
        Path archive = Path.of(System.getProperty("plugin.archive"));
        Path hosts = Files.createDirectories(dir.resolve("opt"));
        Process tar = new ProcessBuilder("tar", "-xzf", archive.toString(), "-C", hosts.toString())
                .redirectErrorStream(true).start();
        String said = new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(tar.waitFor(60, TimeUnit.SECONDS) && tar.exitValue() == 0, "tar failed: " + said);
        unpacked = hosts.resolve("gpbackup_s3_plugin-" + VERSION);
        new RawS3Client(server.endpoint()).createBucket(BUCKET);
        plugin = new PluginRunner(dir.resolve("home")).withLauncher(unpacked.resolve("bin/gpbackup_s3_plugin"));
        config = PluginConfigFile.handWritten(dir.resolve("cfg"), PluginConfigFile.options(server, BUCKET, "ia", Map.of()));
        stored = dataPath("stored");
        Result backup = plugin.run(data, "backup_data", config.toString(), stored);
        assertEquals(0, backup.exitCode(), backup::toString);
        assertEquals("", backup.stderr(), "stderr is a pipe: zero bytes");
    }

    @Test
    void theArchiveHoldsTheLauncherTheJarAndTheDocuments() {
        assertTrue(Files.isExecutable(unpacked.resolve("bin/gpbackup_s3_plugin")), "the launcher keeps its x bit");
        assertTrue(Files.isRegularFile(unpacked.resolve("bin/gpbackup_s3_plugin.jar")));
        assertTrue(Files.isRegularFile(unpacked.resolve("README.md")));
        assertTrue(Files.isRegularFile(unpacked.resolve("spec/commands.md")));
    }

    @Test
    void theUnpackedLauncherRunsItsJar() throws Exception {
        Result version = plugin.run("--version");
        assertEquals(0, version.exitCode(), version::toString);
        assertEquals("gpbackup_s3_plugin version " + VERSION + "\n", version.stdoutText());
        Result api = plugin.run("plugin_api_version");
        assertEquals(0, api.exitCode(), api::toString);
        assertEquals("0.5.0\n", api.stdoutText());
    }

    @Test
    void restoresWriteNothingToAStderrThatIsNotATerminal() throws Exception {
        Result restore = plugin.run("restore_data", config.toString(), stored);
        assertEquals(0, restore.exitCode(), restore::toString);
        assertArrayEquals(data, restore.stdout());
        Path file = Path.of(stored.replace("gpseg0", "gpseg1"));
        Result restoreFile = plugin.run("restore_file", config.toString(), file.toString());
        assertEquals(0, restoreFile.exitCode(), restoreFile::toString);
        assertArrayEquals(data, Files.readAllBytes(file));
        assertEquals("", restore.stderr() + restoreFile.stderr(), "stderr is a pipe: zero bytes");
    }

    @Test
    void onATerminalRestoreFileShowsTheProgressLine() throws Exception {
        Path path = Path.of(stored.replace("gpseg0", "gpseg2"));
        Result shown = new PluginRunner(work.resolve("home")).withLauncher(onTerminal())
                .run("restore_file", config.toString(), path.toString());
        assertEquals(0, shown.exitCode(), shown::toString);
        assertArrayEquals(data, Files.readAllBytes(path));
        // Lines drawn while it ran depend on the machine's speed; the last one does not. The
        // terminal turns the final newline into CR LF; the task gives up its start to fit 79 columns.
        String terminal = shown.stdoutText();
        assertTrue(terminal.matches("(?s)\r(.*\r)?[^\r]*_" + TS + "_stored: 3\\.0 MiB of 3\\.0 MiB \\(100%\\)"
                + "(, [0-9.]+ [KMGTPE]?i?B/s)?, in [0-9]+:[0-9]{2} *\r\n"), terminal);
    }

    @Test
    void aCallRelayedToTheHostAgentShowsNoProgressEvenOnATerminal() throws Exception {
        // A config of its own (a copy elsewhere), so that only this test's calls find the agent.
        Path agentConfig = Files.copy(config, Files.createDirectories(work.resolve("cfg-agent")).resolve("s3-config.yaml"));
        String backupDir = Path.of(stored).getParent().toString();
        Result setup = plugin.run("setup_plugin_for_restore", agentConfig.toString(), backupDir, "segment_host");
        assertEquals(0, setup.exitCode(), setup::toString);
        try {
            AgentHarness.waitFor(() -> agentPublished(), "the host agent to publish its pid");
            Path path = Path.of(stored.replace("gpseg0", "gpseg3"));
            Result shown = new PluginRunner(work.resolve("home")).withLauncher(onTerminal())
                    .run("restore_file", agentConfig.toString(), path.toString());
            assertEquals(0, shown.exitCode(), shown::toString);
            assertArrayEquals(data, Files.readAllBytes(path));
            assertEquals("", shown.stdoutText(), "the terminal shows nothing");
            assertTrue(log().contains("relayed restore_file from pid"), "the call went through the agent");
        } finally {
            plugin.run("cleanup_plugin_for_restore", agentConfig.toString(), backupDir, "segment_host");
        }
    }

    private boolean agentPublished() {
        try (Stream<Path> files = Files.walk(plugin.agentRoot())) {
            return files.anyMatch(file -> file.getFileName().toString().equals("pid"));
        } catch (IOException | UncheckedIOException e) {
            return false;
        }
    }

    private String log() throws IOException {
        StringBuilder text = new StringBuilder();
        try (Stream<Path> files = Files.list(work.resolve("home/gpAdminLogs"))) {
            for (Path file : files.toList()) {
                text.append(Files.readString(file));
            }
        }
        return text.toString();
    }

    /** The unpacked launcher with its stdout and stderr on a pseudo-terminal, which script copies to its stdout. */
    private Path onTerminal() throws IOException {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/script")), "util-linux script gives the plugin a terminal");
        Path wrapper = work.resolve("on-terminal");
        if (!Files.exists(wrapper)) {
            Files.writeString(wrapper, "#!/usr/bin/env bash\n"
                    + "exec /usr/bin/script -qec \"$(printf '%q ' " + unpacked.resolve("bin/gpbackup_s3_plugin")
                    + " \"$@\")\" /dev/null\n");
            Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwx------"));
        }
        return wrapper;
    }

    private String dataPath(String name) throws IOException {
        return Files.createDirectories(work.resolve("gpseg0/backups/20240505/" + TS))
                .resolve("gpbackup_0_" + TS + "_" + name).toString();
    }

    private static byte[] bytes(int n) {
        byte[] data = new byte[n];
        new SplittableRandom(n).nextBytes(data);
        return data;
    }
}
