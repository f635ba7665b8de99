package gpbackup.s3plugin.agent;

import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.Optional;

/** For the relay's tests: a handler that runs every call at once, without a limit. */
final class UnlimitedHandler {
    /** The command the handler runs, as a process of its own would. */
    @FunctionalInterface
    interface Command {
        int run(List<String> argv, InputStream stdin, OutputStream stdout, PrintStream stderr, Caller caller);
    }

    private UnlimitedHandler() {
    }

    static CallHandler running(Command command) {
        return (argv, caller, queued, clientGone) -> Optional.of(
                (stdin, stdout, stderr) -> command.run(argv, stdin, stdout, stderr, caller));
    }
}
