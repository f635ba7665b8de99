package gpbackup.s3plugin.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import gpbackup.s3plugin.backup.BackupTimestamps;
import gpbackup.s3plugin.progress.ByteUnits;
import gpbackup.s3plugin.s3.RequestRecord;
import java.io.BufferedReader;
import java.io.StringReader;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The per-backup summary adds up what the lines say. */
class AuditSummaryTest {
    private static final String TS = "20240102030405";
    private static final String DIR = "f/backups/20240102/" + TS + "/";

    private static String line(String command, String op, String method, String key, int status, String error,
                               long sent, long received, long ms, int retries) {
        RequestRecord record = new RequestRecord(Instant.parse("2024-01-02T03:04:05Z").plusMillis(ms), op, method,
                "b", key, Optional.empty(), status, Optional.ofNullable(error), sent, received, Duration.ofMillis(ms),
                retries, Optional.empty(), Optional.empty(), Optional.of("AKID"));
        return AuditLine.format(new CallIdentity("sdw1", 10 + retries, command, Optional.empty()),
                BackupTimestamps.inPath(key), record);
    }

    @Test
    void aBackupAndItsRestoreAddUp() throws Exception {
        String trail = line("backup_data", "PutObject", "PUT", DIR + "a.gz", 200, null, 100, 0, 5, 0)
                + line("backup_data", "CreateMultipartUpload", "POST", DIR + "big.gz", 200, null, 0, 0, 3, 0)
                + line("backup_data", "UploadPart", "PUT", DIR + "big.gz", 200, null, 2048, 0, 900, 2)
                + line("backup_data", "UploadPart", "PUT", DIR + "big.gz", 200, null, 1024, 0, 40, 0)
                + line("backup_data", "CompleteMultipartUpload", "POST", DIR + "big.gz", 200, null, 300, 0, 7, 0)
                + line("aot_training", "PutObject", "PUT", DIR + "warm-up", 200, null, 5000, 0, 10, 0)
                + line("aot_training", "GetObject", "GET", DIR + "warm-up", 206, null, 0, 5000, 10, 0)
                + line("setup_plugin_for_backup", "PutObject", "PUT", DIR + "probe", 200, null, 0, 0, 10, 0)
                + line("setup_plugin_for_backup", "DeleteObject", "DELETE", DIR + "probe", 204, null, 0, 0, 10, 0)
                + line("restore_data", "HeadObject", "HEAD", DIR + "gone.gz", 404, "NoSuchKey", 0, 0, 2, 0)
                + line("restore_data", "GetObject", "GET", DIR + "a.gz", 206, null, 0, 100, 30, 0)
                + line("restore_data", "GetObject", "GET", DIR + "big.gz", 0, "Transport", 0, 0, 1200, 3)
                + "{\"torn\":\"li\n"
                + line("list_directory", "ListObjectsV2", "GET", "f/", 200, null, 0, 0, 1, 0);
        String text = AuditSummary.read(new BufferedReader(new StringReader(trail))).render();
        assertTrue(text.startsWith("14 line(s), 2 backup(s); 1 line(s) unreadable"), text);
        assertTrue(text.contains("backup " + TS + "   2024-01-02T03:04:05.002Z .. 2024-01-02T03:04:06.200Z\n"), text);
        assertTrue(text.contains("  objects written 2, 3.1 KiB up; objects read 1, 100 B down\n"), text);
        assertTrue(text.contains("  requests 12, failed 1, not found 1, retries 5\n"), text);
        assertTrue(text.contains("commands: aot_training 2, backup_data 5, restore_data 3, setup_plugin_for_backup 2\n"), text);
        assertTrue(text.indexOf("backup " + TS) < text.indexOf("backup (no backup)"), "backups first: " + text);
        String slowest = text.substring(text.indexOf("  slowest:\n"), text.indexOf("backup (no backup)"));
        assertEquals(6, slowest.lines().filter(l -> !l.isBlank()).count(), slowest);
        assertTrue(slowest.lines().skip(1).findFirst().orElseThrow()
                .matches(" +1200 ms  GetObject +0 Transport  " + DIR + "big.gz  \\(restore_data, pid 13 on sdw1\\)"),
                slowest);
        assertTrue(text.contains("backup (no backup)"), text);
    }

    @Test
    void bytesReadAsPeopleReadThem() {
        assertEquals("1023 B", ByteUnits.of(1023));
        assertEquals("1.5 MiB", ByteUnits.of(1536 * 1024));
    }
}
