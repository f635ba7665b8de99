package gpbackup.s3plugin.seal;

import static gpbackup.s3plugin.seal.SealFixtures.NAME;
import static gpbackup.s3plugin.seal.SealFixtures.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class SealedHeaderTest {
    private static final byte[] SALT = hex("202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f");
    private static final byte[] PREFIX = hex("a0a1a2a3a4a5a6");
    private static final KeyFingerprint FINGERPRINT = KeyFingerprint.parse("0123456789abcdef");

    @Test
    void encodesTheFieldsInOrderBigEndian() {
        SealedHeader header = SealedHeader.of(65536, FINGERPRINT, SALT, PREFIX, hex("c0ffee"));
        assertArrayEquals(hex("475053335345414c" + "01" + "00010000" + "0123456789abcdef"
                + "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f" + "a0a1a2a3a4a5a6" + "0003" + "c0ffee"),
                header.bytes());
        assertEquals(65, header.length());
        assertEquals(new SealedLayout(65, 65536), header.layout());
    }

    @Test
    void parsesWhatItWrites() throws Exception {
        SealedHeader header = SealedHeader.of(4096, FINGERPRINT, SALT, PREFIX, new byte[0]);
        byte[] followedByFrames = Arrays.copyOf(header.bytes(), 200);
        SealedHeader parsed = SealedHeader.parse(followedByFrames, NAME);
        assertEquals(header, parsed);
        assertEquals(62, parsed.length());
        assertEquals(4096, parsed.frameSize());
        assertEquals(FINGERPRINT, parsed.fingerprint());
        assertArrayEquals(SALT, parsed.salt());
        assertArrayEquals(PREFIX, parsed.noncePrefix());
        assertArrayEquals(new byte[0], parsed.envelope());
        assertEquals(62, SealedHeader.lengthFrom(followedByFrames, 62, NAME));

        ByteArrayInputStream in = new ByteArrayInputStream(followedByFrames);
        assertEquals(header, SealedHeader.read(in, NAME));
        assertEquals(200 - 62, in.available(), "read takes the header and no more");
    }

    @Test
    void readsAnEnvelopeOfAnyLength() {
        byte[] envelope = new byte[0xFFFF];
        Arrays.fill(envelope, (byte) 7);
        SealedHeader header = SealedHeader.of(4 << 20, FINGERPRINT, SALT, PREFIX, envelope);
        assertEquals(SealedHeader.MAX_LENGTH, header.length());
        assertArrayEquals(envelope, SealedHeader.parse(header.bytes(), NAME).envelope());
        assertEquals(SealedHeader.MAX_LENGTH, SealedHeader.lengthFrom(header.bytes(), 62, NAME));
    }

    @Test
    void refusesAnObjectThatIsNotSealed() {
        byte[] gzip = hex("1f8b0800000000000003" + "00".repeat(60));
        SealException e = assertThrows(SealException.class, () -> SealedHeader.parse(gzip, NAME));
        assertEquals(NAME + " is not a sealed object: it does not start with GPS3SEAL", e.getMessage());
        assertThrows(SealException.class, () -> SealedHeader.parse(new byte[3], NAME));
    }

    @Test
    void refusesAnUnknownVersion() {
        byte[] bytes = SealedHeader.of(4096, FINGERPRINT, SALT, PREFIX, new byte[0]).bytes();
        bytes[8] = 2;
        SealException e = assertThrows(SealException.class, () -> SealedHeader.parse(bytes, NAME));
        assertEquals(NAME + " is sealed in format version 2, which this plugin does not read (it reads version 1);"
                + " restore it with the plugin version that wrote it", e.getMessage());
    }

    @Test
    void refusesAFrameSizeThatIsNotAPowerOfTwoInRange() {
        for (int bad : new int[] {0, 2048, 4095, 4097, 3 << 12, 8 << 20, -1}) {
            byte[] bytes = SealedHeader.of(4096, FINGERPRINT, SALT, PREFIX, new byte[0]).bytes();
            ByteBuffer.wrap(bytes).putInt(9, bad);
            SealException e = assertThrows(SealException.class, () -> SealedHeader.parse(bytes, NAME));
            assertEquals(NAME + " has frame size " + Integer.toUnsignedString(bad) + " in its sealed header, not a"
                    + " power of two from 4096 to 4194304: the header is damaged", e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> SealedHeader.of(bad, FINGERPRINT, SALT, PREFIX, new byte[0]));
        }
    }

    @Test
    void refusesAHeaderCutShort() {
        byte[] bytes = SealedHeader.of(4096, FINGERPRINT, SALT, PREFIX, new byte[10]).bytes();
        SealException fixed = assertThrows(SealException.class, () -> SealedHeader.parse(bytes, 40, NAME));
        assertEquals(NAME + " is cut short inside its sealed header: 40 of at least 62 bytes", fixed.getMessage());
        SealException envelope = assertThrows(SealException.class, () -> SealedHeader.parse(bytes, 70, NAME));
        assertEquals(NAME + " is cut short inside its sealed header: 70 of 72 bytes", envelope.getMessage());
        assertThrows(SealException.class, () -> SealedHeader.read(new ByteArrayInputStream(bytes, 0, 70), NAME));
    }

    @Test
    void showsNoSaltInToString() {
        SealedHeader header = SealedHeader.of(4096, FINGERPRINT, SALT, PREFIX, new byte[0]);
        assertEquals("SealedHeader[version=1, frameSize=4096, key=0123456789abcdef, envelope=0 bytes]", header.toString());
    }
}
