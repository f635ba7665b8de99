package gpbackup.s3plugin.progress;

import java.io.PrintStream;
import java.time.Clock;

/**
 * Where a command's progress goes: a live line on the terminal that is stderr, or nowhere.
 * Nowhere unless {@code Main} found stderr to be a terminal: under gpbackup it never is, and a
 * call relayed to the host agent is always silent, since the agent's stderr is not the caller's.
 */
public final class ProgressDisplay {
    private static final ProgressDisplay NONE = new ProgressDisplay(null, null);

    private final PrintStream terminal;
    private final Clock clock;

    private ProgressDisplay(PrintStream terminal, Clock clock) {
        this.terminal = terminal;
        this.clock = clock;
    }

    /** Shows nothing. */
    public static ProgressDisplay none() {
        return NONE;
    }

    /** Shows live lines on {@code terminal}, which the caller has found to be one. */
    public static ProgressDisplay terminal(PrintStream terminal, Clock clock) {
        return new ProgressDisplay(terminal, clock);
    }

    /** Whether a person sees the progress: worth a request more for the total, or a copy more to count it. */
    public boolean live() {
        return terminal != null;
    }

    /** The progress of {@code task}, of {@code totalBytes} (negative when unknown). */
    public Progress start(String task, long totalBytes) {
        return terminal == null ? Progress.silent() : new ProgressLine(terminal, clock, task, totalBytes);
    }
}
