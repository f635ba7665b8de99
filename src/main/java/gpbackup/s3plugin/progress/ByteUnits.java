package gpbackup.s3plugin.progress;

import java.util.Locale;

/** Byte counts as people read them, for the audit summary and the progress line alike. */
public final class ByteUnits {
    private static final String[] UNITS = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};

    private ByteUnits() {
    }

    /** {@code 512 B}, {@code 1.5 KiB}, {@code 210.3 MiB}: exact below a KiB, else one decimal of the binary unit. */
    public static String of(long n) {
        if (n < 1024) {
            return n + " B";
        }
        double value = n;
        int unit = -1;
        while (value >= 1024 && unit < UNITS.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", value, UNITS[unit]);
    }
}
