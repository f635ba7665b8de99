package gpbackup.s3plugin.agent;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * The client's stdin as it arrives through the call's {@code in} FIFO. The FIFO also ends when the
 * client is killed, so its end is believed only when the client has vouched for it; otherwise
 * reading fails, and the upload is aborted rather than stored short.
 */
final class RelayedInput extends FilterInputStream {
    private final ClientVerdict verdict;

    RelayedInput(InputStream fifo, ClientVerdict verdict) {
        super(fifo);
        this.verdict = verdict;
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        return b < 0 ? checkedEnd() : b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        int n = super.read(buffer, offset, length);
        return n < 0 ? checkedEnd() : n;
    }

    private int checkedEnd() throws IOException {
        ClientVerdict.State state;
        try {
            state = verdict.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the client to confirm the end of its stdin", e);
        }
        switch (state) {
            case END_OF_INPUT:
                return -1;
            case ABORTED:
                throw new IOException("the client could not read all of its stdin; nothing was stored");
            default:
                throw new IOException("the client ended before its stdin did; nothing was stored");
        }
    }
}
