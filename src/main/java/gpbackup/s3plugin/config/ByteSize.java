package gpbackup.s3plugin.config;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads sizes such as {@code 500MB}, {@code 1.5 GiB} or {@code 5242880}: every unit is a power of 1024. */
public final class ByteSize {

    private static final long KIB = 1024L;
    private static final long MIB = KIB * 1024;
    private static final long GIB = MIB * 1024;
    private static final long TIB = GIB * 1024;

    // The Go plugin's bytesize library reads MB as 1024^2, and configs written for it must keep
    // their meaning here, so the decimal-looking names are binary multiples too.
    private static final Map<String, Long> UNITS = Map.ofEntries(
            Map.entry("", 1L), Map.entry("b", 1L),
            Map.entry("k", KIB), Map.entry("kb", KIB), Map.entry("kib", KIB),
            Map.entry("m", MIB), Map.entry("mb", MIB), Map.entry("mib", MIB),
            Map.entry("g", GIB), Map.entry("gb", GIB), Map.entry("gib", GIB),
            Map.entry("t", TIB), Map.entry("tb", TIB), Map.entry("tib", TIB));

    /** The leading digits and dots, and the rest. */
    private static final Pattern NUMBER_AND_UNIT = Pattern.compile("([0-9.]*)(.*)", Pattern.DOTALL);

    /** Longer text is no size anyone means, and parsing it as a number would only cost time. */
    private static final int MAX_LENGTH = 40;

    private ByteSize() {
    }

    /**
     * Parses a size: a number (integer or decimal) and an optional unit, spaces allowed between.
     *
     * @return the size in bytes, zero or more
     * @throws IllegalArgumentException saying why the text is not a size; the message quotes the text
     */
    public static long parse(String text) {
        String trimmed = text == null ? "" : text.strip();
        if (trimmed.isEmpty()) {
            throw notASize(text, "it is empty");
        }
        if (trimmed.length() > MAX_LENGTH) {
            throw notASize(text, "it is too long");
        }
        if (trimmed.charAt(0) == '-') {
            throw notASize(text, "a size cannot be negative");
        }
        Matcher parts = NUMBER_AND_UNIT.matcher(trimmed);
        parts.matches();
        String number = parts.group(1);
        if (!number.matches("[0-9]+(\\.[0-9]+)?")) {
            throw notASize(text, "it must start with a number such as 500 or 1.5");
        }
        String unit = parts.group(2).strip();
        Long multiplier = UNITS.get(unit.toLowerCase(Locale.ROOT));
        if (multiplier == null) {
            throw notASize(text, "unknown unit '" + SafeText.shown(unit)
                    + "' (use B, KB, MB, GB or TB; all are powers of 1024)");
        }
        BigDecimal bytes = new BigDecimal(number).multiply(BigDecimal.valueOf(multiplier));
        BigInteger whole;
        try {
            whole = bytes.toBigIntegerExact();
        } catch (ArithmeticException fraction) {
            throw notASize(text, "it is not a whole number of bytes");
        }
        if (whole.bitLength() >= Long.SIZE) {
            throw notASize(text, "it is too large");
        }
        return whole.longValue();
    }

    /** Writes a size the way a DBA would: the largest unit that divides it, else bytes. */
    static String format(long bytes) {
        for (String unit : List.of("tb", "gb", "mb", "kb")) {
            if (bytes != 0 && bytes % UNITS.get(unit) == 0) {
                return bytes / UNITS.get(unit) + unit.toUpperCase(Locale.ROOT);
            }
        }
        return bytes + "B";
    }

    private static IllegalArgumentException notASize(String text, String reason) {
        return new IllegalArgumentException(SafeText.quoted(text == null ? "" : text)
                + " is not a size: " + reason);
    }
}
