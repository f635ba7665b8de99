package gpbackup.s3plugin.backup;

import gpbackup.s3plugin.seal.FrameSpan;
import gpbackup.s3plugin.seal.ObjectOpener;
import gpbackup.s3plugin.seal.OpeningOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.Objects;

/**
 * Takes the sealed bytes of several spans of one object's frames, one span after the other as a ranged
 * download writes them, and opens each span into the output in turn.
 */
final class SpanOpening extends SealedObjects.Opening {
    private final ObjectOpener opener;
    private final List<FrameSpan> spans;
    private final OutputStream out;
    private int next;
    private OpeningOutputStream current;
    /** Sealed bytes of the current span still to come. */
    private long left;

    SpanOpening(ObjectOpener opener, List<FrameSpan> spans, OutputStream out) {
        this.opener = opener;
        this.spans = List.copyOf(spans);
        this.out = Objects.requireNonNull(out);
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        while (len > 0) {
            if (current == null) {
                if (next == spans.size()) {
                    throw new IllegalStateException("more sealed bytes of " + opener.objectName()
                            + " were written than its " + spans.size() + " spans hold");
                }
                current = opener.sink(spans.get(next), out);
                left = spans.get(next++).sealedLength();
            }
            int n = (int) Math.min(len, left);
            current.write(b, off, n);
            off += n;
            len -= n;
            left -= n;
            if (left == 0) {
                current.finish();
                current = null;
            }
        }
    }

    @Override
    public void flush() throws IOException {
        out.flush();
    }

    /** Fails as the first span not wholly written does: cut short, naming its frames. */
    @Override
    public void finish() throws IOException {
        if (current != null) {
            current.finish();
        }
        if (next < spans.size()) {
            opener.sink(spans.get(next), out).finish();
        }
        out.flush();
    }
}
