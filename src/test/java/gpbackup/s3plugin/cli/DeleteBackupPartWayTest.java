package gpbackup.s3plugin.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gpbackup.s3plugin.backup.BackupReportTest;
import gpbackup.s3plugin.leaks.TestSecrets;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * delete_backup stopped part way (the store fails every deletion after the first N) leaves a backup
 * that list_backups shows incomplete: with 24 segments the report sorts before
 * {@code gpbackup_20_<ts>_...}, so deleting in listing order would leave "complete: Success".
 */
class DeleteBackupPartWayTest {
    private static final String TS = "20240101120000";
    private static final String DIR = "f/backups/20240101/" + TS + "/";

    @TempDir
    Path home;
    private FakeS3Store store;
    private Path config;

    @BeforeEach
    void twentyFourSegmentBackup() throws Exception {
        store = new FakeS3Store();
        config = Files.writeString(home.resolve("s3_config.yaml"), """
                executablepath: /usr/local/greenplum-db/bin/gpbackup_s3_plugin
                options:
                  region: us-east-1
                  endpoint: http://127.0.0.1:%d
                  encryption: off
                  aws_access_key_id: AKIDPARTWAY
                  aws_secret_access_key: %s
                  bucket: %s
                  folder: f
                  max_request_retries: 0
                  agent: off
                """.formatted(store.port(), TestSecrets.WIREMOCK_SECRET_KEY, FakeS3Store.BUCKET));
        for (int segment = 0; segment < 24; segment++) {
            store.put(DIR + "gpbackup_" + segment + "_" + TS + "_16384.gz", new byte[100]);
            store.put(DIR + "gpbackup_" + segment + "_" + TS + "_toc.yaml", new byte[10]);
        }
        for (String file : List.of("metadata.sql", "toc.yaml", "config.yaml")) {
            store.put(DIR + "gpbackup_" + TS + "_" + file, new byte[50]);
        }
        store.put(DIR + "gpbackup_" + TS + "_report",
                BackupReportTest.report("Success", null, null).getBytes(StandardCharsets.UTF_8));
    }

    @AfterEach
    void stop() {
        store.close();
    }

    private InProcessMain.Outcome run(String... argv) {
        return InProcessMain.run(Map.of("HOME", home.toString(), "HOSTNAME", "sdw1"), InputStream.nullInputStream(),
                argv);
    }

    @Test
    void deleteBackupKilledPartWayLeavesABackupListedIncompleteNeverComplete() {
        List<String> keys = store.keys();
        int report = keys.indexOf(DIR + "gpbackup_" + TS + "_report");
        assertTrue(keys.get(keys.size() - 1).contains("gpbackup_9_"), "data files sort after the report: " + keys);
        // As many deletions as there are keys before the report in listing order.
        store.failDeletionsAfter(report);

        InProcessMain.Outcome deleted = run("delete_backup", config.toString(), TS);
        assertEquals(1, deleted.exitCode(), deleted.stderr());
        assertTrue(store.keys().size() > 0 && store.keys().size() < keys.size(), store.keys().toString());

        store.failDeletionsAfter(Long.MAX_VALUE);
        InProcessMain.Outcome listed = run("list_backups", config.toString());
        String table = new String(listed.stdout(), StandardCharsets.UTF_8);
        assertEquals(0, listed.exitCode(), listed.stderr());
        List<String> rows = table.lines().filter(l -> l.startsWith(TS)).toList();
        assertEquals(1, rows.size(), table);
        assertFalse(table.contains("complete: Success"), table);
        assertTrue(rows.get(0).endsWith("incomplete: no report"), table);
        assertEquals(1, deleted.stderr().lines().count(), deleted.stderr());
        assertTrue(deleted.stderr().contains("delete_backup: backup " + TS + " was not deleted whole")
                && deleted.stderr().contains("so it lists as incomplete"), deleted.stderr());

        InProcessMain.Outcome again = run("delete_backup", config.toString(), TS);
        assertEquals(0, again.exitCode(), again.stderr());
        assertEquals(List.of(), store.keys());
    }
}
