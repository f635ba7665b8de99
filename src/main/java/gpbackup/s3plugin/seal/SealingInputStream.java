package gpbackup.s3plugin.seal;

import java.io.IOException;
import java.io.InputStream;
import java.security.SecureRandom;
import java.util.Objects;

/**
 * The upload direction: reads plaintext and yields the sealed object, header first, then its frames. It
 * reads one byte past each full frame to learn whether that frame is the last, so the length need not be
 * known in advance. One plaintext buffer, one sealed buffer and one {@link javax.crypto.Cipher} for the whole
 * stream; a read of at least a sealed frame's size is sealed straight into the caller's array.
 */
public final class SealingInputStream extends InputStream {
    private final InputStream plaintext;
    private final SealedHeader header;
    private final String objectName;
    private final FrameCipher cipher;
    private final int frameSize;
    private final byte[] plain;
    private final byte[] sealed;

    /** Bytes ready to hand out: the header at first, then a sealed frame that did not fit a caller's array. */
    private byte[] pending;
    private int pendingAt;
    private int pendingEnd;
    private long nextFrame;
    private boolean lastSealed;
    /** The byte read past a full frame, or -1. */
    private int lookahead = -1;
    private long plaintextLength;

    /**
     * @param plaintext  the stream to seal; closed with this one
     * @param header     the object's header, its fingerprint the key's
     * @param key        the master key (or a KMS data key) the header names
     * @param objectName the name the object is bound to, e.g. the backup file's base name
     */
    public SealingInputStream(InputStream plaintext, SealedHeader header, MasterKey key, String objectName) {
        if (!header.fingerprint().equals(key.fingerprint())) {
            throw new IllegalArgumentException("the header names key " + header.fingerprint() + ", not " + key.fingerprint());
        }
        this.plaintext = Objects.requireNonNull(plaintext);
        this.header = header;
        this.objectName = Objects.requireNonNull(objectName);
        this.cipher = FrameCipher.forObject(header, key, objectName);
        this.frameSize = header.frameSize();
        this.plain = new byte[frameSize];
        this.sealed = new byte[frameSize + SealedLayout.TAG_LENGTH];
        this.pending = header.bytes();
        this.pendingEnd = pending.length;
    }

    /** Seals under the ring's sealing key with a fresh header (local key: no envelope). */
    public static SealingInputStream seal(InputStream plaintext, KeyRing ring, String objectName, int frameSize,
            SecureRandom random) {
        MasterKey key = ring.sealingKey();
        return new SealingInputStream(plaintext, SealedHeader.fresh(frameSize, key.fingerprint(), new byte[0], random),
                key, objectName);
    }

    /** The header this stream starts with. */
    public SealedHeader header() {
        return header;
    }

    /** Plaintext bytes sealed so far; the whole length once this stream has ended. */
    public long plaintextLength() {
        return plaintextLength;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
            return 0;
        }
        if (pendingAt == pendingEnd) {
            if (lastSealed) {
                return -1;
            }
            int length = fillFrame();
            boolean last = length < frameSize || !moreAfterFullFrame();
            if (len >= length + SealedLayout.TAG_LENGTH) {
                return sealNext(length, last, b, off);
            }
            pending = sealed;
            pendingAt = 0;
            pendingEnd = sealNext(length, last, sealed, 0);
        }
        int n = Math.min(len, pendingEnd - pendingAt);
        System.arraycopy(pending, pendingAt, b, off, n);
        pendingAt += n;
        return n;
    }

    private int sealNext(int length, boolean last, byte[] out, int outOffset) {
        if (nextFrame >= SealedLayout.MAX_FRAMES) {
            throw new SealException(objectName + " is longer than a sealed object with " + frameSize
                    + "-byte frames can hold (2^32 - 1 frames); use a larger frame size");
        }
        int n = cipher.sealFrame(nextFrame++, last, plain, 0, length, out, outOffset);
        plaintextLength += length;
        lastSealed = last;
        return n;
    }

    /** Fills the plaintext buffer: a whole frame, or what is left before the end. */
    private int fillFrame() throws IOException {
        int length = 0;
        if (lookahead >= 0) {
            plain[length++] = (byte) lookahead;
            lookahead = -1;
        }
        while (length < frameSize) {
            int n = plaintext.read(plain, length, frameSize - length);
            if (n < 0) {
                break;
            }
            length += n;
        }
        return length;
    }

    private boolean moreAfterFullFrame() throws IOException {
        lookahead = plaintext.read();
        return lookahead >= 0;
    }

    @Override
    public int available() {
        return pendingEnd - pendingAt;
    }

    @Override
    public void close() throws IOException {
        plaintext.close();
    }
}
