package gpbackup.s3plugin.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import gpbackup.s3plugin.it.PluginRunner.Result;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * backup_data and restore_data round trips through S3Proxy at the default part plan, one and eight
 * at a time, and into a slow reader; the AOT training that runs the same path.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DataPathIT {
    private static final String BUCKET = "datapath-it";
    private static final String TS = "20240101120000";
    /** Three whole 8 MiB parts and a short one: a multipart upload and four restore pieces. */
    private static final int SIZE = 3 * 8 * 1024 * 1024 + 12_345;

    private Path work;
    private S3ProxyServer server;
    private PluginRunner plugin;
    private byte[] data;

    @BeforeAll
    void startServer(@TempDir Path dir) throws Exception {
        work = dir;
        server = S3ProxyServer.start(work);
        new RawS3Client(server.endpoint()).createBucket(BUCKET);
        plugin = new PluginRunner(work.resolve("home"));
        data = new byte[SIZE];
        new Random(5).nextBytes(data);
    }

    @AfterAll
    void stopServer() {
        server.close();
    }

    /** A config at the default chunk sizes (the tests' shared options set small ones) plus {@code extra}. */
    private Path config(String folder, Map<String, String> extra) throws IOException {
        Map<String, String> options = new java.util.TreeMap<>(PluginConfigFile.options(server, BUCKET, folder,
                Map.of("backup_multipart_chunksize", "500MB", "restore_multipart_chunksize", "500MB")));
        options.putAll(extra);
        return PluginConfigFile.handWritten(work.resolve("cfg-" + folder), options);
    }

    private String dataPath(String name) throws IOException {
        return Files.createDirectories(work.resolve("gpseg0/backups/20240101/" + TS))
                .resolve("gpbackup_0_" + TS + "_" + name).toString();
    }

    private static Result ok(Result result) {
        assertEquals(0, result.exitCode(), () -> "plugin failed: " + result);
        return result;
    }

    @ParameterizedTest(name = "concurrency {0}")
    @ValueSource(ints = {1, 8})
    void aRoundTripGivesBackEveryByteInOrder(int concurrency) throws Exception {
        Path cfg = config("c" + concurrency, Map.of("backup_max_concurrent_requests", String.valueOf(concurrency),
                "restore_max_concurrent_requests", String.valueOf(concurrency)));
        String path = dataPath("c" + concurrency);
        ok(plugin.run(data, "backup_data", cfg.toString(), path));
        assertArrayEquals(data, ok(plugin.run("restore_data", cfg.toString(), path)).stdout());
    }

    @Test
    void aSlowReaderGetsEveryByteInOrderWithinTheSmallestBudget() throws Exception {
        // 16 MB holds two 8 MiB pieces: the restore must wait for the reader, not pile pieces up.
        Path cfg = config("slow", Map.of("memory_budget", "16MB"));
        String path = dataPath("slow");
        ok(plugin.run(data, "backup_data", cfg.toString(), path));

        ProcessBuilder builder = new ProcessBuilder(PluginRunner.executable().toString(), "restore_data",
                cfg.toString(), path);
        builder.environment().keySet().removeIf(name -> name.startsWith("AWS_"));
        builder.environment().put("HOME", work.resolve("home").toString());
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        builder.redirectError(work.resolve("slow.err").toFile());
        Process process = builder.start();
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        try (InputStream out = process.getInputStream()) {
            byte[] chunk = new byte[64 * 1024];
            for (int n; (n = out.read(chunk)) > 0; ) {
                received.write(chunk, 0, n);
                // A consumer slower than the download (gunzip, COPY): the plugin must hold back, not buffer.
                Thread.sleep(2);
            }
        }
        assertEquals(true, process.waitFor(5, TimeUnit.MINUTES));
        assertEquals(0, process.exitValue(), () -> readQuietly(work.resolve("slow.err")));
        assertArrayEquals(data, received.toByteArray());
    }

    @Test
    void aotTrainingRunsTheDataPathAndLeavesNoObjectBehind() throws Exception {
        Path cfg = config("aot", Map.of());
        Path dir = Path.of(dataPath("aot")).getParent();
        Result result = ok(plugin.run("aot_training", cfg.toString(), dir.toString()));
        assertEquals(3L * (17 << 20), result.stdout().length, "three downloads of the training object reach stdout");
        RawS3Client raw = new RawS3Client(server.endpoint());
        assertEquals(List.of(), raw.keys(BUCKET, "aot/").stream().filter(k -> !k.endsWith("/")).toList());
        assertEquals(List.of(), raw.openUploads(BUCKET, "aot/"));
    }

    /**
     * S3Proxy answers NotImplemented to Object Lock headers: a training that sent the config's
     * lock would stop at its first write, and on AWS leave a locked 17 MiB version behind.
     */
    @Test
    void aotTrainingUnderALockPolicyWritesWithoutTheLockOutsideTheBackupAndLeavesNothing() throws Exception {
        Path audit = work.resolve("aot-lock-audit.jsonl");
        Path cfg = config("aotlock", Map.of("object_lock_mode", "GOVERNANCE", "object_lock_retain_days", "1",
                "storage_class", "STANDARD_IA", "audit_log", audit.toString()));
        Path dir = Path.of(dataPath("aotlock")).getParent();
        Result result = ok(plugin.run("aot_training", cfg.toString(), dir.toString()));
        assertEquals(3L * (17 << 20), result.stdout().length, "the whole data path ran: " + result);
        RawS3Client raw = new RawS3Client(server.endpoint());
        assertEquals(List.of(), raw.keys(BUCKET, "aotlock/"));
        assertEquals(List.of(), raw.openUploads(BUCKET, "aotlock/"));
        List<String> keys = java.util.regex.Pattern.compile("\"key\":\"([^\"]*)\"").matcher(Files.readString(audit))
                .results().map(m -> m.group(1)).distinct().toList();
        assertEquals(1, keys.size(), keys.toString());
        assertTrue(keys.get(0).startsWith("aotlock/.gpbackup_s3_plugin_aot_training/"), keys.toString());
    }

    @Test
    void aSetupHookOnJava25WritesAnAotCacheThatLaterCallsMapQuietly() throws Exception {
        Optional<Path> jdk25 = jdkAtLeast(25);
        assumeTrue(jdk25.isPresent(), "no JDK 25 or later under /usr/lib/jvm");
        Path home = work.resolve("aot-home");
        PluginRunner onJava25 = new PluginRunner(home).withEnv("JAVA_HOME", jdk25.get().toString());
        Path cfg = config("aot25", Map.of());
        Path dir = Path.of(dataPath("aot25")).getParent();
        ok(onJava25.run("setup_plugin_for_backup", cfg.toString(), dir.toString(), "master"));

        // The training runs in the background; its lock directory goes when the cache is written.
        Path caches = home.resolve(".cache/gpbackup_s3_plugin");
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        List<Path> written = List.of();
        while (System.nanoTime() < deadline) {
            written = listQuietly(caches);
            if (written.stream().anyMatch(p -> p.toString().endsWith(".aot"))
                    && written.stream().noneMatch(p -> p.toString().endsWith(".training"))) {
                break;
            }
            Thread.sleep(200);
        }
        assertTrue(written.stream().anyMatch(p -> p.toString().endsWith(".aot")), () -> "no AOT cache in " + caches);
        assertEquals(List.of(), new RawS3Client(server.endpoint()).keys(BUCKET, "aot25/").stream()
                .filter(k -> !k.endsWith("/")).toList(), "the training object was deleted");

        String path = dataPath("aot25-table");
        ok(onJava25.run(data, "backup_data", cfg.toString(), path));
        Result restored = ok(onJava25.run("restore_data", cfg.toString(), path));
        assertArrayEquals(data, restored.stdout());
        assertEquals("", restored.stderr(), "a call that maps the cache says nothing about it");
    }

    private static Optional<Path> jdkAtLeast(int major) throws IOException {
        Path jvms = Path.of("/usr/lib/jvm");
        for (Path jdk : listQuietly(jvms)) {
            Path release = jdk.resolve("release");
            if (!Files.isReadable(release) || !Files.isExecutable(jdk.resolve("bin/java"))) {
                continue;
            }
            for (String line : Files.readAllLines(release, StandardCharsets.UTF_8)) {
                java.util.regex.Matcher version = java.util.regex.Pattern.compile("JAVA_VERSION=\"([0-9]+).*").matcher(line);
                if (version.matches() && Integer.parseInt(version.group(1)) >= major) {
                    return Optional.of(jdk);
                }
            }
        }
        return Optional.empty();
    }

    private static List<Path> listQuietly(Path dir) {
        try (java.util.stream.Stream<Path> entries = Files.list(dir)) {
            return entries.sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static String readQuietly(Path file) {
        try {
            return String.join("\n", Files.readAllLines(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return List.of().toString();
        }
    }
}
