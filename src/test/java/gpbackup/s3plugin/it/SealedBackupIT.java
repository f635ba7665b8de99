package gpbackup.s3plugin.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gpbackup.s3plugin.it.PluginRunner.Result;
import gpbackup.s3plugin.leaks.TestSecrets;
import gpbackup.s3plugin.seal.MasterKey;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Client-side encryption against S3Proxy (issue 28, spec/sealed-format.md): what gpbackup writes is sealed
 * before it leaves the host, comes back whole, and a filtered restore still reads only the frames it needs;
 * a changed, cut or swapped object, or the wrong key, fails with one line and no unauthenticated byte.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(SharedS3Proxy.class)
class SealedBackupIT {
    private static final String BUCKET = "sealed-it";
    private static final String TS = "20240505050505";
    private static final int FRAME = 64 << 10;
    private static final int HEADER = 62;
    private static final String MARK = "x-amz-meta-gpbackup-seal";
    private static final MasterKey KEY = MasterKey.of(TestSecrets.cseKey());
    private static final MasterKey OLD_KEY = MasterKey.of(TestSecrets.cseOldKey());

    private Path work;
    private S3ProxyServer server;
    private RawS3Client raw;
    private PluginRunner plugin;
    private Path keyFile;
    private Path oldKeyFile;
    private Path rotatedKeyFile;

    @BeforeAll
    void setUp(S3ProxyServer shared, @TempDir Path dir) throws Exception {
        work = dir;
        server = shared;
        raw = new RawS3Client(server.endpoint());
        raw.createBucket(BUCKET);
        plugin = new PluginRunner(work.resolve("home"));
        keyFile = keyFile("current.key", TestSecrets.cseKey());
        oldKeyFile = keyFile("old.key", TestSecrets.cseOldKey());
        rotatedKeyFile = keyFile("rotated.key", TestSecrets.cseKey(), TestSecrets.cseOldKey());
    }

    private Path keyFile(String name, byte[]... keys) throws IOException {
        StringBuilder text = new StringBuilder("# the first key seals, every key opens\n");
        for (byte[] key : keys) {
            text.append(Base64.getEncoder().encodeToString(key)).append('\n');
        }
        Path file = Files.writeString(work.resolve(name), text);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }

    /** A config sealing with the keys of {@code keys} (null: client-side encryption off), and these options too. */
    private Path config(String name, Path keys, Map<String, String> extra) throws IOException {
        Map<String, String> options = new HashMap<>(extra);
        if (keys != null) {
            options.put("client_side_encryption", "on");
            options.put("cse_key_file", keys.toString());
        }
        return PluginConfigFile.handWritten(work.resolve("cfg-" + name),
                PluginConfigFile.options(server, BUCKET, "sealed", options));
    }

    private Path config(String name, Path keys) throws IOException {
        return config(name, keys, Map.of());
    }

    private String dataPath(String name) throws IOException {
        return Files.createDirectories(work.resolve("gpseg0/backups/20240505/" + TS))
                .resolve("gpbackup_0_" + TS + "_" + name).toString();
    }

    private static String keyOf(String path) {
        return "sealed/backups/20240505/" + TS + "/" + Path.of(path).getFileName();
    }

    private static byte[] randomBytes(int size, long seed) {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        return data;
    }

    private static long sealedLength(long plaintext) {
        long frames = Math.max(1, (plaintext + FRAME - 1) / FRAME);
        return HEADER + plaintext + 16 * frames;
    }

    private static Result ok(Result result) {
        assertEquals(0, result.exitCode(), () -> "plugin failed: " + result);
        return result;
    }

    /** One stderr line with {@code expected}, no stack trace, and stdout as given. */
    private static void assertOneLineFailure(Result result, String expected) {
        assertNotEquals(0, result.exitCode(), "expected a failure");
        String err = result.stderr().strip();
        assertEquals(1, err.lines().count(), () -> "one stderr line expected, got: " + err);
        assertTrue(err.contains(expected), () -> "stderr '" + err + "' should mention '" + expected + "'");
        assertFalse(err.contains("Exception") || err.contains("\tat "), () -> "no stack trace: " + err);
    }

    /** Nothing was written but whole, authenticated frames of {@code plaintext}, from its start. */
    private static void assertOnlyFramesBefore(long failingFrame, byte[] plaintext, byte[] written) {
        assertTrue(written.length <= failingFrame * FRAME, () -> written.length + " bytes written before frame "
                + failingFrame + " failed");
        assertEquals(0, written.length % FRAME, "only whole frames are written");
        assertArrayEquals(Arrays.copyOf(plaintext, written.length), written);
    }

    @ParameterizedTest(name = "{0} bytes")
    @ValueSource(ints = {0, 1, FRAME - 1, FRAME, FRAME + 1, 12 << 20})
    void aSealedStreamComesBackWholeAndTheStoreNeverSawThePlaintext(int size) throws Exception {
        byte[] data = randomBytes(size, size);
        String path = dataPath("edge" + size);
        Path config = config("current", keyFile);
        ok(plugin.runInProcess(data, "backup_data", config.toString(), path));
        assertArrayEquals(data, ok(plugin.runInProcess("restore_data", config.toString(), path)).stdout());

        byte[] stored = raw.get(BUCKET, keyOf(path));
        assertEquals(sealedLength(size), stored.length, "header, plaintext and a tag per frame");
        assertEquals("GPS3SEAL", new String(stored, 0, 8, java.nio.charset.StandardCharsets.US_ASCII));
        assertEquals("v1", raw.headers(BUCKET, keyOf(path)).firstValue(MARK).orElse(""),
                "a sealed object is marked in its user metadata" + (size > 5 << 20 ? " (multipart too)" : ""));
        for (int at = 0; at + 32 <= size; at += Math.max(32, size / 16)) {
            assertFalse(contains(stored, Arrays.copyOfRange(data, at, at + 32)), "plaintext at " + at + " is stored");
        }
    }

    @Test
    void aSealedStreamRestoresThroughTheLauncherAndAWatchedRestoreToo() throws Exception {
        byte[] data = randomBytes(3 * FRAME + 5, 3);
        String path = dataPath("launcher");
        Path config = config("current", keyFile);
        ok(plugin.run(data, "backup_data", config.toString(), path));
        assertArrayEquals(data, ok(plugin.run("restore_data", config.toString(), path)).stdout());
    }

    @Test
    void backupFileAndRestoreFileSealAndOpen() throws Exception {
        Path dir = Files.createDirectories(work.resolve("gpseg-1/backups/20240505/" + TS));
        Path file = dir.resolve("gpbackup_" + TS + "_metadata.sql");
        byte[] data = randomBytes(200_000, 7);
        Files.write(file, data);
        Path config = config("current", keyFile);
        ok(plugin.runInProcess("backup_file", config.toString(), file.toString()));
        assertEquals("v1", raw.headers(BUCKET, keyOf(file.toString())).firstValue(MARK).orElse(""));
        assertEquals(sealedLength(data.length), raw.get(BUCKET, keyOf(file.toString())).length);
        Files.delete(file);
        ok(plugin.runInProcess("restore_file", config.toString(), file.toString()));
        assertArrayEquals(data, Files.readAllBytes(file));
    }

    @Test
    void aFilteredRestoreFetchesOnlyTheFramesOfTheChosenTables() throws Exception {
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        List<long[]> tables = new ArrayList<>();
        for (int table = 0; table < 12; table++) {
            long start = file.size();
            file.write(randomBytes(1_000_000 + table * 77_777, 100 + table));
            tables.add(new long[] {start, file.size()});
        }
        byte[] data = file.toByteArray();
        int[] wanted = {9, 2, 5};
        StringBuilder offsets = new StringBuilder().append(wanted.length);
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        for (int t : wanted) {
            long[] range = tables.get(t);
            offsets.append(' ').append(range[0]).append(' ').append(range[1]);
            expected.write(data, (int) range[0], (int) (range[1] - range[0]));
        }
        Path offsetsFile = Files.writeString(work.resolve("gprestore_offsets_sealed"), offsets.toString());

        long[] fetched = new long[2];
        for (int sealed = 0; sealed < 2; sealed++) {
            Path trail = work.resolve("subset-audit-" + sealed + ".jsonl");
            Path config = config("subset-" + sealed, sealed == 1 ? keyFile : null,
                    Map.of("restore_subset", "on", "audit_log", trail.toString()));
            String path = dataPath("subset" + sealed);
            ok(plugin.runInProcess(data, "backup_data", config.toString(), path));
            assertArrayEquals(expected.toByteArray(), ok(plugin.runInProcess("restore_data_subset", config.toString(),
                    path, offsetsFile.toString())).stdout());
            fetched[sealed] = bytesReceived(trail, "restore_data_subset");
        }
        assertEquals(expected.size(), fetched[0], "unsealed, exactly the ranges are fetched");
        assertTrue(fetched[1] <= 1.1 * fetched[0], "sealed, " + fetched[1] + " bytes were fetched for "
                + fetched[0] + " unsealed");
    }

    /** The bytes the store sent for GetObject requests of {@code command}, by the audit trail. */
    private static long bytesReceived(Path trail, String command) throws IOException {
        Pattern received = Pattern.compile("\"bytes_received\":([0-9]+)");
        long total = 0;
        for (String line : Files.readAllLines(trail)) {
            if (line.contains("\"command\":\"" + command + "\"") && line.contains("\"op\":\"GetObject\"")) {
                Matcher m = received.matcher(line);
                assertTrue(m.find(), line);
                total += Long.parseLong(m.group(1));
            }
        }
        return total;
    }

    @Test
    void aChangedByteInAFrameFailsTheRestoreAfterTheFramesBeforeIt() throws Exception {
        byte[] data = randomBytes(5 * FRAME, 11);
        String path = dataPath("tampered");
        Path config = config("current", keyFile);
        ok(plugin.runInProcess(data, "backup_data", config.toString(), path));
        byte[] stored = raw.get(BUCKET, keyOf(path));
        stored[HEADER + 3 * (FRAME + 16) + 1000] ^= 1;
        raw.put(BUCKET, keyOf(path), stored, List.of(Map.entry(MARK, "v1")));

        Result result = plugin.runInProcess("restore_data", config.toString(), path);
        assertOneLineFailure(result, "frame 3 of " + Path.of(path).getFileName() + " does not authenticate");
        assertOnlyFramesBefore(3, data, result.stdout());

        Path target = Path.of(path);
        Result file = plugin.runInProcess("restore_file", config.toString(), target.toString());
        assertOneLineFailure(file, "does not authenticate");
        assertFalse(Files.exists(target), "no file is left from a restore that failed");
    }

    @Test
    void aCutObjectAndASwappedObjectFail() throws Exception {
        byte[] one = randomBytes(3 * FRAME, 21);
        byte[] two = randomBytes(3 * FRAME, 22);
        String pathOne = dataPath("cut");
        String pathTwo = dataPath("swapped");
        Path config = config("current", keyFile);
        ok(plugin.runInProcess(one, "backup_data", config.toString(), pathOne));
        ok(plugin.runInProcess(two, "backup_data", config.toString(), pathTwo));
        byte[] storedOne = raw.get(BUCKET, keyOf(pathOne));

        // Cut at a frame boundary: the new last frame was not sealed as the last.
        raw.put(BUCKET, keyOf(pathOne), Arrays.copyOf(storedOne, HEADER + 2 * (FRAME + 16)), List.of(Map.entry(MARK, "v1")));
        Result cut = plugin.runInProcess("restore_data", config.toString(), pathOne);
        assertOneLineFailure(cut, "its last, does not authenticate");
        assertOnlyFramesBefore(1, one, cut.stdout());

        // Another object of the backup in its place: its name is in the data key.
        raw.put(BUCKET, keyOf(pathTwo), storedOne, List.of(Map.entry(MARK, "v1")));
        Result swapped = plugin.runInProcess("restore_data", config.toString(), pathTwo);
        assertOneLineFailure(swapped, "frame 0 of " + Path.of(pathTwo).getFileName() + " does not authenticate");
        assertEquals(0, swapped.stdout().length);
    }

    @Test
    void unsealedAndSealedObjectsRestoreWithOneConfig() throws Exception {
        byte[] old = randomBytes(100_000, 31);
        byte[] sealed = randomBytes(100_000, 32);
        String oldPath = dataPath("before-cse");
        String sealedPath = dataPath("after-cse");
        ok(plugin.runInProcess(old, "backup_data", config("off", null).toString(), oldPath));
        Path config = config("current", keyFile);
        ok(plugin.runInProcess(sealed, "backup_data", config.toString(), sealedPath));
        assertTrue(raw.headers(BUCKET, keyOf(oldPath)).firstValue(MARK).isEmpty());
        assertArrayEquals(old, ok(plugin.runInProcess("restore_data", config.toString(), oldPath)).stdout());
        assertArrayEquals(sealed, ok(plugin.runInProcess("restore_data", config.toString(), sealedPath)).stdout());
        Path offsets = Files.writeString(work.resolve("offsets-mixed"), "2 10 20 50000 70000");
        byte[] expected = new byte[10 + 20_000];
        System.arraycopy(old, 10, expected, 0, 10);
        System.arraycopy(old, 50_000, expected, 10, 20_000);
        assertArrayEquals(expected, ok(plugin.runInProcess("restore_data_subset", config.toString(), oldPath,
                offsets.toString())).stdout());
        System.arraycopy(sealed, 10, expected, 0, 10);
        System.arraycopy(sealed, 50_000, expected, 10, 20_000);
        assertArrayEquals(expected, ok(plugin.runInProcess("restore_data_subset", config.toString(), sealedPath,
                offsets.toString())).stdout());
    }

    @Test
    void aRotatedKeyFileOpensOldBackupsAndSealsWithTheNewKey() throws Exception {
        byte[] data = randomBytes(70_000, 41);
        String path = dataPath("old-key");
        ok(plugin.runInProcess(data, "backup_data", config("old", oldKeyFile).toString(), path));
        Path rotated = config("rotated", rotatedKeyFile);
        assertArrayEquals(data, ok(plugin.runInProcess("restore_data", rotated.toString(), path)).stdout());

        String newPath = dataPath("new-key");
        ok(plugin.runInProcess(data, "backup_data", rotated.toString(), newPath));
        byte[] stored = raw.get(BUCKET, keyOf(newPath));
        assertEquals(KEY.fingerprint().toString(), java.util.HexFormat.of().formatHex(stored, 13, 21),
                "the first key of the file seals");
    }

    @Test
    void theWrongKeyOrNoKeyFailsNamingTheFingerprint() throws Exception {
        byte[] data = randomBytes(70_000, 51);
        String path = dataPath("wrong-key");
        ok(plugin.runInProcess(data, "backup_data", config("current", keyFile).toString(), path));
        String name = Path.of(path).getFileName().toString();

        Result wrong = plugin.runInProcess("restore_data", config("old", oldKeyFile).toString(), path);
        assertOneLineFailure(wrong, name + " is sealed with key " + KEY.fingerprint()
                + ", which is not among the configured keys (" + OLD_KEY.fingerprint() + ")");
        assertEquals(0, wrong.stdout().length);

        Result none = plugin.runInProcess("restore_data", config("off", null).toString(), path);
        assertOneLineFailure(none, name + " is sealed (client-side encryption) with key " + KEY.fingerprint());
        assertEquals(0, none.stdout().length);

        Path offsets = Files.writeString(work.resolve("offsets-wrong"), "1 0 10");
        assertOneLineFailure(plugin.runInProcess("restore_data_subset", config("off", null).toString(), path,
                offsets.toString()), "is sealed (client-side encryption) with key " + KEY.fingerprint());
    }

    @Test
    void withoutTheKeyASealedBackupListsAsFinishedAndPruneKeepsIt() throws Exception {
        // A sealed backup (data and its report), then a newer unsealed one, complete too.
        String newer = "20240506060606";
        ok(plugin.runInProcess(randomBytes(1_000, 61), "backup_data", config("current", keyFile).toString(),
                dataPath("listed")));
        Path report = Path.of(dataPath("listed")).resolveSibling("gpbackup_" + TS + "_report");
        Files.writeString(report, "backup status: Success\n");
        ok(plugin.runInProcess("backup_file", config("current", keyFile).toString(), report.toString()));
        Path newerReport = Files.createDirectories(work.resolve("gpseg0/backups/20240506/" + newer))
                .resolve("gpbackup_" + newer + "_report");
        Files.writeString(newerReport, "backup status: Success\n");
        ok(plugin.runInProcess("backup_file", config("off", null).toString(), newerReport.toString()));

        String withKey = new String(ok(plugin.runInProcess("list_backups", config("current", keyFile).toString()))
                .stdout(), StandardCharsets.UTF_8);
        String without = new String(ok(plugin.runInProcess("list_backups", config("off", null).toString())).stdout(),
                StandardCharsets.UTF_8);
        assertTrue(withKey.lines().anyMatch(l -> l.startsWith(TS) && l.endsWith("complete: Success")), withKey);
        assertTrue(without.lines().anyMatch(l -> l.startsWith(TS)
                && l.endsWith("complete: report sealed, its status needs the key")), without);

        String pruned = new String(ok(plugin.runInProcess("prune", config("off", null).toString(), "--keep-last", "1",
                "--yes")).stdout(), StandardCharsets.UTF_8);
        assertTrue(pruned.lines().anyMatch(l -> l.startsWith("skip") && l.contains(TS) && l.contains("sealed")), pruned);
        assertTrue(raw.keys(BUCKET, "sealed/").contains(keyOf(report.toString())), "the sealed backup is kept: " + pruned);
    }

    @Test
    void verifyOpensEveryFrameWithTheKeyAndChecksStructureAndDigestsWithout() throws Exception {
        String ts = "20240506060606";
        Path dir = Files.createDirectories(work.resolve("verify/backups/20240506/" + ts));
        Map<String, String> folder = Map.of("folder", "sealed-verify");
        Path config = config("verify", keyFile, folder);
        Path noKey = config("verify-no-key", null, folder);
        for (String file : List.of("metadata.sql", "toc.yaml", "config.yaml", "report")) {
            Path local = Files.writeString(dir.resolve("gpbackup_" + ts + "_" + file), file + " of " + ts + "\n");
            ok(plugin.runInProcess("backup_file", config.toString(), local.toString()));
        }
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (var out = new java.util.zip.GZIPOutputStream(gz)) {
            out.write(randomBytes(300_000, 61));
        }
        ok(plugin.runInProcess(gz.toByteArray(), "backup_data", config.toString(),
                dir.resolve("gpbackup_0_" + ts + "_16384.gz").toString()));
        ok(plugin.runInProcess(randomBytes(6 << 20, 62), "backup_data", config.toString(),
                dir.resolve("gpbackup_1_" + ts + "_16385").toString()));

        String opened = ok(plugin.runInProcess("verify", config.toString(), ts)).stdoutText();
        assertTrue(opened.strip().endsWith("the backup is intact"), opened);
        String gzLine = opened.lines().filter(l -> l.contains("_16384.gz ")).findFirst().orElseThrow();
        assertTrue(gzLine.startsWith("OK ") && gzLine.contains("sealed: every frame opened and authenticated")
                && gzLine.contains("gzip: 1 member decompressed to the end"), gzLine);

        String unopened = ok(plugin.runInProcess("verify", noKey.toString(), ts)).stdoutText();
        assertTrue(unopened.strip().endsWith("the backup is intact"), unopened);
        String bigLine = unopened.lines().filter(l -> l.contains("_16385 ")).findFirst().orElseThrow();
        assertTrue(bigLine.startsWith("OK ") && bigLine.contains("frames not opened")
                && bigLine.contains("recorded at backup: match"), bigLine);
        assertFalse(unopened.contains("gzip:"), "a sealed gzip is not checked without the key: " + unopened);
    }

    @Test
    void checkProvesASealedRoundTrip() throws Exception {
        Result checked = ok(plugin.runInProcess("check", config("current", keyFile).toString()));
        String line = checked.stdoutText().lines().filter(l -> l.contains("client-side encryption")).findFirst()
                .orElseThrow(() -> new AssertionError(checked.stdoutText()));
        assertTrue(line.startsWith("✓") && line.contains("sealed on the host with key " + KEY.fingerprint())
                && line.contains("none of its plaintext") && line.contains("opened identical"), line);
        assertTrue(raw.keys(BUCKET, "sealed/.gpbackup_s3_plugin_check/").isEmpty(), "the probes are deleted");
    }

    @Test
    void throughTheHostAgentAndACallWithOtherKeysNeverBorrowsIt(@TempDir Path dir) throws Exception {
        AgentHarness agents = new AgentHarness(server, BUCKET, dir);
        String keys = Base64.getEncoder().encodeToString(TestSecrets.cseKey());
        agents.plugin.withEnv("GP_CSE_KEYS", keys);
        Path cfg = agents.config("sealed-agent", Map.of("client_side_encryption", "on", "cse_key_env", "GP_CSE_KEYS"));
        Path segment = agents.segmentDir();
        String path = segment.resolve("gpbackup_0_" + AgentHarness.TS + "_16384").toString();
        byte[] data = randomBytes(300_000, 71);
        agents.hooks("setup_plugin_for_backup", cfg, segment);
        agents.theAgent();
        try {
            agents.ok(agents.plugin.run(data, "backup_data", cfg.toString(), path));
            assertArrayEquals(data, agents.ok(agents.plugin.run("restore_data", cfg.toString(), path)).stdout());
            String log = agents.log();
            assertTrue(log.contains("relayed backup_data from pid") && log.contains("relayed restore_data from pid"),
                    log);
            byte[] stored = raw.get(BUCKET, AgentHarness.key("sealed-agent", Path.of(path).getFileName().toString()));
            assertEquals(KEY.fingerprint().toString(), java.util.HexFormat.of().formatHex(stored, 13, 21));

            // Another key in the variable: another agent key, so the call runs alone, with its own keys.
            agents.plugin.withEnv("GP_CSE_KEYS", Base64.getEncoder().encodeToString(TestSecrets.cseOldKey()));
            Result other = agents.plugin.run("restore_data", cfg.toString(), path);
            assertOneLineFailure(other, "is sealed with key " + KEY.fingerprint()
                    + ", which is not among the configured keys (" + OLD_KEY.fingerprint() + ")");
            assertEquals(0, other.stdout().length);
        } finally {
            agents.plugin.withEnv("GP_CSE_KEYS", keys);
            agents.hooks("cleanup_plugin_for_backup", cfg, segment);
        }
    }

    @Test
    void aKeyFileOpenToOthersFailsBeforeAnyRequest() throws Exception {
        Path open = keyFile("open.key", TestSecrets.cseKey());
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rw-r--r--"));
        Path trail = work.resolve("open-key-audit.jsonl");
        Result result = plugin.runInProcess(new byte[10], "backup_data",
                config("open", open, Map.of("audit_log", trail.toString())).toString(), dataPath("never"));
        assertOneLineFailure(result, "has mode 0644, open to its group or others");
        assertFalse(Files.exists(trail) && !Files.readString(trail).isEmpty(), "no request was made");
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
