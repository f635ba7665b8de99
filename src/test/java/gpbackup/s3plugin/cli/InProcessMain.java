package gpbackup.s3plugin.cli;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Map;

/**
 * Runs one plugin command through {@link Main} in the test's own JVM, for the end-to-end tests
 * whose assertions do not hang on the process boundary: the exit status, stdout and stderr are
 * what {@code Main.main} would have given, without a JVM start per call.
 *
 * <p>For the run, {@code System.out} and {@code System.err} point at the run's stdout and stderr,
 * as they would in a process of its own: a stray print or an uncaught exception's stack trace of
 * a plugin thread lands where the test looks for it. Runs are therefore one at a time.
 */
public final class InProcessMain {
    private InProcessMain() {
    }

    /** What one run gave: exit status, stdout bytes, stderr text. */
    public record Outcome(int exitCode, byte[] stdout, String stderr) {
    }

    /**
     * @param environment the whole environment of the run, HOME included; nothing is read from
     *                    this JVM's own
     */
    public static synchronized Outcome run(Map<String, String> environment, InputStream stdin, String... argv) {
        Map<String, String> env = Map.copyOf(environment);
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        PrintStream err = new PrintStream(stderr, true, StandardCharsets.UTF_8);
        PrintStream systemOut = System.out;
        PrintStream systemErr = System.err;
        int status;
        System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
        System.setErr(err);
        try {
            status = new Main(env::get, stdin, stdout, err, Clock.systemDefaultZone(), false).run(argv);
        } finally {
            System.setOut(systemOut);
            System.setErr(systemErr);
        }
        return new Outcome(status, stdout.toByteArray(), stderr.toString(StandardCharsets.UTF_8));
    }
}
