package gpbackup.s3plugin.cli;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import gpbackup.s3plugin.Program;
import gpbackup.s3plugin.leaks.RunOutputs;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The command line as gpbackup drives it: what goes to stdout, stderr, the exit status and the log file. */
class MainTest {
    static final Pattern LOG_LINE = Pattern.compile(
            "^\\d{8}:\\d{2}:\\d{2}:\\d{2} gpbackup_s3_plugin:[^:]+:[^:]+:\\d+-\\[(INFO|DEBUG|ERROR|WARNING)\\]:-.*");
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2024-01-01T12:34:56Z"), ZoneOffset.UTC);

    @TempDir
    Path home;

    private final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();

    /** What this test's runs printed and logged, kept for the suite's scan for secrets (NoSecretInOutputs). */
    @AfterEach
    void keepOutputsForTheSecretScan(TestInfo test) {
        RunOutputs.keep(getClass().getSimpleName() + "." + test.getTestMethod().map(Method::getName).orElse("?"),
                stdout.toByteArray(), stderr.toString(StandardCharsets.UTF_8));
        RunOutputs.keepLogs(home);
    }

    private Map<String, String> environment;

    @BeforeEach
    void environment() {
        environment = Map.of("HOME", home.toString(), "HOSTNAME", "sdw1");
    }

    private int run(String... argv) {
        return run(InputStream.nullInputStream(), argv);
    }

    private int run(InputStream stdin, String... argv) {
        return new Main(environment::get, stdin, stdout, new PrintStream(stderr, true, StandardCharsets.UTF_8), CLOCK, false)
                .run(argv);
    }

    private String out() {
        return stdout.toString(StandardCharsets.UTF_8);
    }

    private List<String> errLines() {
        String text = stderr.toString(StandardCharsets.UTF_8);
        return text.isEmpty() ? List.of() : List.of(text.split("\n", -1)).subList(0, text.split("\n", -1).length - 1);
    }

    /** Exit 1, nothing on stdout, exactly one stderr line; returns that line. */
    private String failedWithOneLine(int status) {
        List<String> lines = errLines();
        assertAll(
                () -> assertEquals(1, status, "exit status"),
                () -> assertEquals("", out(), "stdout carries data only"),
                () -> assertEquals(1, lines.size(), "stderr: " + lines),
                () -> assertTrue(stderr.toString(StandardCharsets.UTF_8).endsWith("\n")));
        return lines.get(0);
    }

    private Path logFile() {
        return home.resolve("gpAdminLogs").resolve("gpbackup_s3_plugin_20240101.log");
    }

    private List<String> logLines() throws IOException {
        return Files.readAllLines(logFile());
    }

    @Test
    void versionPrintsProgramVersionAndNumberAsThreeWords() {
        assertEquals(0, run("--version"));
        String text = out();
        assertTrue(text.endsWith("\n"), text);
        String[] words = text.strip().split(" ");
        assertEquals(3, words.length, text);
        assertEquals("gpbackup_s3_plugin", words[0]);
        assertEquals("version", words[1]);
        assertTrue(words[2].matches("\\d+\\.\\d+\\.\\d+([-.][0-9A-Za-z.-]+)?"), "version number: " + words[2]);
        assertEquals(Program.version(), words[2]);
        assertEquals("", stderr.toString(StandardCharsets.UTF_8));
    }

    @Test
    void pluginApiVersionPrintsTheApiVersionOnly() {
        assertEquals(0, run("plugin_api_version"));
        assertEquals("0.5.0\n", out());
        assertEquals("", stderr.toString(StandardCharsets.UTF_8));
    }

    @Test
    void pluginApiVersionToleratesAConfigPath() {
        assertEquals(0, run("plugin_api_version", "/nowhere/s3.yaml"));
        assertEquals("0.5.0\n", out());
    }

    @Test
    void pluginApiVersionWithTooManyArgumentsFails() {
        String line = failedWithOneLine(run("plugin_api_version", "a", "b"));
        assertTrue(line.contains("expected 0, got 2"), line);
    }

    @Test
    void noCommandFailsWithOneLine() {
        String line = failedWithOneLine(run());
        assertTrue(line.startsWith("gpbackup_s3_plugin: no command given"), line);
    }

    @Test
    void unknownCommandFailsWithOneLineNamingIt() {
        String line = failedWithOneLine(run("backup_everything", "/tmp/s3.yaml"));
        assertEquals("gpbackup_s3_plugin: unknown command 'backup_everything' (gpbackup_s3_plugin --help lists them)",
                line);
    }

    @Test
    void aMisspeltCommandFailsWithOneLineNamingTheNearest() {
        String line = failedWithOneLine(run("lst_backups", "/tmp/s3.yaml"));
        assertEquals("gpbackup_s3_plugin: unknown command 'lst_backups'; did you mean 'list_backups'?"
                + " (gpbackup_s3_plugin --help lists them)", line);
    }

    @ParameterizedTest(name = "{0} with {1} arguments")
    @CsvSource({
        "backup_data,             0, 'expected 2, got 0'",
        "backup_data,             3, 'expected 2, got 3'",
        "restore_data_subset,     2, 'expected 3, got 2'",
        "list_directory,          3, 'expected 1 or 2, got 3'",
        "setup_plugin_for_backup, 1, 'expected 3 or 4, got 1'",
        "backup_directory,        4, 'expected 2 or 3, got 4'",
    })
    void wrongArgumentCountFailsWithOneLineNamingTheExpectedCounts(String command, int count, String expected)
            throws IOException {
        String[] argv = new String[count + 1];
        argv[0] = command;
        for (int i = 1; i <= count; i++) {
            argv[i] = i == 1 ? home.resolve("s3.yaml").toString() : "arg" + i;
        }
        String line = failedWithOneLine(run(argv));
        assertTrue(line.endsWith("-[ERROR]:-invalid number of arguments to " + command + ": " + expected), line);
        assertTrue(LOG_LINE.matcher(line).matches(), line);
        assertTrue(logLines().contains(line), "the stderr line is also in the log");
    }

    @Test
    void missingConfigFileFailsWithOneLineNamingTheFile() throws IOException {
        Path config = home.resolve("missing/s3_config.yaml");
        String line = failedWithOneLine(run("backup_data", config.toString(),
                "/data/gpseg0/backups/20240101/20240101120000/gpbackup_0_20240101120000_16384"));
        assertTrue(line.contains(config.toString()), line);
        assertTrue(line.contains("does not exist"), line);
        assertFalse(line.contains("Exception"), line);
    }

    @Test
    void invalidConfigFailsWithOneLine() throws IOException {
        Path config = Files.writeString(home.resolve("s3.yaml"), "options:\n  bucket: [unclosed\n");
        String line = failedWithOneLine(run("backup_data", config.toString(), "/a/backups/20240101/20240101120000/f"));
        assertTrue(line.contains(config.toString()), line);
    }

    @Test
    void logFileUnderHomeHasGpbackupShapedLines() throws IOException {
        run("backup_data", home.resolve("missing.yaml").toString(), "/a/backups/20240101/20240101120000/f");
        assertTrue(Files.isRegularFile(logFile()), "log file named after the clock's date under $HOME/gpAdminLogs");
        List<String> lines = logLines();
        assertFalse(lines.isEmpty());
        for (String line : lines) {
            assertTrue(LOG_LINE.matcher(line).matches(), "log line: " + line);
            assertTrue(line.startsWith("20240101:12:34:56 gpbackup_s3_plugin:"), line);
            assertTrue(line.contains(":sdw1:" + ProcessHandle.current().pid() + "-["), line);
        }
        assertTrue(lines.stream().anyMatch(l -> l.contains("-[ERROR]:-")), "an ERROR line: " + lines);
    }

    @Test
    void logIsAppendedAcrossRuns() throws IOException {
        run("backup_data");
        int first = logLines().size();
        run("backup_data");
        assertTrue(logLines().size() > first);
        assertNotEquals(0, first);
    }

    @Test
    void commandsThatFailBeforeLoggingDoNotCreateALog() {
        run("no_such_command");
        run("--version");
        assertFalse(Files.exists(logFile()));
    }

    @Test
    void invalidHookScopeFailsWithOneLine() throws IOException {
        Path config = Files.writeString(home.resolve("s3.yaml"), """
                executablepath: /usr/local/bin/gpbackup_s3_plugin
                options:
                  region: us-east-1
                  bucket: bucket
                  folder: f
                """);
        String line = failedWithOneLine(run("cleanup_plugin_for_backup", config.toString(), "/data", "everywhere"));
        assertTrue(line.contains("scope 'everywhere' is not one of"), line);
    }

    @Test
    void segmentScopeSetupNeedsNoConnection() throws IOException {
        Path config = Files.writeString(home.resolve("s3.yaml"), """
                executablepath: /usr/local/bin/gpbackup_s3_plugin
                options:
                  endpoint: http://127.0.0.1:9
                  region: us-east-1
                  bucket: bucket
                  folder: f
                """);
        assertEquals(0, run(new ByteArrayInputStream(new byte[0]), "setup_plugin_for_backup", config.toString(),
                "/data/gpseg0/backups/20240101/20240101120000", "segment", "\"0\""));
        assertEquals("", out());
        assertEquals("", stderr.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aClosedStdoutIsOneLineNotAStackTrace() {
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        java.io.OutputStream closed = new java.io.OutputStream() {
            @Override
            public void write(int b) throws java.io.IOException {
                throw new java.io.IOException("Broken pipe");
            }
        };
        int status = new Main(java.util.Map.<String, String>of()::get, java.io.InputStream.nullInputStream(), closed,
                new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8), java.time.Clock.systemUTC(), false)
                .run(new String[] {"--version"});
        String text = err.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(1, status);
        assertEquals(1, text.strip().lines().count(), text);
        assertTrue(text.contains("Broken pipe"), text);
    }
}
