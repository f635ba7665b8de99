package gpbackup.s3plugin.it;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gpbackup.s3plugin.it.PluginRunner.Result;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real plugin against S3Proxy when things break: a network that resets and stalls, a server
 * that dies mid-upload, eight processes at once, a reader that hangs up, a full disk. Whatever
 * happens, the plugin restores identical bytes or exits non-zero with one stderr line; it never
 * exits 0 with wrong data, and never leaves a failed backup visible. Figures: spec/reliability.md.
 *
 * <p>What breaks outside the plugin's process (a server, a reader, a disk limit, other processes)
 * is met by the launched plugin; the network faults and the file cases, which the plugin meets
 * inside one call whatever process it runs in, run through {@code Main} in this JVM
 * ({@link PluginRunner#runInProcess}), with stderr and stdout still checked as a process's.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(SharedS3Proxy.class)
class FaultInjectionIT {
    private static final String BUCKET = "faults-it";
    private static final String TS = "20240404040404";
    private static final int MIB = 1024 * 1024;
    /** Two 5 MiB parts and a bit: multi-part, yet quick. */
    private static final int SIZE = 10 * MIB + 4321;
    /** Override with -Dfaults.seed=N to replay a run. */
    private static final long SEED = Long.getLong("faults.seed", 20240404L);

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

    private Path config(String folder, Map<String, String> extra) throws IOException {
        return PluginConfigFile.handWritten(work.resolve("cfg-" + folder),
                PluginConfigFile.options(server, BUCKET, folder, extra));
    }

    private Path backupDir(String segment) throws IOException {
        return Files.createDirectories(work.resolve(segment).resolve("backups").resolve(TS.substring(0, 8)).resolve(TS));
    }

    private static String keyOf(String folder, String file) {
        return folder + "/backups/" + TS.substring(0, 8) + "/" + TS + "/" + file;
    }

    private static byte[] randomBytes(int size, long seed) {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        return data;
    }

    /** Non-zero, one stderr line, no stack trace, no secret; {@code context} names the seed and step. */
    private void assertCleanFailure(String context, Result result) throws IOException {
        String err = result.stderr().strip();
        assertAll(context,
                () -> assertNotEquals(0, result.exitCode(), "exit status"),
                () -> assertEquals(1, err.lines().count(), "stderr: " + err),
                () -> assertFalse(err.contains("\tat ") || err.contains("Exception:"), "stack trace: " + err),
                () -> assertFalse(err.contains(S3ProxyServer.SECRET_KEY), "secret on stderr"));
        assertNoSecretInLogs(context);
    }

    private void assertNoSecretInLogs(String context) throws IOException {
        Path logs = work.resolve("home").resolve("gpAdminLogs");
        if (Files.isDirectory(logs)) {
            try (Stream<Path> files = Files.list(logs)) {
                for (Path f : files.toList()) {
                    assertFalse(Files.readString(f).contains(S3ProxyServer.SECRET_KEY), context + ": secret in " + f);
                }
            }
        }
    }

    /** After a failed backup nothing is at the key and no multipart upload is left open. */
    private void assertNothingLeft(String context, String key) throws IOException, InterruptedException {
        assertNull(raw.get(BUCKET, key), context + ": a failed backup left an object at " + key);
        assertEquals(List.of(), raw.openUploads(BUCKET, key), context + ": a multipart upload was left open");
    }

    @Test
    void theServerListsOpenUploadsSoTheLeftoverCheckCanSeeThem() throws Exception {
        String key = keyOf("probe", "open");
        String id = raw.startUpload(BUCKET, key);
        assertEquals(List.of(key), raw.openUploads(BUCKET, key));
        raw.abortUpload(BUCKET, key, id);
        assertEquals(List.of(), raw.openUploads(BUCKET, key));
    }

    @Test
    void roundTripsThroughResetsAndStallsRestoreIdenticalBytesOrFailCleanly() throws Exception {
        String folder = "faulty-network";
        int tries = 20;
        int backupsFailed = 0;
        int restoresFailed = 0;
        long bytesVerified = 0;
        try (FaultInjectingProxy proxy = new FaultInjectingProxy(server.port(), SEED, 0.4, 6L * MIB, MIB)) {
            Path dir = backupDir("gpseg-faults");
            for (int i = 0; i < tries; i++) {
                String context = "seed " + SEED + ", round trip " + i;
                // Every fourth round trip gets no retries, so failures (and their cleanup) happen too.
                Map<String, String> options = new HashMap<>(Map.of(
                        "endpoint", "http://127.0.0.1:" + proxy.port(),
                        "max_request_retries", i % 4 == 0 ? "0" : "3"));
                Path cfg = config(folder + i, options);
                byte[] data = randomBytes(SIZE + i, SEED + i);
                String file = "gpbackup_" + i + "_" + TS;
                String path = dir.resolve(file).toString();
                String key = keyOf(folder + i, file);

                Result backup = plugin.runInProcess(data, "backup_data", cfg.toString(), path);
                if (backup.exitCode() != 0) {
                    backupsFailed++;
                    assertCleanFailure(context + " backup", backup);
                    assertNothingLeft(context, key);
                    continue;
                }
                assertArrayEquals(data, raw.get(BUCKET, key), context + ": backup exited 0 but stored other bytes");
                Result restore = plugin.runInProcess("restore_data", cfg.toString(), path);
                if (restore.exitCode() != 0) {
                    restoresFailed++;
                    assertCleanFailure(context + " restore", restore);
                    raw.delete(BUCKET, key);
                    continue;
                }
                assertArrayEquals(data, restore.stdout(), context + ": restore exited 0 with other bytes");
                bytesVerified += data.length;
                // The shared S3Proxy keeps objects in memory; the other end-to-end classes need it too.
                raw.delete(BUCKET, key);
            }
            System.out.printf("fault round trips: seed %d, tried %d, faults injected %d (resets %d/%d, stalls %d/%d"
                            + " request/response), backups failed %d, restores failed %d, bytes verified %d,"
                            + " bytes relayed %d, secrets found 0%n",
                    SEED, tries, proxy.faultsInjected(),
                    proxy.fired(FaultInjectingProxy.Fault.RESET_REQUEST), proxy.fired(FaultInjectingProxy.Fault.RESET_RESPONSE),
                    proxy.fired(FaultInjectingProxy.Fault.STALL_REQUEST), proxy.fired(FaultInjectingProxy.Fault.STALL_RESPONSE),
                    backupsFailed, restoresFailed, bytesVerified, proxy.bytesRelayed());
            assertTrue(proxy.faultsInjected() >= tries / 2, "seed " + SEED + ": too few faults struck to prove anything: "
                    + proxy.faultsInjected());
            assertTrue(bytesVerified > 0, "seed " + SEED + ": no round trip got through at all");
        }
    }

    @Test
    void aServerKilledMidUploadAndRestartedFailsTheBackupAndLeavesNothing(@TempDir Path dir) throws Exception {
        S3ProxyServer own = S3ProxyServer.start(dir);
        try {
            RawS3Client ownRaw = new RawS3Client(own.endpoint());
            ownRaw.createBucket(BUCKET);
            Path cfg = PluginConfigFile.handWritten(work.resolve("cfg-killed"), PluginConfigFile.options(own, BUCKET,
                    "killed", Map.of("max_request_retries", "2")));
            String file = "gpbackup_0_" + TS + "_killed";
            String key = keyOf("killed", file);
            Process process = plugin.start("backup_data", cfg.toString(), backupDir("gpseg-killed").resolve(file).toString());
            CompletableFuture<String> stderr = readText(process.getErrorStream());
            CompletableFuture<byte[]> stdout = readBytes(process.getInputStream());
            byte[] data = randomBytes(3 * SIZE, 99);
            CountDownLatch firstHalfWritten = new CountDownLatch(1);
            CountDownLatch serverRestarted = new CountDownLatch(1);
            // The second half waits for the restart, so the upload cannot finish before the kill.
            Thread writer = new Thread(() -> {
                try (OutputStream in = process.getOutputStream()) {
                    in.write(data, 0, data.length / 2);
                    firstHalfWritten.countDown();
                    serverRestarted.await();
                    in.write(data, data.length / 2, data.length - data.length / 2);
                } catch (IOException | InterruptedException pluginGaveUp) {
                    firstHalfWritten.countDown();
                }
            }, "killed-test-stdin");
            writer.start();
            assertTrue(firstHalfWritten.await(2, TimeUnit.MINUTES), "the plugin never read half its input");
            // The upload is open once the server lists it: kill the server then, mid-upload.
            while (ownRaw.openUploads(BUCKET, key).isEmpty() && process.isAlive()) {
                Thread.sleep(20);
            }
            assertTrue(process.isAlive(), "the plugin ended before the server was killed");
            own = own.restart(dir);
            new RawS3Client(own.endpoint()).createBucket(BUCKET);
            serverRestarted.countDown();
            assertTrue(process.waitFor(5, TimeUnit.MINUTES), "the plugin hung after the server restarted");
            writer.join(TimeUnit.MINUTES.toMillis(1));
            Result result = new Result(process.exitValue(), stdout.join(), stderr.join());
            assertCleanFailure("killed mid-upload", result);
            RawS3Client after = new RawS3Client(own.endpoint());
            assertNull(after.get(BUCKET, key), "nothing at the key after the failed backup");
            assertEquals(List.of(), after.openUploads(BUCKET, key));
        } finally {
            own.close();
        }
    }

    @Test
    void eightPluginProcessesAtOnceEachBackUpAndRestoreIdenticalBytes() throws Exception {
        Path cfg = config("eight", Map.of());
        Path dir = backupDir("gpseg-eight");
        int processes = 8;
        ExecutorService pool = Executors.newFixedThreadPool(processes);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<String>> outcomes = new ArrayList<>();
            for (int p = 0; p < processes; p++) {
                int segment = p;
                outcomes.add(pool.submit(() -> {
                    byte[] data = randomBytes(SIZE + segment, 800 + segment);
                    String path = dir.resolve("gpbackup_" + segment + "_" + TS + "_16384").toString();
                    go.await();
                    Result backup = plugin.run(data, "backup_data", cfg.toString(), path);
                    if (backup.exitCode() != 0) {
                        return "segment " + segment + " backup: " + backup;
                    }
                    Result restore = plugin.run("restore_data", cfg.toString(), path);
                    if (restore.exitCode() != 0) {
                        return "segment " + segment + " restore: " + restore;
                    }
                    raw.delete(BUCKET, keyOf("eight", "gpbackup_" + segment + "_" + TS + "_16384"));
                    return java.util.Arrays.equals(data, restore.stdout()) ? "" : "segment " + segment + ": other bytes";
                }));
            }
            go.countDown();
            for (Future<String> outcome : outcomes) {
                assertEquals("", outcome.get(10, TimeUnit.MINUTES));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aReaderThatHangsUpMidRestoreGetsANonZeroExitAndOneLine() throws Exception {
        Path cfg = config("hangup", Map.of());
        String path = backupDir("gpseg-hangup").resolve("gpbackup_0_" + TS + "_hangup").toString();
        byte[] data = randomBytes(SIZE, 7);
        assertEquals(0, plugin.runInProcess(data, "backup_data", cfg.toString(), path).exitCode());

        Process process = plugin.start("restore_data", cfg.toString(), path);
        process.getOutputStream().close();
        CompletableFuture<String> stderr = readText(process.getErrorStream());
        InputStream stdout = process.getInputStream();
        byte[] first = stdout.readNBytes(64 * 1024);
        assertArrayEquals(java.util.Arrays.copyOf(data, first.length), first, "the start of the object arrived");
        stdout.close(); // gprestore's helper dies: the pipe's reader is gone
        assertTrue(process.waitFor(5, TimeUnit.MINUTES), "the plugin hung on a closed stdout");
        assertCleanFailure("reader hung up", new Result(process.exitValue(), new byte[0], stderr.join()));
    }

    @Test
    void stdinEndingEarlyStoresExactlyWhatArrivedBecauseAPipeCannotTellAnEarlyEnd() throws Exception {
        // A pipe's early end and its real end are the same EOF; gpbackup notices a dead helper itself.
        Path cfg = config("short-stdin", Map.of());
        String file = "gpbackup_0_" + TS + "_short";
        String path = backupDir("gpseg-short").resolve(file).toString();
        byte[] data = randomBytes(SIZE, 11);
        byte[] arrived = java.util.Arrays.copyOf(data, 6 * MIB + 1);
        Result backup = plugin.runInProcess(arrived, "backup_data", cfg.toString(), path);
        assertEquals(0, backup.exitCode(), backup::toString);
        assertArrayEquals(arrived, raw.get(BUCKET, keyOf("short-stdin", file)), "exactly the bytes that arrived");
    }

    @Test
    void restoreFileOntoAFullDiskFailsAndLeavesNoFile() throws Exception {
        Path cfg = config("full-disk", Map.of());
        Path dir = backupDir("coordinator-full");
        Path target = dir.resolve("gpbackup_" + TS + "_metadata.sql");
        byte[] data = randomBytes(3 * MIB, 5);
        Files.write(target, data);
        assertEquals(0, plugin.runInProcess("backup_file", cfg.toString(), target.toString()).exitCode());
        Files.delete(target);

        Result result = plugin.runWithFileSizeLimit(1024, "restore_file", cfg.toString(), target.toString());
        assertCleanFailure("file size limit 1 MiB", result);
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(), files.toList(), "no file, complete-looking or partial, is left");
        }
    }

    @Test
    void restoreFileIntoAMissingDirectoryCreatesItAsDocumented() throws Exception {
        // commands.md: restore_file creates a missing parent directory, as gprestore expects.
        Path cfg = config("missing-dir", Map.of());
        Path dir = backupDir("coordinator-gone");
        Path target = dir.resolve("gpbackup_" + TS + "_toc.yaml");
        byte[] data = randomBytes(1000, 3);
        Files.write(target, data);
        assertEquals(0, plugin.runInProcess("backup_file", cfg.toString(), target.toString()).exitCode());
        Files.delete(target);
        Files.delete(dir);

        Result restore = plugin.runInProcess("restore_file", cfg.toString(), target.toString());
        assertEquals(0, restore.exitCode(), restore::toString);
        assertArrayEquals(data, Files.readAllBytes(target));
    }

    @Test
    void restoreFileWhereTheDirectoryCannotExistFailsAndCreatesNothing() throws Exception {
        Path cfg = config("blocked-dir", Map.of());
        Path dir = backupDir("coordinator-blocked");
        Path target = dir.resolve("gpbackup_" + TS + "_toc.yaml");
        Files.write(target, randomBytes(1000, 4));
        assertEquals(0, plugin.runInProcess("backup_file", cfg.toString(), target.toString()).exitCode());
        Files.delete(target);
        Files.delete(dir);
        // A regular file where the timestamp directory belongs: no directory can be made there.
        Files.write(dir, new byte[0]);

        assertCleanFailure("target directory blocked by a file",
                plugin.runInProcess("restore_file", cfg.toString(), target.toString()));
        assertEquals(0, Files.size(dir), "the file in the way is untouched");
    }

    private static CompletableFuture<String> readText(InputStream in) {
        return readBytes(in).thenApply(bytes -> new String(bytes, StandardCharsets.UTF_8));
    }

    private static CompletableFuture<byte[]> readBytes(InputStream in) {
        return PluginRunner.readAll(in);
    }
}
