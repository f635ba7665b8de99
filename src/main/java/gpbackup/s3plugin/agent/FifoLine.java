package gpbackup.s3plugin.agent;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One line a client writes into the agent's {@code requests} FIFO: {@code call <pid> <name>},
 * where {@code <name>} prefixes the call's files in the agent directory, or {@code stop}.
 * Lines stay far below PIPE_BUF, so concurrent writers never interleave them.
 */
record FifoLine(Kind kind, long clientPid, String callName) {
    enum Kind { CALL, STOP }

    private static final Pattern CALL = Pattern.compile("call ([1-9][0-9]{0,9}) (call\\.[1-9][0-9]{0,9})");

    static FifoLine stop() {
        return new FifoLine(Kind.STOP, 0, "");
    }

    /** The request a line holds; empty for anything else, which the agent ignores. */
    static Optional<FifoLine> parse(String line) {
        if (line.equals("stop")) {
            return Optional.of(stop());
        }
        Matcher call = CALL.matcher(line);
        if (!call.matches()) {
            return Optional.empty();
        }
        return Optional.of(new FifoLine(Kind.CALL, Long.parseLong(call.group(1)), call.group(2)));
    }

    String line() {
        return kind == Kind.STOP ? "stop" : "call " + clientPid + " " + callName;
    }
}
