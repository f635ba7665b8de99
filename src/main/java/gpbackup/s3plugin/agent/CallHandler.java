package gpbackup.s3plugin.agent;

import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.List;

/** What the agent does with a relayed call: run the command as the plugin would in a process of its own. */
@FunctionalInterface
public interface CallHandler {
    /**
     * @param argv      the command and its arguments, as the client was given them
     * @param caller    the client's process id, for the log, and its umask
     * @return the exit status the client is to end with
     */
    int run(List<String> argv, InputStream stdin, OutputStream stdout, PrintStream stderr, Caller caller);
}
