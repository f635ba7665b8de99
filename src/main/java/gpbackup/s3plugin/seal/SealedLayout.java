package gpbackup.s3plugin.seal;

/**
 * Where things are in a sealed object, by arithmetic alone: a header of {@code headerLength} bytes, then
 * frames of {@code frameSize} plaintext bytes plus a 16-byte tag each, the last frame holding 0 to
 * {@code frameSize} bytes. Sealed length C = H + P + 16·n for plaintext length P and n = max(1, ⌈P/F⌉) frames.
 *
 * @param headerLength H, the header's encoded length
 * @param frameSize    F, plaintext bytes per frame
 */
public record SealedLayout(int headerLength, int frameSize) {
    /** Bytes of a GCM tag, at the end of each sealed frame. */
    public static final int TAG_LENGTH = 16;
    /** Frame indexes are 32 bits; the frame count is at most 2^32 − 1. */
    public static final long MAX_FRAMES = 0xFFFFFFFFL;

    public SealedLayout {
        if (headerLength < SealedHeader.FIXED_LENGTH || headerLength > SealedHeader.MAX_LENGTH
                || !SealedHeader.validFrameSize(frameSize)) {
            throw new IllegalArgumentException("bad sealed layout: header " + headerLength + ", frame " + frameSize);
        }
    }

    /** Bytes of a full sealed frame, F + 16. */
    public long sealedFrameSize() {
        return (long) frameSize + TAG_LENGTH;
    }

    /** The most plaintext one object can hold: 2^32 − 1 full frames. */
    public long maxPlaintextLength() {
        return MAX_FRAMES * frameSize;
    }

    /** n = max(1, ⌈P/F⌉). */
    public long frameCount(long plaintextLength) {
        checkPlaintextLength(plaintextLength);
        return Math.max(1, (plaintextLength + frameSize - 1) / frameSize);
    }

    /** C = H + P + 16·n. */
    public long sealedLength(long plaintextLength) {
        return headerLength + plaintextLength + TAG_LENGTH * frameCount(plaintextLength);
    }

    /** Where frame {@code index} starts in the sealed object: H + index·(F + 16). */
    public long frameStart(long index) {
        return headerLength + index * sealedFrameSize();
    }

    /** Plaintext bytes of frame {@code index} of an object of {@code plaintextLength} bytes. */
    public int framePlaintextLength(long plaintextLength, long index) {
        long n = frameCount(plaintextLength);
        if (index < 0 || index >= n) {
            throw new IllegalArgumentException("frame " + index + " of " + n);
        }
        return index < n - 1 ? frameSize : (int) (plaintextLength - (n - 1) * frameSize);
    }

    /**
     * The plaintext length of a sealed object of {@code sealedLength} bytes.
     *
     * @throws SealException when no plaintext seals to that length: the object was cut or padded
     */
    public long plaintextLength(long sealedLength, String objectName) {
        long body = sealedLength - headerLength;
        if (body < TAG_LENGTH) {
            throw impossible(sealedLength, objectName);
        }
        long full = body / sealedFrameSize();
        long rest = body % sealedFrameSize();
        long plaintext;
        if (rest == 0) {
            plaintext = full * frameSize;
        } else if (rest > TAG_LENGTH || (rest == TAG_LENGTH && full == 0)) {
            plaintext = full * frameSize + rest - TAG_LENGTH;
        } else {
            // 1..15 bytes are less than a tag; 16 bytes after full frames would be an empty frame, never written.
            throw impossible(sealedLength, objectName);
        }
        if (plaintext > maxPlaintextLength()) {
            throw impossible(sealedLength, objectName);
        }
        return plaintext;
    }

    private SealException impossible(long sealedLength, String objectName) {
        return new SealException(objectName + " is " + sealedLength + " bytes, a length no sealed object with a "
                + headerLength + "-byte header and " + frameSize + "-byte frames can have: it was cut short or changed");
    }

    /**
     * The frames holding plaintext bytes [from, to) of an object of {@code plaintextLength} bytes, and the
     * sealed bytes to fetch for them. An empty range still names one frame (the one holding {@code from},
     * or the last), so an empty object is opened and authenticated like any other.
     */
    public FrameSpan span(long plaintextLength, long from, long to) {
        long n = frameCount(plaintextLength);
        if (from < 0 || to < from || to > plaintextLength) {
            throw new IllegalArgumentException("range [" + from + ", " + to + ") is not within the object's "
                    + plaintextLength + " bytes");
        }
        long first = Math.min(from / frameSize, n - 1);
        long last = to == from ? first : (to - 1) / frameSize;
        long end = frameStart(last) + framePlaintextLength(plaintextLength, last) + TAG_LENGTH;
        return new FrameSpan(this, plaintextLength, from, to, first, last, frameStart(first), end);
    }

    /** All frames of the object: what a whole restore fetches after the header. */
    public FrameSpan whole(long plaintextLength) {
        return span(plaintextLength, 0, plaintextLength);
    }

    private void checkPlaintextLength(long plaintextLength) {
        if (plaintextLength < 0 || plaintextLength > maxPlaintextLength()) {
            throw new IllegalArgumentException("plaintext length " + plaintextLength + " is beyond "
                    + maxPlaintextLength() + ", the most 2^32 − 1 frames of " + frameSize + " bytes hold");
        }
    }
}
