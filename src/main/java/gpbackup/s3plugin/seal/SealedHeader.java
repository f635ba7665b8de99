package gpbackup.s3plugin.seal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * The header a sealed object starts with (spec/sealed-format.md): magic, version, frame size, key
 * fingerprint, salt, nonce prefix and envelope. Its encoded bytes are the associated data of every frame,
 * so a change to any of them fails every frame.
 */
public final class SealedHeader {
    /** The first 8 bytes of every sealed object. */
    public static final String MAGIC = "GPS3SEAL";
    /** The one format version this code writes and reads. */
    public static final int VERSION = 1;
    /** Bytes of the header before the envelope: magic 8, version 1, frame size 4, fingerprint 8, salt 32, nonce prefix 7, envelope length 2. */
    public static final int FIXED_LENGTH = 62;
    /** The longest header there can be (an envelope of 65535 bytes). */
    public static final int MAX_LENGTH = FIXED_LENGTH + 0xFFFF;
    public static final int MIN_FRAME_SIZE = 4 << 10;
    public static final int MAX_FRAME_SIZE = 4 << 20;
    public static final int SALT_LENGTH = 32;
    public static final int NONCE_PREFIX_LENGTH = 7;

    private static final byte[] MAGIC_BYTES = MAGIC.getBytes(StandardCharsets.US_ASCII);
    private static final int VERSION_AT = 8;
    private static final int FRAME_SIZE_AT = 9;
    private static final int FINGERPRINT_AT = 13;
    private static final int SALT_AT = 21;
    private static final int NONCE_PREFIX_AT = 53;
    private static final int ENVELOPE_LENGTH_AT = 60;

    private final byte[] encoded;

    private SealedHeader(byte[] encoded) {
        this.encoded = encoded;
    }

    /**
     * A header from its fields.
     *
     * @param envelope empty for a local key; a KMS CiphertextBlob of the master key otherwise
     */
    public static SealedHeader of(int frameSize, KeyFingerprint fingerprint, byte[] salt, byte[] noncePrefix,
            byte[] envelope) {
        if (!validFrameSize(frameSize)) {
            throw new IllegalArgumentException("frame size " + frameSize + " is not a power of two from "
                    + MIN_FRAME_SIZE + " to " + MAX_FRAME_SIZE);
        }
        if (salt.length != SALT_LENGTH || noncePrefix.length != NONCE_PREFIX_LENGTH || envelope.length > 0xFFFF) {
            throw new IllegalArgumentException("salt " + SALT_LENGTH + " bytes, nonce prefix " + NONCE_PREFIX_LENGTH
                    + " bytes, envelope at most 65535 bytes");
        }
        ByteBuffer b = ByteBuffer.allocate(FIXED_LENGTH + envelope.length);
        b.put(MAGIC_BYTES).put((byte) VERSION).putInt(frameSize).put(fingerprint.bytes()).put(salt).put(noncePrefix)
                .putShort((short) envelope.length).put(envelope);
        return new SealedHeader(b.array());
    }

    /** A header for a new object: a fresh random salt and nonce prefix. */
    public static SealedHeader fresh(int frameSize, KeyFingerprint fingerprint, byte[] envelope, SecureRandom random) {
        byte[] salt = new byte[SALT_LENGTH];
        byte[] prefix = new byte[NONCE_PREFIX_LENGTH];
        random.nextBytes(salt);
        random.nextBytes(prefix);
        return of(frameSize, fingerprint, salt, prefix, envelope);
    }

    /**
     * The header at the start of {@code bytes} (which may go on into the frames).
     *
     * @param objectName the object's name, for the messages
     * @throws SealException when it is not a sealed object, has an unknown version, a bad frame size, or is cut short
     */
    public static SealedHeader parse(byte[] bytes, int length, String objectName) {
        checkFixedPart(bytes, length, objectName);
        int total = FIXED_LENGTH + envelopeLength(bytes);
        if (length < total) {
            throw new SealException(objectName + " is cut short inside its sealed header: " + length + " of "
                    + total + " bytes");
        }
        return new SealedHeader(Arrays.copyOf(bytes, total));
    }

    public static SealedHeader parse(byte[] bytes, String objectName) {
        return parse(bytes, bytes.length, objectName);
    }

    /** Reads exactly the header's bytes from the start of a sealed stream, no further. */
    public static SealedHeader read(InputStream in, String objectName) throws IOException {
        byte[] fixed = in.readNBytes(FIXED_LENGTH);
        checkFixedPart(fixed, fixed.length, objectName);
        int envelopeLength = envelopeLength(fixed);
        byte[] all = Arrays.copyOf(fixed, FIXED_LENGTH + envelopeLength);
        if (in.readNBytes(all, FIXED_LENGTH, envelopeLength) < envelopeLength) {
            throw new SealException(objectName + " is cut short inside its sealed header's envelope");
        }
        return new SealedHeader(all);
    }

    /**
     * How long the header is whose first {@link #FIXED_LENGTH} (or more) bytes these are; what a reader
     * that fetched only a prefix needs to know to fetch the rest.
     */
    public static int lengthFrom(byte[] prefix, int length, String objectName) {
        checkFixedPart(prefix, length, objectName);
        return FIXED_LENGTH + envelopeLength(prefix);
    }

    private static void checkFixedPart(byte[] bytes, int length, String objectName) {
        if (length < MAGIC_BYTES.length || !Arrays.equals(bytes, 0, MAGIC_BYTES.length, MAGIC_BYTES, 0,
                MAGIC_BYTES.length)) {
            throw new SealException(objectName + " is not a sealed object: it does not start with " + MAGIC);
        }
        if (length < FIXED_LENGTH) {
            throw new SealException(objectName + " is cut short inside its sealed header: " + length + " of at least "
                    + FIXED_LENGTH + " bytes");
        }
        int version = bytes[VERSION_AT] & 0xFF;
        if (version != VERSION) {
            throw new SealException(objectName + " is sealed in format version " + version
                    + ", which this plugin does not read (it reads version " + VERSION + "); restore it with the"
                    + " plugin version that wrote it");
        }
        int frameSize = ByteBuffer.wrap(bytes).getInt(FRAME_SIZE_AT);
        if (!validFrameSize(frameSize)) {
            throw new SealException(objectName + " has frame size " + Integer.toUnsignedString(frameSize)
                    + " in its sealed header, not a power of two from " + MIN_FRAME_SIZE + " to " + MAX_FRAME_SIZE
                    + ": the header is damaged");
        }
    }

    private static int envelopeLength(byte[] bytes) {
        return ByteBuffer.wrap(bytes).getShort(ENVELOPE_LENGTH_AT) & 0xFFFF;
    }

    static boolean validFrameSize(int frameSize) {
        return frameSize >= MIN_FRAME_SIZE && frameSize <= MAX_FRAME_SIZE && Integer.bitCount(frameSize) == 1;
    }

    public int version() {
        return encoded[VERSION_AT] & 0xFF;
    }

    /** Plaintext bytes per frame (the last frame may hold fewer). */
    public int frameSize() {
        return ByteBuffer.wrap(encoded).getInt(FRAME_SIZE_AT);
    }

    public KeyFingerprint fingerprint() {
        return KeyFingerprint.of(encoded, FINGERPRINT_AT);
    }

    public byte[] salt() {
        return Arrays.copyOfRange(encoded, SALT_AT, SALT_AT + SALT_LENGTH);
    }

    public byte[] noncePrefix() {
        return Arrays.copyOfRange(encoded, NONCE_PREFIX_AT, NONCE_PREFIX_AT + NONCE_PREFIX_LENGTH);
    }

    /** The envelope: empty for a local key. */
    public byte[] envelope() {
        return Arrays.copyOfRange(encoded, FIXED_LENGTH, encoded.length);
    }

    /** Bytes of the encoded header, H = 62 + envelope length: where frame 0 starts. */
    public int length() {
        return encoded.length;
    }

    /** The encoded header, a copy. */
    public byte[] bytes() {
        return encoded.clone();
    }

    /** The encoded header itself, for the frames' associated data; not to be changed. */
    byte[] associatedData() {
        return encoded;
    }

    /** The arithmetic of this object's frames. */
    public SealedLayout layout() {
        return new SealedLayout(length(), frameSize());
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof SealedHeader that && Arrays.equals(encoded, that.encoded);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(encoded);
    }

    @Override
    public String toString() {
        return "SealedHeader[version=" + version() + ", frameSize=" + frameSize() + ", key=" + fingerprint()
                + ", envelope=" + (encoded.length - FIXED_LENGTH) + " bytes]";
    }
}
