package gpbackup.s3plugin.progress;

import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Streams that count the bytes through them into a {@link Progress}. With the silent progress
 * they are the streams given, untouched: a call nobody watches (every call under gpbackup) keeps
 * its exact data path, such as pieces written to stdout with no copy on the way.
 */
public final class ProgressStreams {
    private ProgressStreams() {
    }

    public static InputStream counting(InputStream in, Progress progress) {
        if (progress instanceof Progress.Silent) {
            return in;
        }
        return new FilterInputStream(in) {
            @Override
            public int read() throws IOException {
                int b = super.read();
                if (b >= 0) {
                    progress.advance(1);
                }
                return b;
            }

            @Override
            public int read(byte[] buffer, int offset, int length) throws IOException {
                int n = super.read(buffer, offset, length);
                if (n > 0) {
                    progress.advance(n);
                }
                return n;
            }

            @Override
            public long skip(long n) throws IOException {
                long skipped = super.skip(n);
                progress.advance(skipped);
                return skipped;
            }
        };
    }

    /** Counts what is written; closing it does not close {@code out}, which its owner closes. */
    public static OutputStream counting(OutputStream out, Progress progress) {
        if (progress instanceof Progress.Silent) {
            return out;
        }
        return new FilterOutputStream(out) {
            @Override
            public void write(int b) throws IOException {
                out.write(b);
                progress.advance(1);
            }

            // FilterOutputStream's own writes arrays a byte at a time.
            @Override
            public void write(byte[] buffer, int offset, int length) throws IOException {
                out.write(buffer, offset, length);
                progress.advance(length);
            }

            @Override
            public void close() throws IOException {
                out.flush();
            }
        };
    }
}
