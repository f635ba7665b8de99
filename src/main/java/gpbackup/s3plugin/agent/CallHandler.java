package gpbackup.s3plugin.agent;

import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * What the agent does with a relayed call: finds it a place among the calls it runs (or sends it
 * back to run on its own), then runs the command as the plugin would in a process of its own.
 */
public interface CallHandler {
    /**
     * Waits for the call's place, before any of its data moves.
     *
     * @param argv       the command and its arguments, as the client was given them
     * @param caller     the client's process id, for the log, and its umask
     * @param queued     to be run, once, if the call must wait; it never blocks
     * @param clientGone says whether the client has exited, for a call that waits
     * @return the call, ready to run in its place; empty when the client is to run the command itself
     */
    Optional<Placed> admit(List<String> argv, Caller caller, Runnable queued, BooleanSupplier clientGone)
            throws InterruptedException;

    /** A call that has its place: run once, then closed, which gives the place back (if it took one). */
    interface Placed extends AutoCloseable {
        /** @return the exit status the client is to end with */
        int run(InputStream stdin, OutputStream stdout, PrintStream stderr);

        @Override
        default void close() {
        }
    }
}
