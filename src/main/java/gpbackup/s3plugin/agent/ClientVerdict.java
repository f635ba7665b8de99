package gpbackup.s3plugin.agent;

/**
 * What the client said of its side of a call, on the call's {@code ctl} FIFO: that its stdin
 * reached its end and every byte was passed on ({@code eof}), that it could not pass everything
 * on ({@code abort}), or nothing, because it died ({@code gone}, written by the agent itself).
 */
final class ClientVerdict {
    enum State { PENDING, END_OF_INPUT, ABORTED, GONE }

    private State state = State.PENDING;

    /** Records the first verdict; later ones change nothing. Returns the verdict in force. */
    synchronized State settle(State verdict) {
        if (state == State.PENDING) {
            state = verdict;
            notifyAll();
        }
        return state;
    }

    /** Waits for the client's verdict: the input's end may arrive a moment before the word for it. */
    synchronized State await() throws InterruptedException {
        while (state == State.PENDING) {
            wait();
        }
        return state;
    }

    /** The verdict a {@code ctl} line names, or null for a line that names none. */
    static State fromLine(String line) {
        return switch (line) {
            case "eof" -> State.END_OF_INPUT;
            case "abort" -> State.ABORTED;
            case "gone" -> State.GONE;
            default -> null;
        };
    }
}
