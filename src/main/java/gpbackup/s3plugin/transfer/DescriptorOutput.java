package gpbackup.s3plugin.transfer;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.util.List;

/**
 * A file descriptor that carries data out (stdout, a relay's pipe, a restored file): buffered
 * for small writes such as listings, while pieces go straight from their native blocks to the
 * descriptor, with no copy into the JDK's own buffer on the way.
 */
public final class DescriptorOutput extends BufferedOutputStream {
    private static final int SMALL_WRITES = 1 << 16;

    private final FileChannel channel;
    private final StreamWait wait;

    /** Writes to {@code channel}, and closes it when closed. */
    public DescriptorOutput(FileChannel channel) {
        this(channel, new StreamWait(System::nanoTime));
    }

    /** Writes to {@code channel}, and closes it when closed; {@code wait} times every write. */
    public DescriptorOutput(FileChannel channel, StreamWait wait) {
        super(wait.watch(Channels.newOutputStream(channel)), SMALL_WRITES);
        this.channel = channel;
        this.wait = wait;
    }

    /** Writes the buffers whole, in order, after whatever was written before. */
    public synchronized void write(List<ByteBuffer> buffers) throws IOException {
        flush();
        ByteBuffer[] all = buffers.toArray(new ByteBuffer[0]);
        long left = 0;
        for (ByteBuffer buffer : all) {
            left += buffer.remaining();
        }
        wait.begin();
        try {
            while (left > 0) {
                left -= channel.write(all);
            }
        } finally {
            wait.end();
        }
    }
}
