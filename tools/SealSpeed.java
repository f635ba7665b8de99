import gpbackup.s3plugin.seal.FrameSpan;
import gpbackup.s3plugin.seal.KeyRing;
import gpbackup.s3plugin.seal.MasterKey;
import gpbackup.s3plugin.seal.ObjectOpener;
import gpbackup.s3plugin.seal.OpeningOutputStream;
import gpbackup.s3plugin.seal.SealedHeader;
import gpbackup.s3plugin.seal.SealingInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.security.SecureRandom;

/**
 * Seal and open speed of the sealed format on one thread, in memory (no S3, no pipe): for each frame size,
 * MB/s and CPU seconds per GiB, best of three runs after one warm-up. Run after {@code mvn -q compile}:
 *
 * <pre>java -cp target/classes tools/SealSpeed.java [MIB [FRAME_KIB...]]   (default 1024 MiB; 64 256 1024 KiB)</pre>
 */
public class SealSpeed {
    /** A stream of {@code total} bytes cycling through one random block. */
    static final class Cycle extends InputStream {
        private final byte[] block;
        private long left;
        private int at;

        Cycle(byte[] block, long total) {
            this.block = block;
            this.left = total;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (left == 0) {
                return -1;
            }
            int n = (int) Math.min(Math.min(len, left), block.length - at);
            System.arraycopy(block, at, b, off, n);
            at = (at + n) % block.length;
            left -= n;
            return n;
        }
    }

    public static void main(String[] args) throws Exception {
        long total = (args.length > 0 ? Long.parseLong(args[0]) : 1024) << 20;
        int[] frames = {64, 256, 1024};
        if (args.length > 1) {
            frames = new int[args.length - 1];
            for (int i = 1; i < args.length; i++) {
                frames[i - 1] = Integer.parseInt(args[i]);
            }
        }
        SecureRandom random = new SecureRandom();
        byte[] key = new byte[32];
        random.nextBytes(key);
        KeyRing ring = KeyRing.of(MasterKey.of(key));
        byte[] block = new byte[(8 << 20) + 13];
        random.nextBytes(block);
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        byte[] buffer = new byte[8 << 20];
        System.out.printf("java %s, %d MiB per run%n", System.getProperty("java.version"), total >> 20);
        for (int frameKib : frames) {
            int frame = frameKib << 10;
            double[] best = {0, Double.MAX_VALUE, 0, Double.MAX_VALUE};
            for (int round = 0; round < 4; round++) {
                long t0 = System.nanoTime();
                long c0 = cpu.getCurrentThreadCpuTime();
                try (SealingInputStream in = SealingInputStream.seal(new Cycle(block, total), ring, "speed", frame, random)) {
                    while (in.read(buffer, 0, buffer.length) >= 0) {
                        // only the sealing counts
                    }
                }
                long t1 = System.nanoTime();
                long c1 = cpu.getCurrentThreadCpuTime();

                int held = (int) Math.min(total, 256 << 20);
                ByteArrayOutputStream sealedOut = new ByteArrayOutputStream(held + 16 * (held / frame + 2) + 128);
                try (SealingInputStream in = SealingInputStream.seal(new Cycle(block, held), ring, "speed", frame, random)) {
                    in.transferTo(sealedOut);
                }
                byte[] sealed = sealedOut.toByteArray();
                ObjectOpener opener = ObjectOpener.of(SealedHeader.parse(sealed, "speed"), ring, "speed");
                long runs = Math.max(1, total / held);
                long t2 = System.nanoTime();
                long c2 = cpu.getCurrentThreadCpuTime();
                for (long r = 0; r < runs; r++) {
                    FrameSpan span = opener.whole(sealed.length);
                    try (OpeningOutputStream sink = opener.sink(span, OutputStream.nullOutputStream())) {
                        for (int at = (int) span.sealedStart(); at < sealed.length; at += buffer.length) {
                            sink.write(sealed, at, Math.min(buffer.length, sealed.length - at));
                        }
                    }
                }
                long t3 = System.nanoTime();
                long c3 = cpu.getCurrentThreadCpuTime();
                if (round == 0) {
                    continue;
                }
                double openBytes = (double) runs * held;
                best[0] = Math.max(best[0], total / 1e6 / ((t1 - t0) / 1e9));
                best[1] = Math.min(best[1], (c1 - c0) / 1e9 / (total / (double) (1L << 30)));
                best[2] = Math.max(best[2], openBytes / 1e6 / ((t3 - t2) / 1e9));
                best[3] = Math.min(best[3], (c3 - c2) / 1e9 / (openBytes / (1L << 30)));
            }
            System.out.printf("frame %5d KiB: seal %6.0f MB/s, %.2f CPU s/GiB; open %6.0f MB/s, %.2f CPU s/GiB%n",
                    frameKib, best[0], best[1], best[2], best[3]);
        }
    }
}
