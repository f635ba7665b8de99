package gpbackup.s3plugin.seal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Random;

/** Whole-object sealing and opening for the tests, with the reads and writes cut at random places. */
final class Sealing {
    private Sealing() {
    }

    /** The plaintext pattern of the known-answer files: byte i is (i·7 + 3) mod 251. */
    static byte[] pattern(int length) {
        byte[] p = new byte[length];
        for (int i = 0; i < length; i++) {
            p[i] = (byte) ((i * 7L + 3) % 251);
        }
        return p;
    }

    static byte[] random(Random random, int length) {
        byte[] p = new byte[length];
        random.nextBytes(p);
        return p;
    }

    /** Reads the sealing stream in reads of random sizes (some smaller than a frame, some larger). */
    static byte[] seal(byte[] plaintext, SealedHeader header, MasterKey key, String name, Random chunks) {
        try (SealingInputStream in = new SealingInputStream(new TrickleInputStream(plaintext, chunks), header, key, name)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buffer = new byte[3 * header.frameSize()];
            while (true) {
                int n = in.read(buffer, 0, 1 + chunks.nextInt(buffer.length));
                if (n < 0) {
                    break;
                }
                out.write(buffer, 0, n);
            }
            if (in.plaintextLength() != plaintext.length) {
                throw new AssertionError("sealed " + in.plaintextLength() + " of " + plaintext.length);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Opens plaintext [from, to) from a whole sealed object, fed to the sink in chunks of random sizes. */
    static byte[] open(byte[] sealed, KeyRing ring, String name, long from, long to, Random chunks, ByteArrayOutputStream out)
            throws IOException {
        SealedHeader header = SealedHeader.parse(sealed, name);
        ObjectOpener opener = ObjectOpener.of(header, ring, name);
        FrameSpan span = opener.span(sealed.length, from, to);
        try (OpeningOutputStream sink = opener.sink(span, out)) {
            feed(sink, sealed, (int) span.sealedStart(), (int) span.sealedEnd(), chunks);
        }
        return out.toByteArray();
    }

    static byte[] open(byte[] sealed, KeyRing ring, String name, Random chunks) throws IOException {
        SealedHeader header = SealedHeader.parse(sealed, name);
        long plaintext = header.layout().plaintextLength(sealed.length, name);
        return open(sealed, ring, name, 0, plaintext, chunks, new ByteArrayOutputStream());
    }

    static void feed(OpeningOutputStream sink, byte[] sealed, int from, int to, Random chunks) throws IOException {
        for (int at = from; at < to; ) {
            int n = Math.min(to - at, chunks.nextInt(4) == 0 ? 1 + chunks.nextInt(3 * sink.span().layout().frameSize())
                    : 1 + chunks.nextInt(64));
            sink.write(sealed, at, n);
            at += n;
        }
    }

    /** An input stream that hands out its bytes a few at a time, as a pipe does. */
    static final class TrickleInputStream extends ByteArrayInputStream {
        private final Random random;

        TrickleInputStream(byte[] bytes, Random random) {
            super(bytes);
            this.random = random;
        }

        @Override
        public synchronized int read(byte[] b, int off, int len) {
            return super.read(b, off, Math.min(len, 1 + random.nextInt(random.nextBoolean() ? 17 : 70000)));
        }
    }
}
