package gpbackup.s3plugin.it;

import static gpbackup.s3plugin.it.AgentHarness.randomBytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gpbackup.s3plugin.audit.AuditTrailFile;
import gpbackup.s3plugin.it.PluginRunner.Result;
import gpbackup.s3plugin.leaks.RunOutputs;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The audit trail written by the host agent for concurrent callers, and by standalone calls (spec/layout.md). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(SharedS3Proxy.class)
class AuditTrailIT {
    private static final String BUCKET = "audit-trail-it";
    private static final int CALLS = 8;

    private S3ProxyServer server;

    @BeforeAll
    void createBucket(S3ProxyServer shared) throws Exception {
        server = shared;
        new RawS3Client(server.endpoint()).createBucket(BUCKET);
    }

    @Test
    void eightConcurrentCallsThroughTheAgentLeaveOneWholeLinePerRequestAndNoSecret(@TempDir Path dir)
            throws Exception {
        AgentHarness agents = new AgentHarness(server, BUCKET, dir);
        Path trail = dir.resolve("audit/s3-audit.jsonl");
        Path cfg = agents.config("agent", Map.of("audit_log", trail.toString()));
        Path segment = agents.segmentDir();
        agents.hooks("setup_plugin_for_backup", cfg, segment);
        long agentPid = agents.theAgent().pid();

        List<byte[]> tables = new ArrayList<>();
        for (int i = 0; i < CALLS; i++) {
            tables.add(randomBytes(256 * 1024, i));
        }
        List<Result> backups = concurrently(i -> agents.plugin.run(tables.get(i), "backup_data", cfg.toString(),
                segment.resolve("t" + i).toString()));
        backups.forEach(agents::ok);
        List<Result> restores = concurrently(i -> agents.plugin.run("restore_data", cfg.toString(),
                segment.resolve("t" + i).toString()));
        for (int i = 0; i < CALLS; i++) {
            assertArrayEquals(tables.get(i), agents.ok(restores.get(i)).stdout());
        }
        assertEquals(CALLS, agents.relayedCount("backup_data"), "the backups ran in the agent");
        assertEquals(CALLS, agents.relayedCount("restore_data"), "the restores ran in the agent");
        agents.hooks("cleanup_plugin_for_backup", cfg, segment);
        RunOutputs.keepFile("audit", trail);

        String text = Files.readString(trail, StandardCharsets.UTF_8);
        assertFalse(text.contains(S3ProxyServer.SECRET_KEY), "the secret key is in the audit trail");
        List<Map<String, Object>> lines = AuditTrailFile.lines(trail);
        for (Map<String, Object> line : lines) {
            assertEquals(S3ProxyServer.ACCESS_KEY, line.get("access_key_id"), line.toString());
            assertEquals(BUCKET, line.get("bucket"), line.toString());
            assertEquals(AgentHarness.TS, line.get("backup"), line.toString());
        }
        List<Map<String, Object>> puts = only(lines, "backup_data", "PutObject");
        assertEquals(CALLS, puts.size(), "one PutObject per backed-up table");
        Set<Object> keys = new HashSet<>();
        Set<Object> pids = new HashSet<>();
        for (Map<String, Object> put : puts) {
            keys.add(put.get("key"));
            pids.add(put.get("pid"));
            assertEquals(200L, put.get("status"));
            assertEquals(256L * 1024, put.get("bytes_sent"));
        }
        assertEquals(CALLS, keys.size(), "a line for each table's object");
        assertEquals(CALLS, pids.size(), "each line carries its caller's pid");
        assertFalse(pids.contains(agentPid), "a relayed call's lines carry the caller's pid, not the agent's");
        long received = only(lines, "restore_data", "GetObject").stream()
                .mapToLong(line -> (Long) line.get("bytes_received")).sum();
        assertEquals(CALLS * 256L * 1024, received, "the restores' GETs received every byte once");
        assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(trail));
        assertEquals(PosixFilePermissions.fromString("rwx------"), Files.getPosixFilePermissions(trail.getParent()));
    }

    @Test
    void aStandaloneBackupAndRestoreAreAuditedAndSummarised(@TempDir Path dir) throws Exception {
        PluginRunner plugin = new PluginRunner(dir.resolve("home"));
        Path trail = dir.resolve("s3-audit.jsonl");
        Path cfg = PluginConfigFile.handWritten(dir.resolve("cfg"), PluginConfigFile.options(server, BUCKET,
                "standalone", Map.of("agent", "off", "audit_log", trail.toString())));
        Path file = dir.resolve("gpseg0/backups/20240102/" + AgentHarness.TS + "/gpbackup_0_" + AgentHarness.TS
                + "_16384.gz");
        byte[] table = randomBytes(6 * 1024 * 1024, 7);
        ok(plugin.run(table, "backup_data", cfg.toString(), file.toString()));
        assertArrayEquals(table, ok(plugin.run("restore_data", cfg.toString(), file.toString())).stdout());
        RunOutputs.keepFile("audit", trail);

        List<Map<String, Object>> lines = AuditTrailFile.lines(trail);
        Map<Object, Long> uploads = only(lines, "backup_data", null).stream()
                .collect(java.util.stream.Collectors.groupingBy(l -> l.get("op"), java.util.stream.Collectors.counting()));
        assertEquals(1L, uploads.get("CreateMultipartUpload"), uploads::toString);
        assertEquals(2L, uploads.get("UploadPart"), "two parts of 5 MB: " + uploads);
        assertEquals(1L, uploads.get("CompleteMultipartUpload"), uploads::toString);
        assertFalse(Files.readString(trail).contains(S3ProxyServer.SECRET_KEY));

        Result summary = ok(plugin.run("audit_summary", trail.toString()));
        String text = summary.stdoutText();
        assertTrue(text.contains("backup " + AgentHarness.TS), text);
        assertTrue(text.contains("objects written 1, 6.0 MiB up; objects read 1, 6.0 MiB down"), text);
        assertTrue(text.contains("failed 0"), text);
    }

    private static Result ok(Result result) {
        assertEquals(0, result.exitCode(), result::toString);
        return result;
    }

    private static List<Map<String, Object>> only(List<Map<String, Object>> lines, String command, String op) {
        return lines.stream().filter(l -> command.equals(l.get("command")))
                .filter(l -> op == null || op.equals(l.get("op"))).toList();
    }

    @FunctionalInterface
    private interface Call {
        Result run(int i) throws Exception;
    }

    /** Runs {@link #CALLS} plugin calls at once and returns their results in order. */
    private static List<Result> concurrently(Call call) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(CALLS);
        try {
            List<Future<Result>> running = new ArrayList<>();
            for (int i = 0; i < CALLS; i++) {
                int n = i;
                running.add(pool.submit((Callable<Result>) () -> call.run(n)));
            }
            List<Result> results = new ArrayList<>();
            for (Future<Result> result : running) {
                results.add(result.get());
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }
}
