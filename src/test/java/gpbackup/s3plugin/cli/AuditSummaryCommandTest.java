package gpbackup.s3plugin.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code audit_summary FILE}: no config, one stderr line when it cannot read the file. */
class AuditSummaryCommandTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();

    private int run(String... argv) {
        return new Main(Map.<String, String>of()::get, java.io.InputStream.nullInputStream(), stdout,
                new PrintStream(stderr, true, StandardCharsets.UTF_8), Clock.systemUTC(), false).run(argv);
    }

    @Test
    void aMissingFileIsOneLineAndStatusOne() {
        assertEquals(1, run("audit_summary", dir.resolve("none.jsonl").toString()));
        String err = stderr.toString(StandardCharsets.UTF_8);
        assertTrue(err.startsWith("gpbackup_s3_plugin: audit_summary: cannot read " + dir.resolve("none.jsonl")), err);
        assertEquals(1, err.lines().count(), err);
        assertEquals(0, stdout.size());
    }

    @Test
    void itTakesExactlyOneFile() {
        assertEquals(1, run("audit_summary"));
        assertEquals("gpbackup_s3_plugin: invalid number of arguments to audit_summary: expected 1 (the audit_log"
                + " file), got 0\n", stderr.toString(StandardCharsets.UTF_8));
    }

    @Test
    void anEmptyTrailSummarisesToNothing() throws Exception {
        Path empty = Files.createFile(dir.resolve("empty.jsonl"));
        assertEquals(0, run("audit_summary", empty.toString()));
        assertEquals("0 line(s), 0 backup(s)\n", stdout.toString(StandardCharsets.UTF_8));
    }
}
