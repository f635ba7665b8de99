package gpbackup.s3plugin.agent;

import java.util.OptionalInt;

/**
 * Who made a relayed call, and what of its process state the command must honour: the client's
 * pid (for the log) and its umask, which the agent applies to the files and directories the
 * command creates, as the caller's own process would have (spec/agent.md, "Parity").
 */
public record Caller(long pid, OptionalInt umask) {
    /** A caller whose umask is not known: the process's own applies. */
    public static Caller of(long pid) {
        return new Caller(pid, OptionalInt.empty());
    }
}
