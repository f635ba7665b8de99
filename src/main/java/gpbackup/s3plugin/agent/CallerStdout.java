package gpbackup.s3plugin.agent;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The relayed client's own stdout, opened by the agent so that a restore writes into the
 * caller's pipe itself instead of through the call's FIFO and the client's {@code cat}, which
 * copied every byte once more (spec/agent.md, "Direct output").
 *
 * <p>Only a pipe or FIFO is opened: reopening a regular file through {@code /proc} would start
 * writing at its beginning, not where the caller's descriptor stands, and a terminal or socket
 * gains nothing. Anything else, or a pipe the agent may not open, leaves the relay as it was.
 */
final class CallerStdout {
    private CallerStdout() {
    }

    /** Fd 1 of process {@code pid} opened for writing, when it is a pipe this process may open. */
    static Optional<FileOutputStream> open(long pid) {
        Path stdout = Path.of("/proc", Long.toString(pid), "fd", "1");
        try {
            // Follows the link: the mode is the pipe's, not the link's.
            if (!AgentDirectory.isFifoMode((Integer) Files.getAttribute(stdout, "unix:mode"))) {
                return Optional.empty();
            }
            // Read-write first, which never waits for a reader, so a caller whose reader has already
            // gone cannot hold this open; the write end then fails with a broken pipe instead.
            try (RandomAccessFile bothEnds = new RandomAccessFile(stdout.toFile(), "rw")) {
                return Optional.of(new FileOutputStream(stdout.toFile()));
            }
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
