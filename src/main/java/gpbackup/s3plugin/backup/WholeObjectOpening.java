package gpbackup.s3plugin.backup;

import gpbackup.s3plugin.seal.ObjectOpener;
import gpbackup.s3plugin.seal.SealException;
import gpbackup.s3plugin.seal.SealedHeader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.Objects;

/**
 * Takes a whole sealed object's bytes in order, header first, as a download of the whole object writes them:
 * it keeps the header until it is complete, opens the object with the key the header names, and then opens
 * its frames into the output. Nothing reaches the output before the first frame authenticated. Without an
 * output it only checks the header and that the object's length is one a sealed object can have, and takes
 * the frames unopened (verify without the keys).
 */
final class WholeObjectOpening extends SealedObjects.Opening {
    private final SealedObjects sealed;
    private final String key;
    private final long sealedLength;
    private final OutputStream out;
    private final ByteArrayOutputStream header = new ByteArrayOutputStream(SealedHeader.FIXED_LENGTH);
    /** The header's length once its fixed part came; -1 before. */
    private int headerLength = -1;
    private SealedObjects.Opening frames;

    WholeObjectOpening(SealedObjects sealed, String key, long sealedLength, OutputStream out) {
        this.sealed = sealed;
        this.key = key;
        this.sealedLength = sealedLength;
        this.out = out;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (frames == null) {
            int wanted = (headerLength < 0 ? SealedHeader.FIXED_LENGTH : headerLength) - header.size();
            int n = Math.min(len, wanted);
            header.write(b, off, n);
            off += n;
            len -= n;
            if (headerLength < 0 && header.size() == SealedHeader.FIXED_LENGTH) {
                headerLength = SealedHeader.lengthFrom(header.toByteArray(), header.size(),
                        SealedObjects.objectName(key));
            }
            if (headerLength >= 0 && header.size() == headerLength) {
                frames = out == null ? unopened() : opened();
            }
            if (len > 0 && frames == null) {
                write(b, off, len);
                return;
            }
        }
        if (len > 0) {
            frames.write(b, off, len);
        }
    }

    private SealedObjects.Opening opened() {
        ObjectOpener opener = sealed.opener(key, header.toByteArray());
        return new SpanOpening(opener, List.of(opener.whole(sealedLength)), out);
    }

    /** Counts the frames' bytes without opening them, once the header and the length proved possible. */
    private SealedObjects.Opening unopened() {
        String name = SealedObjects.objectName(key);
        SealedHeader parsed = SealedHeader.parse(header.toByteArray(), name);
        parsed.layout().plaintextLength(sealedLength, name);
        return new SealedObjects.Opening() {
            private long taken;

            @Override
            public void write(int b) {
                taken++;
            }

            @Override
            public void write(byte[] b, int off, int len) {
                taken += len;
            }

            @Override
            public void finish() {
                if (taken != sealedLength - headerLength) {
                    throw new SealException(name + " ended after " + (headerLength + taken) + " of its "
                            + sealedLength + " sealed bytes: the object or its download was cut short");
                }
            }
        };
    }

    @Override
    public void flush() throws IOException {
        if (out != null) {
            out.flush();
        }
    }

    @Override
    public void finish() throws IOException {
        if (frames == null) {
            String name = SealedObjects.objectName(key);
            if (header.size() >= SealedHeader.MAGIC.length() && header.size() < SealedHeader.FIXED_LENGTH) {
                // Says "not sealed" for foreign bytes, "cut short" for a header's beginning.
                SealedHeader.lengthFrom(header.toByteArray(), header.size(), name);
            }
            throw new SealException(name + " is cut short inside its sealed header: " + header.size() + " of "
                    + Math.max(headerLength, SealedHeader.FIXED_LENGTH) + " bytes");
        }
        frames.finish();
    }
}
