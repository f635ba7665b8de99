package gpbackup.s3plugin.backup;

import gpbackup.s3plugin.UsageException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Keys are the folder plus the last four parts of gpbackup's local path, as the Go plugin builds them. */
class KeyLayoutTest {
    private final KeyLayout layout = new KeyLayout("f");

    @Test
    void segmentDataFileKeepsItsLastFourPathParts() {
        assertEquals("f/backups/20240101/20240101120000/gpbackup_0_20240101120000_16384",
                layout.keyFor("/data/gpseg0/backups/20240101/20240101120000/gpbackup_0_20240101120000_16384"));
    }

    @ParameterizedTest(name = "{0} → {1}")
    @CsvSource({
        "/data/coordinator/gpseg-1/backups/20240101/20240101120000/gpbackup_20240101120000_metadata.sql,"
                + " test/backup/backups/20240101/20240101120000/gpbackup_20240101120000_metadata.sql",
        "backups/20240101/20240101120000/gpbackup_20240101120000_report,"
                + " test/backup/backups/20240101/20240101120000/gpbackup_20240101120000_report",
        "/very/deep/path/x/backups/20240101/20240101120000/f.gz, test/backup/backups/20240101/20240101120000/f.gz",
    })
    void nestedFolderIsPrefixedToTheLastFourParts(String path, String key) {
        assertEquals(key, new KeyLayout("test/backup").keyFor(path));
    }

    @ParameterizedTest(name = "''{0}''")
    @ValueSource(strings = {"", "file", "20240101120000/file", "20240101/20240101120000/file", "/a/b"})
    void pathWithFewerThanFourPartsIsAUsageError(String path) {
        UsageException e = assertThrows(UsageException.class, () -> layout.keyFor(path));
        assertTrue(e.getMessage().contains("'" + path + "'"), e.getMessage());
        assertTrue(e.getMessage().contains("backups/<YYYYMMDD>/<timestamp>/<file>"), e.getMessage());
    }

    @Test
    void backupPrefixIsTheTimestampsDirectoryWithATrailingSlash() {
        String prefix = layout.backupPrefix("20240101120000");
        assertEquals("f/backups/20240101/20240101120000/", prefix);
        assertTrue(prefix.endsWith("/"), "a trailing slash keeps 2024010112000012 out");
    }

    @ParameterizedTest(name = "''{0}''")
    @ValueSource(strings = {"", "2024010112000", "202401011200000", "2024010112000a", "20240101-120000",
        " 20240101120000", "20240101120000\n", "２０２４０１０１１２００００", "../../../../etc"})
    void timestampThatIsNotFourteenDigitsIsAUsageError(String timestamp) {
        UsageException e = assertThrows(UsageException.class, () -> layout.backupPrefix(timestamp));
        assertTrue(e.getMessage().contains("must be 14 digits"), e.getMessage());
    }

    @Test
    void folderPrefixAndDirectoriesEndWithASlash() {
        assertEquals("f/", layout.folderPrefix());
        assertEquals("x/", KeyLayout.asDirectory("x"));
        assertEquals("x/", KeyLayout.asDirectory("x/"));
        assertEquals("/data/dir/", KeyLayout.asDirectory("/data/dir"));
    }

    @org.junit.jupiter.api.Test
    void theGoPluginsTrailingSlashKeysDoubleTheSlash() {
        KeyLayout layout = new KeyLayout("f");
        org.junit.jupiter.api.Assertions.assertEquals("f//backups/20240101/20240101120000/x",
                layout.goTrailingSlashKeyFor("/d/backups/20240101/20240101120000/x"));
        org.junit.jupiter.api.Assertions.assertEquals("f//backups/20240101/20240101120000/",
                layout.backupLocations("20240101120000").get(1));
    }

    @Test
    void aBackupsLocationsAndPrefixesAreOursThenTheGoPluginsAndOnlyItsKnowsTheDoubleSlash() {
        assertEquals(java.util.List.of("f/backups/20240101/20240101120000/", "f//backups/20240101/20240101120000/"),
                layout.backupLocations("20240101120000"));
        assertEquals(java.util.List.of("f/backups/", "f//backups/"), layout.backupsPrefixes());
        assertTrue(layout.inGoTrailingSlashLayout("f//backups/20240101/20240101120000/"));
        assertEquals(false, layout.inGoTrailingSlashLayout("f/backups/20240101/20240101120000/"));
    }

    @Test
    void theReportIsNamedAfterItsTimestampAndARecordNamesItsDataKey() {
        assertEquals("gpbackup_20240101120000_report", KeyLayout.reportFile("20240101120000"));
        String data = "f/backups/20240101/20240101120000/gpbackup_0_20240101120000_16384.gz";
        assertEquals(data, KeyLayout.dataKeyOf(KeyLayout.digestRecordKey(data)));
    }
}
