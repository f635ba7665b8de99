package gpbackup.s3plugin.transfer;

import java.util.ArrayList;
import java.util.List;

/** Bytes {@code [start, end)} of an object. */
public record ByteRange(long start, long end) {
    public ByteRange {
        if (start < 0 || end < start) {
            throw new IllegalArgumentException("bad byte range [" + start + ", " + end + ")");
        }
    }

    public long length() {
        return end - start;
    }

    /** This range cut into consecutive pieces of at most {@code pieceSize} bytes. */
    public List<ByteRange> split(long pieceSize) {
        List<ByteRange> pieces = new ArrayList<>();
        for (long s = start; s < end; s += pieceSize) {
            pieces.add(new ByteRange(s, Math.min(end, s + pieceSize)));
        }
        return pieces;
    }
}
