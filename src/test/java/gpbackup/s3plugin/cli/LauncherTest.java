package gpbackup.s3plugin.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import gpbackup.s3plugin.serving.AgentServing;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** What the bash launcher answers by itself, without a JVM, must be what the plugin would answer. */
class LauncherTest {

    /**
     * The bash compatibility levels each launcher test runs under: bash's own and 4.2's (RHEL 7
     * ships 4.2; BASH_COMPAT=42 is as near as bash 5.2 gets, LauncherBash42Test reads for the rest).
     */
    static ProcessBuilder underCompat(ProcessBuilder builder, String compat) {
        if (compat != null && !compat.isEmpty()) {
            builder.environment().put("BASH_COMPAT", compat);
        } else {
            builder.environment().remove("BASH_COMPAT");
        }
        return builder;
    }

    @ParameterizedTest(name = "plugin_api_version with {0} argument(s), BASH_COMPAT={1}")
    @CsvSource({"0, ''", "1, ''", "0, 42", "1, 42"})
    void theLauncherAnswersTheApiVersionAsMainWould(int extraArguments, String compat)
            throws IOException, InterruptedException {
        List<String> command = extraArguments == 0
                ? List.of("bin/gpbackup_s3_plugin", "plugin_api_version")
                : List.of("bin/gpbackup_s3_plugin", "plugin_api_version", "/nowhere/s3.yaml");
        // No jar is needed: in the unit-test phase none has been built yet.
        Process launcher = underCompat(new ProcessBuilder(command).directory(Path.of("").toAbsolutePath().toFile()),
                compat).start();
        assertTrue(launcher.waitFor(30, TimeUnit.SECONDS));
        String stdout = new String(launcher.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String stderr = new String(launcher.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, launcher.exitValue(), stderr);
        assertEquals(Main.API_VERSION + "\n", stdout);
        assertEquals("", stderr);
    }

    private static final Path LAUNCHER = Path.of("bin/gpbackup_s3_plugin");

    /** The commands the launcher's relay case names, between its "Relayed:" comment and esac. */
    private static Set<String> relayedByTheLauncher() throws IOException {
        String script = Files.readString(LAUNCHER);
        int start = script.indexOf("# Relayed:");
        String arms = script.substring(start, script.indexOf("esac", start));
        Set<String> names = new TreeSet<>();
        Matcher arm = Pattern.compile("(?m)^\\s+([a-z_]+(?:\\s*\\|\\s*[a-z_]+)*)\\)").matcher(arms);
        while (arm.find()) {
            for (String name : arm.group(1).split("\\|")) {
                names.add(name.strip());
            }
        }
        return names;
    }

    @Test
    void theLauncherRelaysExactlyTheCommandsTheAgentRuns() throws IOException {
        assertEquals(new TreeSet<>(AgentServing.RELAYED), relayedByTheLauncher());
    }

    /** Runs a copy of the launcher beside an empty jar, with a "java" that prints its arguments one a line. */
    private static String argumentsGivenToJava(Path dir, String javaOpts, String compat) throws Exception {
        return argumentsGivenToJava(dir, javaOpts, compat, "list_directory", "/nowhere/s3.yaml");
    }

    private static String argumentsGivenToJava(Path dir, String javaOpts, String compat, String... argv)
            throws Exception {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path launcher = Files.copy(LAUNCHER, bin.resolve("gpbackup_s3_plugin"));
        Files.createFile(bin.resolve("gpbackup_s3_plugin.jar"));
        Path javaHome = Files.createDirectories(dir.resolve("jdk/bin")).getParent();
        Path java = Files.writeString(javaHome.resolve("bin/java"), "#!/bin/sh\nprintf '%s\\n' \"$@\"\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwx------"));
        Files.createFile(dir.resolve("-Xlog:gcX"));
        List<String> command = new ArrayList<>(List.of(launcher.toString()));
        command.addAll(List.of(argv));
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile());
        builder.environment().put("JAVA_HOME", javaHome.toString());
        builder.environment().put("GPBACKUP_S3_PLUGIN_JAVA_OPTS", javaOpts);
        Process process = underCompat(builder, compat).start();
        assertTrue(process.waitFor(30, TimeUnit.SECONDS));
        String stderr = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, process.exitValue(), stderr);
        assertEquals("", stderr);
        return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    @ParameterizedTest(name = "BASH_COMPAT={0}")
    @ValueSource(strings = {"", "42"})
    void javaOptionsAreSplitAtBlanksOnlyWithNoGlobOrExpansion(String compat, @TempDir Path dir) throws Exception {
        String args = argumentsGivenToJava(dir, " -Xmx2g\t-Xlog:gc*  -Dx=$HOME ", compat);
        List<String> lines = args.lines().toList();
        int jar = lines.indexOf("-jar");
        assertEquals(List.of("-Xmx2g", "-Xlog:gc*", "-Dx=$HOME"), lines.subList(jar - 3, jar), args);
    }

    @ParameterizedTest(name = "BASH_COMPAT={0}")
    @ValueSource(strings = {"", "42"})
    void noJavaOptionsIsNoArgumentEvenUnderSetU(String compat, @TempDir Path dir) throws Exception {
        List<String> lines = argumentsGivenToJava(dir, "", compat).lines().toList();
        int jar = lines.indexOf("-jar");
        assertTrue(lines.get(jar - 1).startsWith("-"), lines.toString());
        assertEquals("list_directory", lines.get(jar + 2), lines.toString());
    }

    /** Help is the JVM's to answer from the command table: the launcher passes it on whole and never relays it. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"--help", "-h", "help", "help prune"})
    void theLauncherPassesHelpStraightToTheJvm(String asked, @TempDir Path dir) throws Exception {
        List<String> words = List.of(asked.split(" "));
        List<String> lines = argumentsGivenToJava(dir, "", "", words.toArray(String[]::new)).lines().toList();
        int jar = lines.indexOf("-jar");
        assertEquals(words, lines.subList(jar + 2, lines.size()), lines.toString());
        assertFalse(AgentServing.RELAYED.contains(words.get(0)));
    }

    /** Runs a copy of the launcher for a setup hook with a "java" that prints what it was told of the agent. */
    private static List<String> agentVariablesOfASetupHook(Path dir, Path config) throws Exception {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path launcher = Files.copy(LAUNCHER, bin.resolve("gpbackup_s3_plugin"));
        Files.createFile(bin.resolve("gpbackup_s3_plugin.jar"));
        Path javaHome = Files.createDirectories(dir.resolve("jdk/bin")).getParent();
        Path java = Files.writeString(javaHome.resolve("bin/java"), "#!/bin/sh\nprintf '%s\\n'"
                + " \"${GPBACKUP_S3_PLUGIN_AGENT_DIR-unset}\" \"${GPBACKUP_S3_PLUGIN_AGENT_UNDERIVED-unset}\"\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwx------"));
        ProcessBuilder builder = new ProcessBuilder(launcher.toString(), "setup_plugin_for_backup", config.toString(),
                "/data/gpseg0/backups/20240101/20240101120000", "segment_host").directory(dir.toFile());
        builder.environment().put("JAVA_HOME", javaHome.toString());
        builder.environment().put("GPBACKUP_S3_PLUGIN_AGENT_UNDERIVED", "inherited, not the launcher's");
        Process process = builder.start();
        assertTrue(process.waitFor(30, TimeUnit.SECONDS));
        String stderr = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, process.exitValue(), stderr);
        return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
    }

    @Test
    void aSetupHookWhoseAgentDirectoryCannotBeDerivedTellsTheJvmWhy(@TempDir Path dir) throws Exception {
        List<String> told = agentVariablesOfASetupHook(dir, Path.of("/nowhere/s3.yaml"));
        assertEquals("unset", told.get(0), told.toString());
        assertTrue(told.get(1).startsWith("the launcher could not derive the host agent's directory: sha256sum of"
                + " the config /nowhere/s3.yaml and the jar "), told.toString());

        Path config = Files.writeString(dir.resolve("s3.yaml"), "executablepath: /x\noptions:\n  bucket: b\n");
        told = agentVariablesOfASetupHook(dir.resolve("readable"), config);
        assertTrue(told.get(0).contains("/gpbackup_s3_plugin-"), told.toString());
        assertEquals("unset", told.get(1), "a derived directory leaves no reason, not even an inherited one");
    }

    /** shellcheck is a Debian package, not a Maven artifact: where it is missing, this test says so and skips. */
    @Test
    void theLauncherIsShellcheckClean() throws Exception {
        boolean present = Files.isExecutable(Path.of("/usr/bin/shellcheck"))
                || Files.isExecutable(Path.of("/usr/local/bin/shellcheck"));
        assumeTrue(present, "shellcheck is not installed (apt-get install shellcheck); not checked here");
        Process check = new ProcessBuilder("shellcheck", "--shell=bash", LAUNCHER.toString())
                .redirectErrorStream(true).start();
        String output = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(check.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, check.exitValue(), output);
    }
}
