package gpbackup.s3plugin.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What the bash launcher answers by itself, without a JVM, must be what the plugin would answer. */
class LauncherTest {

    @ParameterizedTest(name = "plugin_api_version with {0} argument(s)")
    @ValueSource(ints = {0, 1})
    void theLauncherAnswersTheApiVersionAsMainWould(int extraArguments) throws IOException, InterruptedException {
        List<String> command = extraArguments == 0
                ? List.of("bin/gpbackup_s3_plugin", "plugin_api_version")
                : List.of("bin/gpbackup_s3_plugin", "plugin_api_version", "/nowhere/s3.yaml");
        // No jar is needed: in the unit-test phase none has been built yet.
        Process launcher = new ProcessBuilder(command).directory(Path.of("").toAbsolutePath().toFile()).start();
        assertTrue(launcher.waitFor(30, TimeUnit.SECONDS));
        String stdout = new String(launcher.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String stderr = new String(launcher.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, launcher.exitValue(), stderr);
        assertEquals(Main.API_VERSION + "\n", stdout);
        assertEquals("", stderr);
    }
}
