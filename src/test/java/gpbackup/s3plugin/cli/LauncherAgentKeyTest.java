package gpbackup.s3plugin.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher's agent key covers the variables a config names for its SSE-C key and its client-side
 * encryption keys (spec/agent.md, "Parity"): a call with another key value derives another agent directory.
 */
class LauncherAgentKeyTest {
    private static final Path LAUNCHER = Path.of("bin/gpbackup_s3_plugin");

    @TempDir
    Path dir;

    /** The agent directory the launcher's own agent_dir function derives for {@code config} under {@code env}. */
    private String agentDir(Path config, Map<String, String> env) throws Exception {
        String launcher = Files.readString(LAUNCHER, StandardCharsets.UTF_8);
        int start = launcher.indexOf("\nagent_dir() {");
        int end = launcher.indexOf("\n}\n", start);
        assertTrue(start > 0 && end > start, "the launcher defines agent_dir()");
        Path script = Files.writeString(dir.resolve("key.sh"), launcher.substring(start, end + 3)
                + "KEYED_VARIABLES=HOME\njar=" + LAUNCHER.toAbsolutePath() + "\nagent_dir \"$1\"\necho \"$agent_dir\"\n");
        ProcessBuilder builder = new ProcessBuilder("bash", script.toString(), config.toString());
        builder.environment().clear();
        builder.environment().put("PATH", System.getenv("PATH"));
        builder.environment().putAll(env);
        Process bash = builder.redirectErrorStream(true).start();
        String out = new String(bash.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(bash.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, bash.exitValue(), out);
        return out;
    }

    @Test
    void theSseCustomerKeyVariableIsPartOfTheAgentKey() throws Exception {
        Path config = Files.writeString(dir.resolve("s3.yaml"),
                "executablepath: /x\noptions:\n  bucket: b\n  sse_customer_key_env: \"GP_SSE_C_KEY\"");
        String one = agentDir(config, Map.of("GP_SSE_C_KEY", "one"));
        assertEquals(one, agentDir(config, Map.of("GP_SSE_C_KEY", "one")));
        assertNotEquals(one, agentDir(config, Map.of("GP_SSE_C_KEY", "two")));
        assertNotEquals(one, agentDir(config, Map.of()));
        assertTrue(!one.contains("one"), "the value goes into the hash only: " + one);
    }

    @Test
    void theClientSideEncryptionKeyVariableIsPartOfTheAgentKey() throws Exception {
        Path config = Files.writeString(dir.resolve("s3.yaml"), "executablepath: /x\noptions:\n  bucket: b\n"
                + "  client_side_encryption: on\n  cse_key_env: GP_CSE_KEYS\n");
        String one = agentDir(config, Map.of("GP_CSE_KEYS", "one"));
        assertEquals(one, agentDir(config, Map.of("GP_CSE_KEYS", "one")));
        assertNotEquals(one, agentDir(config, Map.of("GP_CSE_KEYS", "two")));
        assertNotEquals(one, agentDir(config, Map.of()));
        assertTrue(!one.contains("one"), "the value goes into the hash only: " + one);
    }

    @Test
    void otherVariablesAreNotKeyed() throws Exception {
        Path config = Files.writeString(dir.resolve("s3.yaml"), "executablepath: /x\noptions:\n  bucket: b\n");
        assertEquals(agentDir(config, Map.of("GP_SSE_C_KEY", "one")), agentDir(config, Map.of("GP_SSE_C_KEY", "two")));
    }
}
