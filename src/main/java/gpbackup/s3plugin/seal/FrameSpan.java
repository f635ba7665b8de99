package gpbackup.s3plugin.seal;

import java.util.ArrayList;
import java.util.List;

/**
 * Plaintext bytes [from, to) of a sealed object and the whole frames that hold them: fetch sealed bytes
 * [sealedStart, sealedEnd), open frames {@code firstFrame} to {@code lastFrame}, and keep the opened bytes
 * from {@link #skip()} on, {@link #length()} of them.
 *
 * @param layout          the object's layout
 * @param plaintextLength P, the object's whole plaintext length (it says which frame is the last)
 * @param from            first wanted plaintext byte
 * @param to              end of the wanted plaintext, exclusive
 * @param firstFrame      index of the frame holding {@code from}
 * @param lastFrame       index of the frame holding byte {@code to − 1} (inclusive)
 * @param sealedStart     offset in the sealed object where {@code firstFrame} starts
 * @param sealedEnd       offset in the sealed object where {@code lastFrame} ends, exclusive
 */
public record FrameSpan(SealedLayout layout, long plaintextLength, long from, long to, long firstFrame, long lastFrame,
        long sealedStart, long sealedEnd) {

    public FrameSpan {
        if (from < 0 || to < from || to > plaintextLength || firstFrame < 0 || lastFrame < firstFrame
                || sealedEnd < sealedStart) {
            throw new IllegalArgumentException("bad frame span");
        }
    }

    /** Frames to open. */
    public long frames() {
        return lastFrame - firstFrame + 1;
    }

    /** Sealed bytes to fetch. */
    public long sealedLength() {
        return sealedEnd - sealedStart;
    }

    /** Opened bytes to drop before the wanted ones, all within the first frame. */
    public int skip() {
        return (int) (from - firstFrame * layout.frameSize());
    }

    /** Wanted plaintext bytes. */
    public long length() {
        return to - from;
    }

    /** The plaintext offset the first opened frame starts at. */
    public long openedStart() {
        return firstFrame * layout.frameSize();
    }

    /**
     * This span cut into consecutive spans of whole frames, each at most {@code maxSealedLength} sealed bytes
     * (but at least one frame): pieces a download can fetch with one GET each and open on its own, in any
     * order, then write in order. Together they fetch the same bytes and yield the same plaintext as this.
     */
    public List<FrameSpan> split(long maxSealedLength) {
        long framesPerPiece = Math.max(1, maxSealedLength / layout.sealedFrameSize());
        if (length() == 0 || frames() <= framesPerPiece) {
            return List.of(this);
        }
        List<FrameSpan> pieces = new ArrayList<>();
        for (long f = firstFrame; f <= lastFrame; f += framesPerPiece) {
            long g = Math.min(lastFrame, f + framesPerPiece - 1);
            long pieceFrom = Math.max(from, f * layout.frameSize());
            long pieceTo = Math.min(to, (g + 1) * layout.frameSize());
            pieces.add(layout.span(plaintextLength, pieceFrom, pieceTo));
        }
        return pieces;
    }
}
