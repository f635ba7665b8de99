package gpbackup.s3plugin.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether this process's stderr is a terminal, the only place a progress line may go. Java 17 has
 * no isatty for descriptor 2, and {@code System.console()} looks at stdin and stdout (and from JDK
 * 22 on answers for a redirected stdout too), so the descriptor's link in /proc is read instead.
 */
final class StderrTerminal {
    /** This process's descriptor 2. */
    static final Path STDERR = Path.of("/proc/self/fd/2");

    private StderrTerminal() {
    }

    /**
     * True when the descriptor link {@code fd} names a terminal device: a pseudo-terminal
     * ({@code /dev/pts/N}, ssh -t, xterm, tmux) or a console ({@code /dev/ttyN}, {@code /dev/tty}).
     * A pipe, a file, /dev/null, a socket, or a link that cannot be read is not one: under gpbackup
     * stderr is always one of those, so any doubt answers false.
     */
    static boolean isTerminal(Path fd) {
        String target;
        try {
            target = Files.readSymbolicLink(fd).toString();
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return false;
        }
        return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
    }
}
