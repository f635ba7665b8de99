package gpbackup.s3plugin.transfer;

import gpbackup.s3plugin.s3.Payload;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Up to one part of data held in memory as a list of 1 MiB blocks, so parts larger than a Java
 * array (S3 allows 5 GiB) fit, and memory grows only as data actually arrives. The SHA-256 that
 * signs the part is computed while the data is read, while it is still in the CPU's cache.
 * Filled once by {@link #readFrom}, then read-only.
 */
public final class PartBuffer implements Payload {
    static final int BLOCK_SIZE = 1 << 20;

    private final List<byte[]> blocks;
    private final long length;
    private final String sha256Hex;

    private PartBuffer(List<byte[]> blocks, long length, String sha256Hex) {
        this.blocks = blocks;
        this.length = length;
        this.sha256Hex = sha256Hex;
    }

    /** Reads until {@code limit} bytes or end of stream, whichever comes first. */
    public static PartBuffer readFrom(InputStream in, long limit) throws IOException {
        List<byte[]> blocks = new ArrayList<>();
        MessageDigest digest = Payload.sha256();
        long total = 0;
        while (total < limit) {
            int want = (int) Math.min(BLOCK_SIZE, limit - total);
            byte[] block = new byte[want];
            int got = 0;
            while (got < want) {
                int n = in.read(block, got, want - got);
                if (n < 0) {
                    break;
                }
                digest.update(block, got, n);
                got += n;
            }
            if (got > 0) {
                blocks.add(got == want ? block : java.util.Arrays.copyOf(block, got));
                total += got;
            }
            if (got < want) {
                break;
            }
        }
        return new PartBuffer(List.copyOf(blocks), total, HexFormat.of().formatHex(digest.digest()));
    }

    @Override
    public long length() {
        return length;
    }

    @Override
    public List<ByteBuffer> buffers() {
        List<ByteBuffer> views = new ArrayList<>(blocks.size());
        for (byte[] block : blocks) {
            views.add(ByteBuffer.wrap(block));
        }
        return views;
    }

    @Override
    public String sha256Hex() {
        return sha256Hex;
    }

    /** Writes the whole buffer. */
    public void writeTo(OutputStream out) throws IOException {
        for (byte[] block : blocks) {
            out.write(block);
        }
    }
}
