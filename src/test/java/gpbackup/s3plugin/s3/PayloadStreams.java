package gpbackup.s3plugin.s3;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.List;

/** Reads a {@link Payload} back as a stream, so tests can compare what a body holds. */
public final class PayloadStreams {
    private PayloadStreams() {
    }

    /** A fresh stream over the whole body. */
    public static InputStream open(Payload payload) {
        List<ByteBuffer> views = payload.buffers();
        return new InputStream() {
            private int index;

            @Override
            public int read() {
                byte[] one = new byte[1];
                return read(one, 0, 1) == -1 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] out, int offset, int len) {
                if (len == 0) {
                    return 0;
                }
                while (index < views.size() && !views.get(index).hasRemaining()) {
                    index++;
                }
                if (index == views.size()) {
                    return -1;
                }
                ByteBuffer current = views.get(index);
                int n = Math.min(len, current.remaining());
                current.get(out, offset, n);
                return n;
            }
        };
    }
}
