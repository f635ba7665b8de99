package gpbackup.s3plugin.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gpbackup.s3plugin.json.FlatJson;
import gpbackup.s3plugin.s3.RequestRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** One request as one line of JSON: every member, and keys of any text kept whole on one line. */
class AuditLineTest {
    private static final CallIdentity CALL = new CallIdentity("sdw1", 4242, "backup_data",
            Optional.of("20240102030405"));

    static RequestRecord record(String key) {
        return new RequestRecord(Instant.parse("2024-01-02T03:04:05.678Z"), "UploadPart", "PUT", "my-bucket", key,
                Optional.of("bytes=0-99"), 200, Optional.empty(), 5_242_880, 0, Duration.ofMillis(1234), 2,
                Optional.of("REQ1"), Optional.of("id2/+="), Optional.of("AKIAEXAMPLE"));
    }

    private static Map<String, Object> parsed(RequestRecord record) {
        String line = AuditLine.format(CALL, Optional.of("20240102030405"), record);
        assertTrue(line.endsWith("}\n"), line);
        assertEquals(line.length() - 1, line.indexOf('\n'), "one line: " + line);
        return StrictJson.object(line);
    }

    @Test
    void everyMemberIsWrittenWithItsValue() {
        Map<String, Object> line = parsed(record("f/backups/20240102/20240102030405/gpbackup_0_20240102030405_17.gz"));
        assertEquals(Map.ofEntries(
                Map.entry("time", "2024-01-02T03:04:05.678Z"), Map.entry("host", "sdw1"), Map.entry("pid", 4242L),
                Map.entry("command", "backup_data"), Map.entry("backup", "20240102030405"),
                Map.entry("op", "UploadPart"), Map.entry("method", "PUT"), Map.entry("bucket", "my-bucket"),
                Map.entry("key", "f/backups/20240102/20240102030405/gpbackup_0_20240102030405_17.gz"),
                Map.entry("range", "bytes=0-99"), Map.entry("status", 200L), Map.entry("bytes_sent", 5_242_880L),
                Map.entry("bytes_received", 0L), Map.entry("duration_ms", 1234L), Map.entry("retries", 2L),
                Map.entry("request_id", "REQ1"), Map.entry("id_2", "id2/+="),
                Map.entry("access_key_id", "AKIAEXAMPLE")), without(line, "error"));
        assertTrue(line.containsKey("error") && line.get("error") == null, "error is null when the request succeeded");
    }

    @Test
    void absentValuesAreNullNotMissing() {
        RequestRecord failed = new RequestRecord(Instant.EPOCH, "GetObject", "GET", "b", "k", Optional.empty(), 0,
                Optional.of("Transport"), 0, 0, Duration.ZERO, 10, Optional.empty(), Optional.empty(),
                Optional.empty());
        String line = AuditLine.format(new CallIdentity("h", 1, "restore_data", Optional.empty()), Optional.empty(),
                failed);
        Map<String, Object> members = StrictJson.object(line);
        assertEquals(19, members.size(), line);
        for (String name : List.of("backup", "range", "request_id", "id_2", "access_key_id")) {
            assertTrue(members.containsKey(name) && members.get(name) == null, name + " in " + line);
        }
        assertEquals("Transport", members.get("error"));
        assertEquals("1970-01-01T00:00:00.000Z", members.get("time"));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"with \"quotes\" and \\backslashes\\", "line\nbreak\r\nand\ttab", "nul\u0000bell\u0007del\u007f",
            "unicode ünïcödé 表 😀 \u2028\u2029", "lone \ud800 high and \udc00 low surrogates", "}{\",\"x\":\"",
            "{\"key\":\"injected\"}\n{\"more\":1}"})
    void anyKeyComesBackWholeFromOneLine(String key) {
        String line = AuditLine.format(CALL, Optional.empty(), record(key));
        assertEquals(line.length() - 1, line.indexOf('\n'), "one line: " + line);
        assertFalse(line.contains("\r"), line);
        assertEquals(key, StrictJson.object(line).get("key"));
        assertEquals(19, StrictJson.object(line).size());
        // And the summary's own reader agrees.
        assertEquals(key, FlatJson.strict(line.strip()).get("key"));
    }

    @Test
    void nonAsciiTextIsWrittenAsUtf8NotEscaped() {
        String line = AuditLine.format(CALL, Optional.empty(), record("dossier/été/表.gz"));
        assertTrue(line.contains("\"dossier/été/表.gz\""), line);
    }

    private static Map<String, Object> without(Map<String, Object> members, String name) {
        Map<String, Object> copy = new java.util.HashMap<>(members);
        copy.remove(name);
        return copy;
    }
}
