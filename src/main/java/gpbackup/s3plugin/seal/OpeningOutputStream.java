package gpbackup.s3plugin.seal;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Objects;
import javax.crypto.AEADBadTagException;

/**
 * Takes the sealed bytes of a span of frames in order, in chunks of any size, and writes to its output the
 * wanted plaintext of each frame once that frame authenticated: a frame that does not authenticate fails
 * the stream before any of its bytes reach the output. {@link #close()} fails when fewer bytes came than
 * the span holds. It buffers at most one frame; the output is flushed on close, not closed.
 */
public final class OpeningOutputStream extends OutputStream {
    private final FrameCipher cipher;
    private final FrameSpan span;
    private final OutputStream out;
    private final String objectName;
    private final long lastFrameOfObject;
    private final byte[] frame;
    private final byte[] opened;

    private long index;
    /** Sealed bytes of frame {@code index}, and how many of them have come. */
    private int expected;
    private int filled;
    private long received;
    private SealException failure;

    OpeningOutputStream(FrameCipher cipher, FrameSpan span, OutputStream out, String objectName) {
        this.cipher = cipher;
        this.span = span;
        this.out = Objects.requireNonNull(out);
        this.objectName = objectName;
        SealedLayout layout = span.layout();
        this.lastFrameOfObject = layout.frameCount(span.plaintextLength()) - 1;
        this.frame = new byte[layout.frameSize() + SealedLayout.TAG_LENGTH];
        this.opened = new byte[layout.frameSize()];
        this.index = span.firstFrame();
        this.expected = sealedLengthOf(index);
    }

    private int sealedLengthOf(long frameIndex) {
        return span.layout().framePlaintextLength(span.plaintextLength(), frameIndex) + SealedLayout.TAG_LENGTH;
    }

    /** The span this stream opens. */
    public FrameSpan span() {
        return span;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (failure != null) {
            throw failure;
        }
        while (len > 0) {
            if (index > span.lastFrame()) {
                throw new IllegalStateException("more than the " + span.sealedLength() + " sealed bytes of "
                        + objectName + "'s frames " + span.firstFrame() + " to " + span.lastFrame() + " were written");
            }
            if (filled == 0 && len >= expected) {
                // A whole frame in the caller's array: opened from there, not copied first.
                open(b, off);
                off += expected;
                len -= expected;
                received += expected;
                next();
                continue;
            }
            int n = Math.min(len, expected - filled);
            System.arraycopy(b, off, frame, filled, n);
            filled += n;
            off += n;
            len -= n;
            received += n;
            if (filled == expected) {
                open(frame, 0);
                next();
            }
        }
    }

    private void next() {
        filled = 0;
        index++;
        if (index <= span.lastFrame()) {
            expected = sealedLengthOf(index);
        }
    }

    private void open(byte[] sealedFrame, int offset) throws IOException {
        boolean last = index == lastFrameOfObject;
        int length;
        try {
            length = cipher.openFrame(index, last, sealedFrame, offset, expected, opened, 0);
        } catch (AEADBadTagException e) {
            failure = new SealException(last
                    ? "frame " + index + " of " + objectName + ", its last, does not authenticate: the object was cut"
                            + " short or changed, or sealed for another object or key"
                    : "frame " + index + " of " + objectName + " does not authenticate: the object was changed, or"
                            + " sealed for another object or key");
            throw failure;
        }
        long frameStart = index * span.layout().frameSize();
        long from = Math.max(span.from(), frameStart);
        long to = Math.min(span.to(), frameStart + length);
        if (to > from) {
            out.write(opened, (int) (from - frameStart), (int) (to - from));
        }
    }

    /** Sealed bytes taken so far. */
    public long received() {
        return received;
    }

    /**
     * Checks that the whole span came and opened, and flushes the output.
     *
     * @throws SealException when fewer bytes came than the span holds
     */
    public void finish() throws IOException {
        if (failure != null) {
            throw failure;
        }
        if (index <= span.lastFrame()) {
            failure = new SealException(objectName + " ended after " + received + " of the " + span.sealedLength()
                    + " sealed bytes of its frames " + span.firstFrame() + " to " + span.lastFrame()
                    + " (in frame " + index + "): the object or its download was cut short");
            throw failure;
        }
        out.flush();
    }

    /** {@link #finish()}, unless a frame already failed; the output stays open. */
    @Override
    public void close() throws IOException {
        if (failure == null) {
            finish();
        }
    }
}
