package gpbackup.s3plugin.it;

import gpbackup.s3plugin.cli.InProcessMain;
import gpbackup.s3plugin.leaks.RunOutputs;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs the real plugin executable, {@code bin/gpbackup_s3_plugin}, the way gpbackup does. */
public final class PluginRunner {
    private final Path home;
    private final Map<String, String> environment = new HashMap<>();
    private final Set<String> removed = new HashSet<>();
    private Path launcher = executable();

    /** @param home the HOME of the plugin process, so its gpAdminLogs land in the test's directory */
    public PluginRunner(Path home) {
        this.home = home;
    }

    /** An extra environment variable for every run. */
    public PluginRunner withEnv(String name, String value) {
        environment.put(name, value);
        return this;
    }

    /** Runs this launcher (a copy beside another jar) instead of the project's. */
    public PluginRunner withLauncher(Path copy) {
        launcher = copy;
        return this;
    }

    /** A variable removed from every run's environment (unless set again with {@link #withEnv}). */
    public PluginRunner withoutEnv(String name) {
        removed.add(name);
        environment.remove(name);
        return this;
    }

    /** Where the launcher puts host agent directories for this runner's processes. */
    public Path agentRoot() {
        return home.resolve("agents");
    }

    public static Path executable() {
        return Path.of("bin", "gpbackup_s3_plugin").toAbsolutePath();
    }

    public Result run(String... args) throws IOException, InterruptedException {
        return run(new byte[0], args);
    }

    public Result run(byte[] stdin, String... args) throws IOException, InterruptedException {
        return run(out -> out.write(stdin), args);
    }

    public Result runWithStdinFile(Path stdin, String... args) throws IOException, InterruptedException {
        return run(out -> Files.copy(stdin, out), args);
    }

    @FunctionalInterface
    interface StdinWriter {
        void write(OutputStream out) throws IOException;
    }

    /**
     * Runs the plugin under {@code bash -c 'ulimit -f BLOCKS'}: a file it writes beyond that many
     * 1 KiB blocks fails as on a full disk.
     */
    public Result runWithFileSizeLimit(long blocks, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("bash", "-c", "ulimit -f " + blocks + " && exec \"$0\" \"$@\"",
                launcher.toString()));
        command.addAll(List.of(args));
        return run(builder(command).start(), out -> { }, command);
    }

    /**
     * Runs the plugin from {@code bash -c 'SHELL_SETUP; exec PLUGIN ARGS'}, so that the shell's
     * setup (a umask, a redirection of stdout) applies to the plugin as it would under gpbackup.
     */
    public Result runInShell(String shellSetup, byte[] stdin, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("bash", "-c", shellSetup + "\nexec \"$0\" \"$@\"",
                launcher.toString()));
        command.addAll(List.of(args));
        return run(builder(command).start(), out -> out.write(stdin), command);
    }

    /** Starts the plugin and hands the process to the test, which drives stdin and stdout itself. */
    public Process start(String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(launcher.toString());
        command.addAll(List.of(args));
        return builder(command).start();
    }

    /**
     * Runs the command through {@code Main} in this JVM (see {@link InProcessMain}), with the
     * environment a process of this runner would get, for a test whose assertions do not hang on
     * the process boundary. Nothing of the launcher runs: no agent relay, no JVM options.
     */
    public Result runInProcess(String... args) throws IOException {
        return runInProcess(new byte[0], args);
    }

    /** {@link #runInProcess(String...)} with these bytes on stdin. */
    public Result runInProcess(byte[] stdin, String... args) throws IOException {
        Files.createDirectories(agentRoot());
        Map<String, String> env = new HashMap<>(System.getenv());
        env.keySet().removeIf(name -> name.startsWith("AWS_"));
        env.put("HOME", home.toString());
        env.put("GPBACKUP_S3_PLUGIN_AGENT_ROOT", agentRoot().toString());
        env.keySet().removeAll(removed);
        env.putAll(environment);
        InProcessMain.Outcome outcome = InProcessMain.run(env, new PipeSizedReads(stdin), args);
        Result result = new Result(outcome.exitCode(), outcome.stdout(), outcome.stderr());
        RunOutputs.keep("in-process command: " + String.join(" ", args) + "\nexit: " + result.exitCode(),
                result.stdout(), result.stderr());
        RunOutputs.keepLogs(home);
        return result;
    }

    /** Stdin that, like a pipe, hands out at most a pipe buffer (64 KiB) per read, never a whole part at once. */
    private static final class PipeSizedReads extends InputStream {
        private static final int PIPE_BUFFER = 64 * 1024;
        private final byte[] bytes;
        private int position;

        PipeSizedReads(byte[] bytes) {
            this.bytes = bytes;
        }

        @Override
        public int read() {
            return position < bytes.length ? bytes[position++] & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            java.util.Objects.checkFromIndexSize(off, len, b.length);
            if (len == 0) {
                return 0;
            }
            if (position >= bytes.length) {
                return -1;
            }
            int n = Math.min(Math.min(len, PIPE_BUFFER), bytes.length - position);
            System.arraycopy(bytes, position, b, off, n);
            position += n;
            return n;
        }
    }

    private ProcessBuilder builder(List<String> command) throws IOException {
        Files.createDirectories(agentRoot());
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().keySet().removeIf(name -> name.startsWith("AWS_"));
        builder.environment().put("HOME", home.toString());
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        // Each test's agents live under its own directory, apart from a developer's real ones.
        builder.environment().put("GPBACKUP_S3_PLUGIN_AGENT_ROOT", agentRoot().toString());
        builder.environment().keySet().removeAll(removed);
        builder.environment().putAll(environment);
        return builder;
    }

    private Result run(StdinWriter stdin, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(launcher.toString());
        command.addAll(List.of(args));
        return run(builder(command).start(), stdin, command);
    }

    private Result run(Process process, StdinWriter stdin, List<String> command)
            throws IOException, InterruptedException {
        CompletableFuture<byte[]> out = readAll(process.getInputStream());
        CompletableFuture<byte[]> err = readAll(process.getErrorStream());
        try (OutputStream in = process.getOutputStream()) {
            stdin.write(in);
        } catch (IOException closedEarly) {
            // The plugin may exit before reading stdin (a usage error); its exit code tells.
        }
        if (!process.waitFor(5, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new IllegalStateException("plugin did not finish: " + command);
        }
        Result result = new Result(process.exitValue(), out.join(), new String(err.join(), StandardCharsets.UTF_8));
        // Kept for the scan after the tests (NoSecretInOutputs): the test's HOME is deleted by then.
        RunOutputs.keep("command: " + String.join(" ", command) + "\nexit: " + result.exitCode(), result.stdout(),
                result.stderr());
        RunOutputs.keepLogs(home);
        return result;
    }

    /**
     * Reads a stream to its end on a thread of its own: the common pool may have a single thread
     * on a small machine, and several blocked readers there would wait for each other.
     */
    static CompletableFuture<byte[]> readAll(InputStream in) {
        CompletableFuture<byte[]> result = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (in) {
                result.complete(in.readAllBytes());
            } catch (IOException e) {
                result.completeExceptionally(new java.io.UncheckedIOException(e));
            }
        }, "plugin-output-reader");
        reader.setDaemon(true);
        reader.start();
        return result;
    }

    /** What one run gave: exit code, stdout bytes, stderr text. */
    public record Result(int exitCode, byte[] stdout, String stderr) {
        public String stdoutText() {
            return new String(stdout, StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            return "exit " + exitCode + ", stderr: " + stderr;
        }
    }
}
