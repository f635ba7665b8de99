package gpbackup.s3plugin.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Many threads and processes appending to one trail at once: every line whole, none lost, none twice. */
class AuditConcurrencyTest {
    private static final int THREADS = 8;
    private static final int LINES = 60;
    private static final int PROCESSES = 2;

    @TempDir
    Path dir;

    @Test
    void threadsAndProcessesAppendingAtOnceLeaveOnlyWholeLines() throws Exception {
        Path file = dir.resolve("audit.jsonl");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classPath = Path.of("target", "classes").toAbsolutePath() + File.pathSeparator
                + Path.of("target", "test-classes").toAbsolutePath();
        List<Process> processes = new ArrayList<>();
        for (int p = 0; p < PROCESSES; p++) {
            processes.add(new ProcessBuilder(java, "-Xmx64m", "-XX:TieredStopAtLevel=1", "-cp", classPath,
                    AuditAppender.class.getName(), file.toString(), "p" + p, Integer.toString(THREADS),
                    Integer.toString(LINES)).redirectErrorStream(true).start());
        }
        AuditAppender.append(file, "here", THREADS, LINES);
        for (Process process : processes) {
            String output = new String(process.getInputStream().readAllBytes());
            process.waitFor(120, TimeUnit.SECONDS);
            assertEquals(0, process.exitValue(), output);
        }

        List<Map<String, Object>> lines = AuditTrailFile.lines(file);
        Set<String> writers = new HashSet<>();
        for (Map<String, Object> line : lines) {
            String key = (String) line.get("key");
            writers.add(key.substring(0, key.indexOf('|')));
        }
        int expected = (PROCESSES + 1) * THREADS * LINES;
        assertEquals(expected, lines.size(), "lines in the file");
        assertEquals(expected, writers.size(), "distinct writer/thread/seq ids");
    }
}
