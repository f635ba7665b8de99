package gpbackup.s3plugin.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Which JIT a JVM of one command gets: C1 only, except where it uploads (C2 alone uses the CPU's
 * SHA-256 instructions, performance.md) and in the agent. Run against a JDK whose {@code java}
 * only prints its arguments.
 */
class LauncherCompilerChoiceTest {
    private static final String C1_ONLY = "-XX:TieredStopAtLevel=1";

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} compiles with C1 only: {1}, BASH_COMPAT={2}")
    @CsvSource({
        "backup_data, false, ''",
        "backup_file, false, ''",
        "restore_data, true, ''",
        "restore_data_subset, true, ''",
        "restore_file, true, ''",
        "list_directory, true, ''",
        "backup_data, false, 42",
        "restore_data, true, 42",
        "list_directory, true, 42",
    })
    void onlyCommandsThatDoNotUploadAreLimitedToC1(String command, boolean c1Only, String compat) throws Exception {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path launcher = Files.copy(Path.of("bin/gpbackup_s3_plugin").toAbsolutePath(), bin.resolve("gpbackup_s3_plugin"));
        Files.writeString(bin.resolve("gpbackup_s3_plugin.jar"), "");
        Path fakeJdk = Files.createDirectories(dir.resolve("jdk/bin"));
        Path java = Files.writeString(fakeJdk.resolve("java"), "#!/bin/sh\nprintf '%s\\n' \"$@\"\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwx------"));

        List<String> arguments = run(launcher, compat, command, dir.resolve("missing.yaml").toString(), "/tmp/file");

        assertTrue(arguments.contains(command), arguments::toString);
        assertEquals(c1Only, arguments.contains(C1_ONLY), arguments::toString);
    }

    private List<String> run(Path launcher, String compat, String... arguments) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(launcher.toString());
        builder.command().addAll(List.of(arguments));
        builder.environment().put("JAVA_HOME", dir.resolve("jdk").toString());
        builder.environment().remove("GPBACKUP_S3_PLUGIN_JAVA_OPTS");
        builder.redirectError(ProcessBuilder.Redirect.DISCARD);
        Process process = LauncherTest.underCompat(builder, compat).start();
        String stdout = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, process.exitValue());
        return stdout.lines().toList();
    }
}
