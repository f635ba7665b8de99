package gpbackup.s3plugin.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ByteSizeTest {

    private static final long K = 1024L;
    private static final long M = K * K;
    private static final long G = M * K;
    private static final long T = G * K;

    @ParameterizedTest(name = "{0} is {1} bytes")
    @CsvSource(delimiter = '|', textBlock = """
            0          | 0
            5242880    | 5242880
            7B         | 7
            7b         | 7
            2K         | 2048
            2KB        | 2048
            2KiB       | 2048
            2kib       | 2048
            3M         | 3145728
            3MB        | 3145728
            3MiB       | 3145728
            3mb        | 3145728
            500MB      | 524288000
            1G         | 1073741824
            1GB        | 1073741824
            1GiB       | 1073741824
            1gB        | 1073741824
            1T         | 1099511627776
            1TB        | 1099511627776
            1TiB       | 1099511627776
            """)
    void everyUnitIsAPowerOf1024(String text, long bytes) {
        assertEquals(bytes, ByteSize.parse(text));
    }

    @ParameterizedTest(name = "\"{0}\" is {1} bytes")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            "1.5GB"     | 1610612736
            "0.5 MB"    | 524288
            "2.25KB"    | 2304
            "10.0B"     | 10
            "500 MB"    | 524288000
            "500   mib" | 524288000
            "  64MB  "  | 67108864
            """)
    void decimalsAndSpacesAreAccepted(String text, long bytes) {
        assertEquals(bytes, ByteSize.parse(text));
    }

    @ParameterizedTest(name = "\"{0}\" is rejected: {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            ""           | it is empty
            "   "        | it is empty
            "12XB"       | unknown unit 'XB'
            "5 PB"       | unknown unit 'PB'
            "5 M B"      | unknown unit 'M B'
            "-5MB"       | cannot be negative
            "MB"         | must start with a number
            ".5MB"       | must start with a number
            "1.MB"       | must start with a number
            "1.2.3MB"    | must start with a number
            "+5MB"       | must start with a number
            "1e3"        | unknown unit 'e3'
            "1.5B"       | not a whole number of bytes
            "0.3KB"      | not a whole number of bytes
            "8388608TB"  | too large
            "99999999999999999999" | too large
            """)
    void badSizesSayWhy(String text, String reason) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ByteSize.parse(text));
        assertTrue(e.getMessage().startsWith("\"" + text + "\" is not a size: "), e.getMessage());
        assertTrue(e.getMessage().contains(reason), e.getMessage());
    }

    @ParameterizedTest(name = "{0} bytes read as {1}")
    @CsvSource(delimiter = '|', textBlock = """
            0             | 0B
            1000          | 1000B
            5242880       | 5MB
            5368709120    | 5GB
            1536          | 1536B
            2048          | 2KB
            1099511627776 | 1TB
            """)
    void formatUsesTheLargestUnitThatDividesTheSize(long bytes, String text) {
        assertEquals(text, ByteSize.format(bytes));
        assertEquals(bytes, ByteSize.parse(text));
    }

    @org.junit.jupiter.api.Test
    void largestSizeStillFitsInALong() {
        assertEquals(8388607 * T, ByteSize.parse("8388607TB"));
        assertEquals(Long.MAX_VALUE, ByteSize.parse(Long.toString(Long.MAX_VALUE)));
    }
}
