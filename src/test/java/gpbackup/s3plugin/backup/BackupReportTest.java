package gpbackup.s3plugin.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

public class BackupReportTest {
    /** The shape gpbackup's report.WriteBackupReportFile writes (its own tests show it). */
    public static String report(String status, String error, String incrementalSet) {
        return "Greenplum Database Backup Report\n\n"
                + "timestamp key:         20240101120000\n"
                + "gpdb version:          6.26.0 build commit:abc\n"
                + "gpbackup version:      1.30.5\n\n"
                + "database name:         proddb\n"
                + "command line:          gpbackup --dbname proddb --plugin-config /home/gpadmin/s3.yaml\n"
                + "compression:           gzip\n"
                + "plugin executable:     /usr/local/greenplum-db/bin/gpbackup_s3_plugin\n"
                + "backup section:        All Sections\n"
                + "object filtering:      None\n"
                + "includes statistics:   No\n"
                + "data file format:      Multiple Data Files Per Segment\n"
                + (incrementalSet == null ? "incremental:           False\n"
                    : "incremental:           True\nincremental backup set:\n" + incrementalSet)
                + "\nstart time:            Mon Jan 01 2024 12:00:00\n"
                + "end time:              Mon Jan 01 2024 12:03:00\n"
                + "duration:              0:03:00\n\n"
                + "backup status:         " + status + "\n"
                + (error == null ? "" : "backup error:          " + error + "\n")
                + "\ndatabase size:         42 MB\n"
                + "segment count:         2\n\n"
                + "count of database objects in backup:\n"
                + "tables      42\n";
    }

    @Test
    void successfulFullBackupReportGivesItsFields() {
        BackupReport report = BackupReport.parse(report("Success", null, null));
        assertTrue(report.succeeded());
        assertFalse(report.failed());
        assertEquals(Optional.of("proddb"), report.database());
        assertEquals(Optional.of("1.30.5"), report.gpbackupVersion());
        assertEquals(Optional.of("6.26.0 build commit:abc"), report.gpdbVersion());
        assertEquals(Optional.of("gzip"), report.compression());
        assertEquals("full", report.backupType());
        assertEquals(List.of(), report.incrementalSet());
        assertEquals(Optional.empty(), report.error());
    }

    @Test
    void failedBackupReportKeepsTheWholeErrorWithItsColons() {
        BackupReport report = BackupReport.parse(report("Failure", "Cannot access /tmp/backups: Permission denied",
                null));
        assertTrue(report.failed());
        assertEquals(Optional.of("Cannot access /tmp/backups: Permission denied"), report.error());
    }

    @Test
    void incrementalReportListsItsBackupSetPaddedAsGpbackupPadsIt() {
        BackupReport report = BackupReport.parse(report("Success", null,
                "20240101120000        \n20240102120000        \n20240103120000        \n"));
        assertTrue(report.incremental());
        assertEquals("incremental", report.backupType());
        assertEquals(List.of("20240101120000", "20240102120000", "20240103120000"), report.incrementalSet());
    }

    @Test
    void metadataOnlySectionShowsInTheType() {
        BackupReport report = BackupReport.parse(report("Success", null, null)
                .replace("All Sections", "Metadata Only"));
        assertEquals("full metadata-only", report.backupType());
    }

    @Test
    void textWithoutAStatusLineHasNoStatus() {
        BackupReport report = BackupReport.parse("not a report at all\n");
        assertEquals(Optional.empty(), report.status());
        assertFalse(report.succeeded());
        assertFalse(report.failed());
    }
}
