package gpbackup.s3plugin.transfer;

import gpbackup.s3plugin.s3.Payload;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Up to one part of data held in memory as a list of 1 MiB blocks, so parts larger than a Java
 * array (S3 allows 5 GiB) fit, and memory grows only as data actually arrives.
 * Filled once by {@link #readFrom}, then read-only.
 */
public final class PartBuffer implements Payload {
    static final int BLOCK_SIZE = 1 << 20;

    private final List<byte[]> blocks;
    private final long length;

    private PartBuffer(List<byte[]> blocks, long length) {
        this.blocks = blocks;
        this.length = length;
    }

    /** Reads until {@code limit} bytes or end of stream, whichever comes first. */
    public static PartBuffer readFrom(InputStream in, long limit) throws IOException {
        List<byte[]> blocks = new ArrayList<>();
        long total = 0;
        while (total < limit) {
            int want = (int) Math.min(BLOCK_SIZE, limit - total);
            byte[] block = new byte[want];
            int got = in.readNBytes(block, 0, want);
            if (got > 0) {
                blocks.add(got == want ? block : java.util.Arrays.copyOf(block, got));
                total += got;
            }
            if (got < want) {
                break;
            }
        }
        return new PartBuffer(List.copyOf(blocks), total);
    }

    @Override
    public long length() {
        return length;
    }

    @Override
    public InputStream open() {
        return new InputStream() {
            private int block;
            private int pos;

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
                while (block < blocks.size() && pos == blocks.get(block).length) {
                    block++;
                    pos = 0;
                }
                if (block == blocks.size()) {
                    return -1;
                }
                byte[] current = blocks.get(block);
                int n = Math.min(len, current.length - pos);
                System.arraycopy(current, pos, out, offset, n);
                pos += n;
                return n;
            }
        };
    }

    /** Writes the whole buffer. */
    public void writeTo(OutputStream out) throws IOException {
        for (byte[] block : blocks) {
            out.write(block);
        }
    }
}
