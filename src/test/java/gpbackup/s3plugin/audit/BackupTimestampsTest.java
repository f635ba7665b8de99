package gpbackup.s3plugin.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import gpbackup.s3plugin.backup.BackupTimestamps;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which backup a key or a call belongs to. */
class BackupTimestampsTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(nullValues = "none", textBlock = """
            f/backups/20240102/20240102030405/gpbackup_0_20240102030405_17.gz, 20240102030405
            f//backups/20240102/20240102030405/gpbackup_20240102030405_report, 20240102030405
            backups/20240102/20240102030405/,                                     20240102030405
            /data/gpseg0/backups/20240102/20240102030405,                        20240102030405
            f/backups/20240103/20240102030405/x,                                 none
            f/backups/,                                                          none
            f/mybackups/20240102/20240102030405/x,                               none
            """)
    void aKeyNamesTheBackupItIsUnder(String key, String expected) {
        assertEquals(Optional.ofNullable(expected), BackupTimestamps.inPath(key));
    }

    @Test
    void aCallNamesItsBackupByPathOrByTimestamp() {
        assertEquals(Optional.of("20240102030405"), BackupTimestamps.inArguments(
                List.of("/data/gpseg0/backups/20240102/20240102030405", "segment", "\"0\"")));
        assertEquals(Optional.of("20240102030405"), BackupTimestamps.inArguments(List.of("20240102030405")));
        assertEquals(Optional.empty(), BackupTimestamps.inArguments(List.of("f/backups")));
    }
}
