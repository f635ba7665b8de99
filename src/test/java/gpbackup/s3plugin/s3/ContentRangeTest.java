package gpbackup.s3plugin.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The object size a first ranged GET reads from its answer's Content-Range. */
class ContentRangeTest {

    @ParameterizedTest(name = "''{0}'' -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            bytes 0-99/1000           | 1000
            bytes 0-0/1               | 1
            ' bytes 0-8388607/5368709120 ' | 5368709120
            bytes */0                 | -1
            bytes 5-99/1000           | -1
            bytes 0-99/*              | -1
            bytes 0-99/12345678901234567890 | -1
            ''                        | -1
            """)
    void theTotalComesFromAFirstRangeOnly(String header, long total) {
        assertEquals(total, S3Client.totalOf(header));
    }
}
