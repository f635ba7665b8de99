package gpbackup.s3plugin.command.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import gpbackup.s3plugin.command.verify.ObjectVerdict.Status;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class VerifyReportTest {
    private static ObjectVerdict ok(String key) {
        return new ObjectVerdict(key, 10, Status.OK, List.of("sha256 of 1 part recorded at backup: match"),
                Optional.empty());
    }

    @Test
    void onlyABackupWhoseEveryKeyIsProvedIsIntact() {
        assertTrue(new VerifyReport("20240101120000", "s3://b/p/", List.of(ok("a"), ok("b")), 5).intact());
        VerifyReport unproven = new VerifyReport("20240101120000", "s3://b/p/", List.of(ok("a"),
                new ObjectVerdict("b", 10, Status.UNPROVEN, List.of(), Optional.of("nothing to compare"))), 5);
        assertFalse(unproven.intact());
        assertEquals("1 unproven (b)", unproven.failures());
    }

    @Test
    void linesAreSortedByKeyAndTheStderrLineNamesTheFirstKeysOfEachKind() {
        VerifyReport report = new VerifyReport("20240101120000", "s3://b/p/", List.of(
                ObjectVerdict.missing("z", "gprestore needs it"), ok("a"),
                new ObjectVerdict("c", 3, Status.FAILED, List.of("x: DIFFERS"), Optional.of("part 1 of 1 differs")),
                ObjectVerdict.missing("y", "gone"), ObjectVerdict.missing("x", "gone"), ObjectVerdict.missing("w", "gone")),
                7);
        List<String> lines = report.text().lines().toList();
        assertEquals("backup 20240101120000 at s3://b/p/", lines.get(0));
        assertEquals("OK                 10  a  sha256 of 1 part recorded at backup: match", lines.get(1));
        assertEquals("FAILED              3  c  x: DIFFERS; → part 1 of 1 differs", lines.get(2));
        assertEquals("MISSING             -  w  → gone", lines.get(3));
        assertEquals("6 keys, 13 bytes, 7 ms: 1 ok, 1 failed, 4 missing; the backup is NOT proven intact", lines.get(7));
        assertEquals("1 failed (c); 4 missing (w, x, y, …)", report.failures());
    }

    @Test
    void jsonEscapesWhatAKeyOrAMessageMayHold() {
        VerifyReport report = new VerifyReport("20240101120000", "s3://b/p/", List.of(
                new ObjectVerdict("a\"b\\c\u0001", -1, Status.ERROR, List.of(), Optional.of("line\nbreak"))), 1);
        assertEquals("{\"backup\":\"20240101120000\",\"location\":\"s3://b/p/\",\"intact\":false,\"bytes\":0,"
                + "\"millis\":1,\"counts\":{\"ok\":0,\"unproven\":0,\"failed\":0,\"missing\":0,\"error\":1},"
                + "\"objects\":[{\"key\":\"a\\\"b\\\\c\\u0001\",\"size\":null,\"status\":\"error\",\"checks\":[],"
                + "\"problem\":\"line\\nbreak\"}]}\n", report.json());
    }
}
