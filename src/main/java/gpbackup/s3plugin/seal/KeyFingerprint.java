package gpbackup.s3plugin.seal;

import java.nio.ByteBuffer;
import java.util.HexFormat;

/**
 * The 8-byte public name of a master key that a sealed header carries, so the opener can pick the key
 * from the ring without trying each; shown as 16 lowercase hex characters. It reveals nothing of the key.
 *
 * @param bits the 8 bytes, big-endian
 */
public record KeyFingerprint(long bits) {
    /** Bytes of a fingerprint in a header. */
    public static final int LENGTH = 8;

    static KeyFingerprint of(byte[] bytes, int offset) {
        return new KeyFingerprint(ByteBuffer.wrap(bytes, offset, LENGTH).getLong());
    }

    /** Parses the 16 hex characters {@link #toString()} gives. */
    public static KeyFingerprint parse(String hex) {
        if (hex.length() != 2 * LENGTH) {
            throw new IllegalArgumentException("a key fingerprint is 16 hex characters");
        }
        return new KeyFingerprint(HexFormat.fromHexDigitsToLong(hex));
    }

    byte[] bytes() {
        return ByteBuffer.allocate(LENGTH).putLong(bits).array();
    }

    /** The 16 lowercase hex characters. */
    @Override
    public String toString() {
        return HexFormat.of().toHexDigits(bits);
    }
}
