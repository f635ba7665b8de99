package gpbackup.s3plugin.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gpbackup.s3plugin.it.PluginRunner.Result;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/**
 * list_backups and prune through the real launcher against S3Proxy, over backups laid out as
 * gpbackup and the Go plugin leave them: successful, failed, incremental, without a report, with
 * the empty report of a setup probe, and under the Go plugin's {@code <folder>//backups/}.
 * The tests run in order: the prunes change the bucket. All these backups were uploaded seconds
 * ago, so the runs that judge them as old ones say {@code --grace 0}: none is still being written.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ExtendWith(SharedS3Proxy.class)
class CatalogIT {
    private static final String BUCKET = "catalog-it";
    private static final String GO_LAYOUT = "20200101010101";
    private static final String FAILED = "20200102010101";
    private static final String NO_REPORT = "20200103010101";
    private static final String BASE = "20200104010101";
    private static final String INCREMENTAL = "20200105010101";
    private static final String RUNNING = "20200106010101";

    private S3ProxyServer server;
    private RawS3Client raw;
    private PluginRunner plugin;
    private Path config;
    private Path slashConfig;
    private Path lockConfig;
    private Path work;

    @BeforeAll
    void uploadBackups(S3ProxyServer shared, @TempDir Path work) throws Exception {
        server = shared;
        this.work = work;
        raw = new RawS3Client(server.endpoint());
        raw.createBucket(BUCKET);
        plugin = new PluginRunner(work.resolve("home"));
        config = PluginConfigFile.handWritten(work.resolve("cfg"), PluginConfigFile.options(server, BUCKET, "cat",
                Map.of()));
        lockConfig = PluginConfigFile.handWritten(work.resolve("cfg-lock"), PluginConfigFile.options(server, BUCKET,
                "cat", Map.of("object_lock_mode", "GOVERNANCE", "object_lock_retain_days", "1")));
        slashConfig = PluginConfigFile.handWritten(work.resolve("cfg-slash"),
                PluginConfigFile.options(server, BUCKET, "cat/", Map.of()));
        upload("cat//backups/", GO_LAYOUT, report("Success", null, ""));
        upload("cat/backups/", FAILED, report("Failure", "Cannot access /data/backups: Permission denied", ""));
        upload("cat/backups/", NO_REPORT, null);
        upload("cat/backups/", BASE, report("Success", null, ""));
        upload("cat/backups/", INCREMENTAL, report("Success", null, BASE + "   \n" + INCREMENTAL + "   \n"));
        upload("cat/backups/", RUNNING, null);
        raw.put(BUCKET, "cat/backups/" + RUNNING.substring(0, 8) + "/" + RUNNING + "/gpbackup_" + RUNNING + "_report",
                new byte[0]);
    }

    /** The files of a backup of two segments, tiny; the report last, as gpbackup uploads it. */
    private void upload(String backups, String ts, String report) throws IOException, InterruptedException {
        String dir = backups + ts.substring(0, 8) + "/" + ts + "/";
        for (int segment = 0; segment < 2; segment++) {
            raw.put(BUCKET, dir + "gpbackup_" + segment + "_" + ts + "_16384.gz", new byte[100]);
            raw.put(BUCKET, dir + "gpbackup_" + segment + "_" + ts + "_toc.yaml", new byte[10]);
        }
        for (String file : List.of("metadata.sql", "toc.yaml", "config.yaml")) {
            raw.put(BUCKET, dir + "gpbackup_" + ts + "_" + file, new byte[50]);
        }
        if (ts.equals(FAILED) || ts.equals(BASE)) {
            // The digest record backup_data leaves beside a multipart object: not a backup file, but part of the backup.
            raw.put(BUCKET, dir + "gpbackup_0_" + ts + "_16384.gz.s3plugin-digests", new byte[80]);
        }
        if (report != null) {
            raw.put(BUCKET, dir + "gpbackup_" + ts + "_report", report.getBytes(StandardCharsets.UTF_8));
        }
    }

    private static String report(String status, String error, String incrementalSet) {
        return "Greenplum Database Backup Report\n\n"
                + "timestamp key:         x\ngpdb version:          6.26.0\ngpbackup version:      1.30.5\n\n"
                + "database name:         proddb\ncompression:           gzip\nbackup section:        All Sections\n"
                + (incrementalSet.isEmpty() ? "incremental:           False\n"
                    : "incremental:           True\nincremental backup set:\n" + incrementalSet)
                + "\nbackup status:         " + status + "\n"
                + (error == null ? "" : "backup error:          " + error + "\n")
                + "\nsegment count:         2\n";
    }

    private List<String> allKeys() throws IOException, InterruptedException {
        return raw.keys(BUCKET, "cat/");
    }

    private Map<String, Map<String, Object>> listJson(Path cfg) throws Exception {
        return listJson(cfg, List.of("--grace", "0"));
    }

    @SuppressWarnings("unchecked")
    private Map<String, Map<String, Object>> listJson(Path cfg, List<String> options) throws Exception {
        List<String> argv = new java.util.ArrayList<>(List.of("list_backups", cfg.toString(), "--json"));
        argv.addAll(options);
        Result result = plugin.run(argv.toArray(String[]::new));
        assertEquals(0, result.exitCode(), result.toString());
        Map<String, Object> document = new Yaml().load(result.stdoutText());
        assertEquals(BUCKET, document.get("bucket"));
        return ((List<Map<String, Object>>) document.get("backups")).stream()
                .collect(Collectors.toMap(b -> (String) b.get("timestamp"), b -> b, (a, b) -> a,
                        java.util.TreeMap::new));
    }

    @Test
    @Order(1)
    void listBackupsShowsOneLinePerBackupWithWhatItsReportSays() throws Exception {
        Result result = plugin.run("list_backups", config.toString(), "--grace", "0");
        assertEquals(0, result.exitCode(), result.toString());
        assertEquals("", result.stderr());
        List<String> lines = result.stdoutText().lines().toList();
        assertEquals(8, lines.size(), result.stdoutText());
        assertTrue(lines.get(0).startsWith("TIMESTAMP "), lines.get(0));
        assertEquals(List.of(GO_LAYOUT, "8", "2", "proddb", "1.30.5", "full", "gzip"), columns(lines.get(1)));
        assertTrue(lines.get(1).endsWith("complete: Success (in the Go plugin's layout for a folder ending in '/':"
                + " cat//backups/)"), lines.get(1));
        assertTrue(lines.get(2).endsWith("complete: Failure: Cannot access /data/backups: Permission denied"),
                lines.get(2));
        assertEquals(List.of(NO_REPORT, "7", "2", "-", "-", "-", "-"), columns(lines.get(3)));
        assertTrue(lines.get(3).endsWith("incomplete: no report"), lines.get(3));
        assertTrue(lines.get(5).contains(" incremental "), lines.get(5));
        assertTrue(lines.get(6).endsWith("incomplete: empty report (setup probe; in progress or stopped)"),
                lines.get(6));
        assertTrue(lines.get(7).startsWith("6 backups, 47 objects, "), lines.get(7));
    }

    /** Timestamp, objects, segments, database, gpbackup version, type, compression (bytes vary with the report). */
    private static List<String> columns(String line) {
        String[] words = line.split(" +");
        return List.of(words[0], words[1], words[3], words[4], words[5], words[6], words[7]);
    }

    @Test
    @Order(2)
    void listBackupsJsonIsOneDocumentAndTheSameForAFolderWithATrailingSlash() throws Exception {
        Map<String, Map<String, Object>> backups = listJson(config);
        assertEquals(List.of(GO_LAYOUT, FAILED, NO_REPORT, BASE, INCREMENTAL, RUNNING), List.copyOf(backups.keySet()));
        Map<String, Object> go = backups.get(GO_LAYOUT);
        assertEquals(8, go.get("objects"));
        assertEquals(2, go.get("segments"));
        assertEquals(true, go.get("complete"));
        assertEquals("success", go.get("state"));
        assertEquals("Success", go.get("status"));
        assertEquals("proddb", go.get("database"));
        assertEquals("1.30.5", go.get("gpbackup_version"));
        assertEquals(List.of("cat//backups/20200101/" + GO_LAYOUT + "/"), go.get("locations"));
        assertEquals("failure", backups.get(FAILED).get("state"));
        assertEquals("Cannot access /data/backups: Permission denied", backups.get(FAILED).get("error"));
        assertEquals(false, backups.get(NO_REPORT).get("complete"));
        assertEquals("incomplete", backups.get(NO_REPORT).get("state"));
        assertEquals(List.of(BASE, INCREMENTAL), backups.get(INCREMENTAL).get("incremental_set"));
        assertEquals(true, backups.get(RUNNING).get("report_empty"));
        assertEquals(backups, listJson(slashConfig));
    }

    @Test
    @Order(3)
    void pruneWithoutYesDeletesNothingAndSaysWhatItWould() throws Exception {
        List<String> before = allKeys();
        Result result = plugin.run("prune", config.toString(), "--older-than", "1", "--grace", "0");
        assertEquals(0, result.exitCode(), result.toString());
        String out = result.stdoutText();
        for (String ts : List.of(GO_LAYOUT, FAILED, NO_REPORT)) {
            assertTrue(out.contains("would delete  " + ts), out);
        }
        assertTrue(out.contains("skip          " + BASE + "  needed by the incremental backup " + INCREMENTAL), out);
        assertTrue(out.contains("skip          " + INCREMENTAL + "  the newest successful backup"), out);
        assertTrue(out.contains("skip          " + RUNNING + "  incomplete and newer"), out);
        assertEquals(before, allKeys());
    }

    @Test
    @Order(4)
    void pruneWithYesDeletesWholeBackupsAndKeepsTheNewestSuccessfulOneAndWhatItNeeds() throws Exception {
        // Under object_lock_mode every object of a candidate is asked for its lock first (a HEAD
        // each); S3Proxy stores no lock, so all of them are deleted as without the option.
        Result result = plugin.run("prune", lockConfig.toString(), "--older-than", "1", "--yes", "--grace", "0");
        assertEquals(0, result.exitCode(), result.toString());
        assertEquals("", result.stderr());
        assertTrue(result.stdoutText().contains("deleted 3 of 6 backups (23 objects, "), result.stdoutText());
        assertEquals(List.of(BASE, INCREMENTAL, RUNNING), List.copyOf(listJson(config).keySet()));
        List<String> left = allKeys();
        for (String ts : List.of(GO_LAYOUT, FAILED, NO_REPORT)) {
            assertTrue(left.stream().noneMatch(k -> k.contains(ts)), left.toString());
        }
        assertEquals(3 * 8 + 1, left.size(), "the three kept backups and BASE's digest record: " + left);
    }

    @Test
    @Order(5)
    void pruneKeepLastKeepsTheBaseOfTheKeptIncremental() throws Exception {
        List<String> before = allKeys();
        Result result = plugin.run("prune", config.toString(), "--keep-last", "1", "--yes", "--grace", "0");
        assertEquals(0, result.exitCode(), result.toString());
        assertTrue(result.stdoutText().contains("skip          " + BASE + "  needed by the incremental backup"),
                result.stdoutText());
        assertEquals(before, allKeys());
    }

    @Test
    @Order(6)
    void pruneWithBadArgumentsFailsWithOneLine() throws Exception {
        // The other bad arguments are unit tests (CatalogCommandsTest): each run here is a JVM.
        for (List<String> args : List.of(List.of("--keep-last", "0"), List.of("--keep-last", "1", "--older-than", "2"))) {
            List<String> argv = new java.util.ArrayList<>(List.of("prune", config.toString()));
            argv.addAll(args);
            Result result = plugin.run(argv.toArray(String[]::new));
            assertEquals(1, result.exitCode(), args.toString());
            assertEquals(1, result.stderr().lines().count(), result.stderr());
            assertEquals("", result.stdoutText());
        }
    }

    @Test
    @Order(7)
    void pruneYesBesideABackupBeingWrittenKeepsItAndItRestoresWhole() throws Exception {
        String old = "20200107000000";
        String writing = "20200108000000";
        String newer = "20200109000000";
        Path busy = PluginConfigFile.handWritten(work.resolve("cfg-busy"), PluginConfigFile.options(server, BUCKET,
                "busy", Map.of()));
        upload("busy/backups/", old, report("Success", null, ""));
        upload("busy/backups/", newer, report("Success", null, ""));
        // gpbackup's data files of a backup still running: written through the plugin, no report yet.
        Map<String, byte[]> tables = new java.util.TreeMap<>();
        java.util.Random random = new java.util.Random(7);
        for (int segment = 0; segment < 3; segment++) {
            byte[] table = new byte[50_000 + segment];
            random.nextBytes(table);
            String path = work.resolve("gpseg" + segment + "/backups/20200108/" + writing + "/gpbackup_" + segment
                    + "_" + writing + "_16384.gz").toString();
            tables.put(path, table);
            assertEquals(0, plugin.run(table, "backup_data", busy.toString(), path).exitCode());
        }

        Result listed = plugin.run("list_backups", busy.toString());
        assertTrue(listed.stdoutText().lines().anyMatch(l -> l.startsWith(writing)
                && l.matches(".*incomplete, may be running: newest object \\d+ minutes old")), listed.stdoutText());
        Map<String, Object> json = listJson(busy, List.of()).get(writing);
        assertEquals(List.of(3, false, "incomplete", true), List.of(json.get("objects"), json.get("complete"),
                json.get("state"), json.get("may_be_running")), json.toString());

        Result pruned = plugin.run("prune", busy.toString(), "--keep-last", "1", "--yes");
        assertEquals(0, pruned.exitCode(), pruned.toString());
        for (Map.Entry<String, byte[]> table : tables.entrySet()) {
            Result restored = plugin.run("restore_data", busy.toString(), table.getKey());
            assertEquals(0, restored.exitCode(), restored.toString());
            org.junit.jupiter.api.Assertions.assertArrayEquals(table.getValue(), restored.stdout(), table.getKey());
        }
        assertTrue(pruned.stdoutText().contains("deleted       " + old), pruned.stdoutText());
        assertTrue(pruned.stdoutText().contains("skip          " + writing + "  incomplete, may be running: newest"
                + " object "), pruned.stdoutText());
    }
}
