package gpbackup.s3plugin.transfer;

import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.function.LongSupplier;

/**
 * How long the reads and writes of a call's stdin or stdout have been waiting: the host agent tells
 * a call whose client stopped reading or writing (a stalled reader) from one that is busy with the
 * store (spec/agent.md, "Sharing"). Only the wait on the stream counts, never the wait on S3.
 */
public final class StreamWait {
    private final LongSupplier nanoTime;
    private int underWay;
    private long since;

    /** @param nanoTime the clock, {@code System::nanoTime} but in tests */
    public StreamWait(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
    }

    /** A read or write of the stream starts; it may wait for the other end. */
    public synchronized void begin() {
        if (underWay++ == 0) {
            since = nanoTime.getAsLong();
        }
    }

    /** The read or write begun last has returned, with data or not. */
    public synchronized void end() {
        underWay--;
    }

    /**
     * How long the stream's oldest read or write under way has waited at {@code now}; zero when
     * none is under way (with two at once, the first one's start counts until both return).
     */
    public synchronized long waitedNanos(long now) {
        return underWay == 0 ? 0 : now - since;
    }

    /** {@code in}, its reads timed here. */
    public InputStream watch(InputStream in) {
        return new FilterInputStream(in) {
            @Override
            public int read() throws IOException {
                begin();
                try {
                    return super.read();
                } finally {
                    end();
                }
            }

            @Override
            public int read(byte[] buffer, int offset, int length) throws IOException {
                begin();
                try {
                    return super.read(buffer, offset, length);
                } finally {
                    end();
                }
            }
        };
    }

    /** {@code out}, its writes timed here. */
    public OutputStream watch(OutputStream out) {
        return new FilterOutputStream(out) {
            @Override
            public void write(int b) throws IOException {
                begin();
                try {
                    out.write(b);
                } finally {
                    end();
                }
            }

            // FilterOutputStream's own writes an array one byte at a time.
            @Override
            public void write(byte[] buffer, int offset, int length) throws IOException {
                begin();
                try {
                    out.write(buffer, offset, length);
                } finally {
                    end();
                }
            }

            @Override
            public void flush() throws IOException {
                begin();
                try {
                    out.flush();
                } finally {
                    end();
                }
            }
        };
    }
}
