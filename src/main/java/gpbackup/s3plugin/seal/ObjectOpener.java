package gpbackup.s3plugin.seal;

import java.io.OutputStream;
import java.util.Objects;

/**
 * The download direction for one sealed object: its header, the key the header names and the object's
 * name, with the data key derived once. It gives the layout arithmetic and, per fetched span of frames, an
 * {@link OpeningOutputStream} to write the sealed bytes into.
 */
public final class ObjectOpener {
    private final SealedHeader header;
    private final MasterKey key;
    private final String objectName;
    private final byte[] dataKey;

    private ObjectOpener(SealedHeader header, MasterKey key, String objectName) {
        this.header = header;
        this.key = key;
        this.objectName = Objects.requireNonNull(objectName);
        this.dataKey = FrameCipher.dataKey(key, header.salt(), objectName);
    }

    /**
     * @param objectName the name the object was sealed under (the backup file's base name)
     * @throws SealException when the ring has no key with the header's fingerprint
     */
    public static ObjectOpener of(SealedHeader header, KeyRing ring, String objectName) {
        return new ObjectOpener(header, ring.require(header.fingerprint(), objectName), objectName);
    }

    /** With one key, e.g. what a KMS unwrapped from the envelope. */
    public static ObjectOpener of(SealedHeader header, MasterKey key, String objectName) {
        return of(header, KeyRing.of(key), objectName);
    }

    public SealedHeader header() {
        return header;
    }

    public SealedLayout layout() {
        return header.layout();
    }

    public String objectName() {
        return objectName;
    }

    /** P from the object's sealed length (Content-Length of a HEAD), or a failure when no P fits. */
    public long plaintextLength(long sealedLength) {
        return layout().plaintextLength(sealedLength, objectName);
    }

    /** The frames holding plaintext [from, to) of an object of {@code sealedLength} bytes. */
    public FrameSpan span(long sealedLength, long from, long to) {
        return layout().span(plaintextLength(sealedLength), from, to);
    }

    /** Every frame of an object of {@code sealedLength} bytes. */
    public FrameSpan whole(long sealedLength) {
        return layout().whole(plaintextLength(sealedLength));
    }

    /**
     * A sink for the sealed bytes [span.sealedStart, span.sealedEnd), in order, in chunks of any size; it writes
     * to {@code out} the span's plaintext, frame by frame, each only after it authenticated. One per span and
     * thread (it holds a cipher); {@code out} is not closed.
     */
    public OpeningOutputStream sink(FrameSpan span, OutputStream out) {
        if (!span.equals(layout().span(span.plaintextLength(), span.from(), span.to()))) {
            throw new IllegalArgumentException("the span is not one of this object's layout: " + span);
        }
        return new OpeningOutputStream(new FrameCipher(dataKey, header.noncePrefix(), header.associatedData()), span,
                out, objectName);
    }

    /** The fingerprint of the key that opens this object; the key itself is not shown. */
    @Override
    public String toString() {
        return "ObjectOpener[" + objectName + ", key " + key.fingerprint() + "]";
    }
}
