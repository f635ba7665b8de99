package gpbackup.s3plugin.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class DigestRecordTest {
    private static final String A = "a".repeat(64);
    private static final String B = "b".repeat(64);

    @Test
    void aRecordReadsBackAsWritten() {
        DigestRecord record = new DigestRecord(15, "\"0123-2\"", List.of(new PartDigest(10, A), new PartDigest(5, B)));
        assertEquals(record, DigestRecord.parse(record.bytes()));
        assertEquals("gpbackup_s3_plugin digest record 1\nobject 15 \"0123-2\"\npart 10 " + A + "\npart 5 " + B + "\n",
                new String(record.bytes(), StandardCharsets.US_ASCII));
    }

    @Test
    void aRecordWithoutEtagKeepsItsPlace() {
        DigestRecord record = new DigestRecord(0, "", List.of(new PartDigest(0, A)));
        assertEquals(record, DigestRecord.parse(record.bytes()));
    }

    @Test
    void aDamagedRecordIsRefused() {
        for (String text : List.of("", "something else\n", "gpbackup_s3_plugin digest record 1\nobject 3 x\n",
                "gpbackup_s3_plugin digest record 1\nobject 3 x\npart 2 " + A + "\n",
                "gpbackup_s3_plugin digest record 1\nobject 3 x\npart 3 xyz\n",
                "gpbackup_s3_plugin digest record 1\nobject -3 x\npart -3 " + A + "\n")) {
            assertThrows(IllegalArgumentException.class,
                    () -> DigestRecord.parse(text.getBytes(StandardCharsets.US_ASCII)), text);
        }
    }
}
