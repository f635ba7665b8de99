package gpbackup.s3plugin.leaks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.stream.Stream;

/**
 * Keeps what each plugin run printed, and the logs it wrote, under {@code target/run-outputs}, where
 * {@link NoSecretInOutputs} reads them after the tests: the tests' own directories are gone by then.
 */
public final class RunOutputs {
    /** Above this, stdout is restored backup data, not text a secret could hide in. */
    private static final int MAX_STDOUT = 1024 * 1024;

    private RunOutputs() {
    }

    /** Where runs are kept: {@code target/run-outputs} of the build (tests run in the project directory). */
    public static Path root() {
        return Path.of("target", "run-outputs");
    }

    /** Keeps what one run (or one test's in-process runs) printed, under a header that says which. */
    public static void keep(String header, byte[] stdout, String stderr) {
        try {
            Path dir = Files.createDirectories(root().resolve("runs"));
            Path file = Files.createTempFile(dir, "run-", ".txt");
            StringBuilder text = new StringBuilder(header).append("\n--- stdout\n");
            if (stdout.length <= MAX_STDOUT) {
                text.append(new String(stdout, StandardCharsets.UTF_8));
            } else {
                text.append("(").append(stdout.length).append(" bytes of data, not kept)");
            }
            text.append("\n--- stderr\n").append(stderr);
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep a plugin run under " + root(), e);
        }
    }

    /**
     * Copies the plugin logs under {@code home/gpAdminLogs} (each copy replacing the last, as the
     * logs only grow), so lines of later runs and agents with the same HOME are kept too.
     */
    public static void keepLogs(Path home) {
        Path logs = home.resolve("gpAdminLogs");
        if (!Files.isDirectory(logs)) {
            return;
        }
        String name = home.toAbsolutePath().toString().replaceAll("[^A-Za-z0-9.-]+", "_");
        try (Stream<Path> files = Files.list(logs)) {
            Path copies = Files.createDirectories(root().resolve("logs").resolve(name));
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                // Copied beside, then renamed over the last copy: runs of one HOME keep their logs at once.
                Path copy = Files.createTempFile(copies, "copy-", ".tmp");
                Files.copy(file, copy, StandardCopyOption.REPLACE_EXISTING);
                Files.move(copy, copies.resolve(file.getFileName()), StandardCopyOption.REPLACE_EXISTING,
                        StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep the logs of " + home + " under " + root(), e);
        }
    }

    /** Keeps a copy of a file the plugin wrote, such as an audit trail, for the scan. */
    public static void keepFile(String kind, Path file) {
        try {
            Path dir = Files.createDirectories(root().resolve(kind));
            Files.copy(file, Files.createTempFile(dir, kind + "-", ".txt"), StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep " + file + " under " + root(), e);
        }
    }
}
