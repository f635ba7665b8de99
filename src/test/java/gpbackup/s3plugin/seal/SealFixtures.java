package gpbackup.s3plugin.seal;

import java.util.Arrays;
import java.util.HexFormat;

/** Fixed keys, the object name and byte helpers the seal tests share. */
final class SealFixtures {
    static final String NAME = "gpbackup_0_20240501120000_16384";

    private SealFixtures() {
    }

    /** The key whose byte i is seed + i. */
    static MasterKey key(int seed) {
        byte[] k = new byte[MasterKey.LENGTH];
        for (int i = 0; i < k.length; i++) {
            k[i] = (byte) (seed + i);
        }
        return MasterKey.of(k);
    }

    static byte[] hex(String text) {
        return HexFormat.of().parseHex(text.replaceAll("\\s", ""));
    }

    static byte[] concat(byte[]... parts) {
        int length = Arrays.stream(parts).mapToInt(p -> p.length).sum();
        byte[] all = new byte[length];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }
}
