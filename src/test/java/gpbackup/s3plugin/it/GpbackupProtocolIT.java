package gpbackup.s3plugin.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gpbackup.s3plugin.it.PluginRunner.Result;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The plugin as gpbackup really calls it (facts read from gpbackup's utils/plugin.go and
 * helper/restore_helper.go): the re-serialised config copy, the filtered-restore path, and the
 * Go plugin's hidden directory commands.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(SharedS3Proxy.class)
class GpbackupProtocolIT {
    private static final String BUCKET = "gpbackup-protocol";
    private static final String TS = "20240202020202";

    private Path work;
    private S3ProxyServer server;
    private RawS3Client raw;
    private PluginRunner plugin;

    @BeforeAll
    void createBucket(S3ProxyServer shared, @TempDir Path dir) throws Exception {
        work = dir;
        server = shared;
        raw = new RawS3Client(server.endpoint());
        raw.createBucket(BUCKET);
        plugin = new PluginRunner(work.resolve("home"));
    }

    private static Result ok(Result result) {
        assertEquals(0, result.exitCode(), () -> "plugin failed: " + result);
        return result;
    }

    private static byte[] randomBytes(int size, long seed) {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        return data;
    }

    @Test
    void everyCommandAcceptsGpbackupsReserialisedConfigCopy() throws Exception {
        String folder = "reserialised";
        String version = ok(plugin.run("--version")).stdoutText().strip().split(" ")[2];
        Path cfg = PluginConfigFile.gpbackupForm(work.resolve("cfg-reserialised"),
                PluginConfigFile.options(server, BUCKET, folder, Map.of("restore_subset", "on",
                        "backup_max_concurrent_requests", "6")), version);
        String text = Files.readString(cfg);
        assertTrue(text.contains("encryption: \"off\"") && text.contains("pgport: \"6000\""), text);

        Path dir = Files.createDirectories(work.resolve("seg/backups/20240202").resolve(TS));
        String c = cfg.toString();
        // Through the launcher: the segment host's hooks (which start and stop its agent) and the
        // per-table calls (which the launcher relays to it). The commands gpbackup runs once, which
        // no agent serves, read the same copy through Main in this JVM.
        ok(plugin.runInProcess("setup_plugin_for_backup", c, dir.toString(), "coordinator", "\"-1\""));
        ok(plugin.run("setup_plugin_for_backup", c, dir.toString(), "segment_host"));
        ok(plugin.runInProcess("setup_plugin_for_backup", c, dir.toString(), "segment", "\"0\""));
        Path report = Files.write(dir.resolve("gpbackup_" + TS + "_report"), randomBytes(500, 1));
        ok(plugin.run("backup_file", c, report.toString()));
        byte[] data = randomBytes(7 * 1024 * 1024, 2);
        String dataPath = dir.resolve("gpbackup_0_" + TS).toString();
        ok(plugin.run(data, "backup_data", c, dataPath));
        ok(plugin.runInProcess("cleanup_plugin_for_backup", c, dir.toString(), "coordinator", "\"-1\""));
        ok(plugin.run("setup_plugin_for_restore", c, dir.toString(), "segment_host"));
        Files.delete(report);
        ok(plugin.run("restore_file", c, report.toString()));
        assertArrayEquals(randomBytes(500, 1), Files.readAllBytes(report));
        assertArrayEquals(data, ok(plugin.run("restore_data", c, dataPath)).stdout());
        Path offsets = Files.writeString(work.resolve("offsets"), "1 100 200");
        assertArrayEquals(java.util.Arrays.copyOfRange(data, 100, 200),
                ok(plugin.run("restore_data_subset", c, dataPath, offsets.toString())).stdout());
        ok(plugin.runInProcess("cleanup_plugin_for_restore", c, dir.toString(), "segment", "\"0\""));
        assertTrue(ok(plugin.runInProcess("list_directory", c)).stdoutText().contains("gpbackup_0_" + TS));
        ok(plugin.runInProcess("delete_backup", c, TS));
        assertEquals(List.of(), raw.keys(BUCKET, folder + "/"));
        ok(plugin.run("plugin_api_version"));
        ok(plugin.runInProcess("delete_directory", c, folder));
    }

    @Test
    void filteredRestoreWithRestoreSubsetOnReturnsExactlyTheListedRanges() throws Exception {
        // gpbackup_helper, for a filtered restore of an uncompressed backup with restore_subset "on",
        // writes "N s1 e1 ..." (TOC start/end byte of each table) and calls restore_data_subset.
        Path cfg = PluginConfigFile.gpbackupForm(work.resolve("cfg-subset"),
                PluginConfigFile.options(server, BUCKET, "filtered", Map.of("restore_subset", "on",
                        "restore_multipart_chunksize", "1MB", "restore_max_concurrent_requests", "3")), "0.1.0");
        Path dir = Files.createDirectories(work.resolve("seg3/backups/20240202").resolve(TS));
        // An uncompressed segment data file: one COPY block per table, back to back.
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        List<long[]> tables = new ArrayList<>();
        for (int table = 0; table < 20; table++) {
            long start = file.size();
            byte[] rows = randomBytes(50_000 + table * 37_000, 100 + table);
            file.write(rows);
            tables.add(new long[] {start, file.size()});
        }
        byte[] data = file.toByteArray();
        String path = dir.resolve("gpbackup_3_" + TS).toString();
        ok(plugin.run(data, "backup_data", cfg.toString(), path));

        int[] wanted = {17, 2, 3, 11};
        StringBuilder offsets = new StringBuilder().append(wanted.length);
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        for (int t : wanted) {
            long[] range = tables.get(t);
            offsets.append(' ').append(range[0]).append(' ').append(range[1]);
            expected.write(data, (int) range[0], (int) (range[1] - range[0]));
        }
        Path offsetsFile = Files.writeString(work.resolve("gprestore_offsets_1"), offsets.toString());
        assertArrayEquals(expected.toByteArray(),
                ok(plugin.run("restore_data_subset", cfg.toString(), path, offsetsFile.toString())).stdout());
    }

    @Test
    void directoryCommandsRoundTripATreeLargerThanOneListingPage() throws Exception {
        Path cfg = PluginConfigFile.handWritten(work.resolve("cfg-dir"),
                PluginConfigFile.options(server, BUCKET, "unused-by-directory-commands", Map.of()));
        Path tree = work.resolve("tree");
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < 1500; i++) {
            Path file = tree.resolve("sub" + (i % 3)).resolve(i % 2 == 0 ? "deep" : "").resolve("file-" + i);
            Files.createDirectories(file.getParent());
            Files.write(file, randomBytes(i % 97, i));
            files.add(file);
        }
        ok(plugin.run("backup_directory_parallel", cfg.toString(), tree.toString(), "8"));
        // Each key is the file's path as walked from DIR, without the leading slash of an absolute DIR.
        String treeKey = tree.toString().substring(1);
        assertArrayEquals(randomBytes(5, 5), raw.get(BUCKET, treeKey + "/sub2/file-5"));
        assertEquals(List.of(), raw.keys(BUCKET, "/" + treeKey + "/"), "no key starts with a slash");

        deleteTree(tree);
        ok(plugin.run("restore_directory_parallel", cfg.toString(), tree.toString(), "8"));
        for (int i = 0; i < files.size(); i++) {
            assertArrayEquals(randomBytes(i % 97, i), Files.readAllBytes(files.get(i)), files.get(i).toString());
        }
        try (Stream<Path> walk = Files.walk(tree)) {
            assertEquals(1500, walk.filter(Files::isRegularFile).count());
        }

        // The sequential forms agree, and a bad parallelism is refused.
        deleteTree(tree);
        ok(plugin.run("restore_directory", cfg.toString(), tree.toString()));
        assertArrayEquals(randomBytes(1499 % 97, 1499), Files.readAllBytes(files.get(1499)));
        assertEquals(1, plugin.run("restore_directory_parallel", cfg.toString(), tree.toString(), "0").exitCode());
    }

    /** The Go plugin and older versions of ours kept an absolute DIR's leading slash in the keys. */
    @Test
    void aFlatDirectorySavedAtTheGoLayoutRestores() throws Exception {
        Path cfg = PluginConfigFile.handWritten(work.resolve("cfg-flat"),
                PluginConfigFile.options(server, BUCKET, "unused", Map.of()));
        Path dir = work.resolve("flat");
        for (int i = 0; i < 3; i++) {
            raw.put(BUCKET, dir.resolve("f" + i).toString(), randomBytes(10 + i, 50 + i));
        }
        raw.put(BUCKET, dir + "x/not-mine", randomBytes(1, 1)); // a sibling prefix, not under DIR
        ok(plugin.run("restore_directory", cfg.toString(), dir.toString()));
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(randomBytes(10 + i, 50 + i), Files.readAllBytes(dir.resolve("f" + i)));
        }
        try (Stream<Path> list = Files.list(dir)) {
            assertEquals(3, list.count());
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
