package gpbackup.s3plugin.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gpbackup.s3plugin.it.PluginRunner.Result;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code verify} against S3Proxy: backups written by the plugin, then changed behind its back
 * with another client, and a backup in the Go plugin's layout with no digest records.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(SharedS3Proxy.class)
class VerifyIT {
    private static final String BUCKET = "verify-it";
    private static final String TS = "20240301120000";
    private static final String RECORD = ".s3plugin-digests";
    private static final String SHA256_METADATA = "x-amz-meta-s3plugin-sha256";
    private static final int MIB = 1024 * 1024;
    /** The one backup written through the plugin; each test works on a copy of it (plugin calls start a JVM each). */
    private static final String BASE = "base";

    private Path work;
    private S3ProxyServer server;
    private RawS3Client raw;
    private PluginRunner plugin;
    private byte[] table;
    private byte[] bigTable;

    @BeforeAll
    void setUp(S3ProxyServer shared, @TempDir Path dir) throws Exception {
        work = dir;
        server = shared;
        raw = new RawS3Client(server.endpoint());
        raw.createBucket(BUCKET);
        plugin = new PluginRunner(work.resolve("home"));
        table = gzip(text(200_000, 1));
        bigTable = new byte[11 * MIB];
        new Random(2).nextBytes(bigTable);
        backUp(BASE);
    }

    private static byte[] text(int size, long seed) {
        Random random = new Random(seed);
        StringBuilder rows = new StringBuilder();
        while (rows.length() < size) {
            rows.append(random.nextInt(100_000)).append('\t').append("row ").append(random.nextLong()).append('\n');
        }
        return rows.toString().getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        }
        return out.toByteArray();
    }

    private Path config(String folder) throws IOException {
        return PluginConfigFile.handWritten(work.resolve("cfg-" + folder),
                PluginConfigFile.options(server, BUCKET, folder, Map.of()));
    }

    private static String prefix(String folder) {
        return folder + "/backups/" + TS.substring(0, 8) + "/" + TS + "/";
    }

    private static Result ok(Result result) {
        assertEquals(0, result.exitCode(), result.toString());
        return result;
    }

    /**
     * A copy of the plugin's backup under another folder, byte for byte, records included; a
     * multipart object is copied with the part sizes its record names, so its ETag is the same.
     */
    private Path copyOfBackup(String folder) throws Exception {
        String from = prefix(BASE);
        for (String key : raw.keys(BUCKET, from)) {
            String to = prefix(folder) + key.substring(from.length());
            byte[] data = raw.get(BUCKET, key);
            byte[] record = key.endsWith(RECORD) ? null : raw.get(BUCKET, key + RECORD);
            List<Integer> parts = record == null ? List.of() : new String(record, StandardCharsets.US_ASCII).lines()
                    .filter(l -> l.startsWith("part ")).map(l -> Integer.parseInt(l.split(" ")[1])).toList();
            if (parts.size() < 2) {
                // A single-part object carries its digest as metadata: the copy carries it too.
                Optional<String> sha256 = raw.headers(BUCKET, key).firstValue(SHA256_METADATA);
                raw.put(BUCKET, to, data, sha256.map(v -> List.of(Map.entry(SHA256_METADATA, v))).orElse(List.of()));
                continue;
            }
            String upload = raw.startUpload(BUCKET, to);
            List<String> etags = new ArrayList<>();
            int at = 0;
            for (int size : parts) {
                etags.add(raw.uploadPart(BUCKET, to, upload, etags.size() + 1, Arrays.copyOfRange(data, at, at + size)));
                at += size;
            }
            raw.completeUpload(BUCKET, to, upload, etags);
        }
        return config(folder);
    }

    /** A backup as gpbackup writes it through the plugin: the coordinator's files, a gzip table and a multipart one. */
    private Path backUp(String folder) throws Exception {
        Path cfg = config(folder);
        Path dir = Files.createDirectories(work.resolve(folder).resolve("backups").resolve(TS.substring(0, 8))
                .resolve(TS));
        for (String file : List.of("metadata.sql", "toc.yaml", "config.yaml", "report")) {
            Path local = Files.writeString(dir.resolve("gpbackup_" + TS + "_" + file), file + " of " + TS + "\n");
            ok(plugin.run("backup_file", cfg.toString(), local.toString()));
        }
        ok(plugin.run(table, "backup_data", cfg.toString(), dir.resolve("gpbackup_0_" + TS + "_16384.gz").toString()));
        ok(plugin.run(bigTable, "backup_data", cfg.toString(), dir.resolve("gpbackup_1_" + TS + "_16385").toString()));
        return cfg;
    }

    /** The object lines of a text report, by key. */
    private static String line(Result result, String key) {
        return result.stdoutText().lines().filter(l -> l.contains(" " + key + " ")).findFirst()
                .orElseThrow(() -> new AssertionError("no line for " + key + " in\n" + result.stdoutText()));
    }

    @Test
    void aBackupJustWrittenIsProvedIntactByItsDigestRecords() throws Exception {
        String folder = BASE;
        Path cfg = config(folder);
        String p = prefix(folder);
        assertTrue(raw.keys(BUCKET, p).contains(p + "gpbackup_1_" + TS + "_16385" + RECORD),
                "a record beside the multipart object");
        String small = p + "gpbackup_0_" + TS + "_16384.gz";
        assertFalse(raw.keys(BUCKET, p).contains(small + RECORD), "no record beside a single-part object");
        assertTrue(raw.headers(BUCKET, small).firstValue(SHA256_METADATA).orElse("").matches("[0-9a-f]{64}"),
                "its SHA-256 in its metadata");

        Result result = ok(plugin.run("verify", cfg.toString(), TS));
        assertEquals("", result.stderr());
        String big = line(result, p + "gpbackup_1_" + TS + "_16385");
        assertTrue(big.startsWith("OK ") && big.contains(" " + bigTable.length + "  ")
                && big.matches(".*sha256 of [0-9]+ parts recorded at backup: match.*"), big);
        String gz = line(result, p + "gpbackup_0_" + TS + "_16384.gz");
        assertTrue(gz.startsWith("OK ") && gz.contains("gzip: 1 member decompressed to the end")
                && gz.contains("sha256 of 1 part recorded at backup in its metadata: match"), gz);
        assertTrue(line(result, p + "gpbackup_" + TS + "_toc.yaml").startsWith("OK "), result.stdoutText());
        assertTrue(result.stdoutText().strip().endsWith("the backup is intact"), result.stdoutText());
        assertTrue(result.stdoutText().contains("6 keys, "), result.stdoutText());

        String json = ok(plugin.run("verify", cfg.toString(), TS, "--json")).stdoutText();
        assertTrue(json.startsWith("{\"backup\":\"" + TS + "\"") && json.contains("\"intact\":true")
                && json.contains("\"counts\":{\"ok\":6,"), json);
    }

    @Test
    void anObjectChangedAfterUploadIsNamedAndFailsTheRun() throws Exception {
        String folder = "changed";
        Path cfg = copyOfBackup(folder);
        String key = prefix(folder) + "gpbackup_1_" + TS + "_16385";
        byte[] changed = bigTable.clone();
        changed[6 * MIB] ^= 1;
        raw.put(BUCKET, key, changed); // same size, one bit, and a fresh single-part ETag that matches it

        Result result = plugin.run("verify", cfg.toString(), TS);
        assertEquals(1, result.exitCode(), result.toString());
        String line = line(result, key);
        assertTrue(line.startsWith("FAILED ") && line.contains("differs from the digest recorded at backup")
                && line.contains("written again"), line);
        assertTrue(result.stderr().strip().lines().count() == 1 && result.stderr().contains("1 failed (" + key + ")"),
                result.stderr());
        assertTrue(result.stdoutText().contains("5 ok, 1 failed"), result.stdoutText());
    }

    @Test
    void aTruncatedGzipAndMissingFilesAreNamed() throws Exception {
        String folder = "damaged";
        Path cfg = copyOfBackup(folder);
        String p = prefix(folder);
        String gz = p + "gpbackup_0_" + TS + "_16384.gz";
        raw.put(BUCKET, gz, Arrays.copyOf(table, table.length - 100));
        raw.delete(BUCKET, p + "gpbackup_" + TS + "_toc.yaml");
        raw.delete(BUCKET, p + "gpbackup_1_" + TS + "_16385");

        Result result = plugin.run("verify", cfg.toString(), TS, "--json");
        assertEquals(1, result.exitCode(), result.toString());
        String json = result.stdoutText();
        assertTrue(json.contains("{\"key\":\"" + gz + "\",\"size\":" + (table.length - 100) + ",\"status\":\"failed\"")
                && json.contains("\"problem\":\"gzip "), json);
        assertTrue(json.contains("{\"key\":\"" + p + "gpbackup_" + TS + "_toc.yaml\",\"size\":null,"
                + "\"status\":\"missing\",\"checks\":[],\"problem\":\"gprestore needs it\"}"), json);
        assertTrue(json.contains("{\"key\":\"" + p + "gpbackup_1_" + TS + "_16385\",\"size\":null,"
                + "\"status\":\"missing\",\"checks\":[],\"problem\":\"a digest record of it exists, the object does not\"}"),
                json);
        assertTrue(result.stderr().contains("1 failed (" + gz + "); 2 missing ("), result.stderr());
        assertEquals(1, json.split(java.util.regex.Pattern.quote(p + "gpbackup_" + TS + "_toc.yaml\""), -1).length - 1,
                "the missing TOC is named once, though its record is there too: " + json);
    }

    @Test
    void aGoPluginBackupIsCheckedWithWhatItsEtagsAndGzipProve() throws Exception {
        String folder = "go";
        Path cfg = config(folder);
        // The Go plugin's layout with a folder that ended in a slash: keys under folder//backups/.
        String p = folder + "/" + prefix(folder).substring(folder.length());
        for (String file : List.of("metadata.sql", "toc.yaml", "config.yaml", "report")) {
            raw.put(BUCKET, p + "gpbackup_" + TS + "_" + file, (file + "\n").getBytes(StandardCharsets.US_ASCII));
        }
        raw.put(BUCKET, p + "gpbackup_0_" + TS + "_16384.gz", table);
        raw.put(BUCKET, p + "gpbackup_2_" + TS + "_16386.gz", Arrays.copyOf(table, table.length - 3));
        // A multipart object of 5 MiB parts, as the Go plugin uploads with backup_multipart_chunksize: 5MB.
        String big = p + "gpbackup_1_" + TS + "_16385";
        String upload = raw.startUpload(BUCKET, big);
        List<String> etags = new ArrayList<>();
        for (int part = 0; part * 5 * MIB < bigTable.length; part++) {
            etags.add(raw.uploadPart(BUCKET, big, upload, part + 1,
                    Arrays.copyOfRange(bigTable, part * 5 * MIB, Math.min(bigTable.length, (part + 1) * 5 * MIB))));
        }
        raw.completeUpload(BUCKET, big, upload, etags);

        Result result = plugin.run("verify", cfg.toString(), TS);
        assertEquals(1, result.exitCode(), result.toString());
        String toc = line(result, p + "gpbackup_" + TS + "_toc.yaml");
        assertTrue(toc.startsWith("OK ") && toc.contains("MD5 against the single-part ETag: match"), toc);
        String gz = line(result, p + "gpbackup_0_" + TS + "_16384.gz");
        assertTrue(gz.startsWith("OK ") && gz.contains("gzip: 1 member"), gz);
        String cut = line(result, p + "gpbackup_2_" + TS + "_16386.gz");
        assertTrue(cut.startsWith("FAILED ") && cut.contains("gzip truncated"), cut);
        String multipart = line(result, big);
        assertTrue(multipart.startsWith("OK ") && multipart.contains("multipart ETag recomputed over 3 parts"),
                multipart);
        assertTrue(result.stderr().contains("1 failed (" + p + "gpbackup_2_" + TS + "_16386.gz)"), result.stderr());
    }

    /**
     * S3Proxy stores no encryption, so its ETags are the MD5s an SSE-KMS store's are not: a
     * verify whose config names aws:kms must still not use them (the backup was written with it).
     */
    @Test
    void underSseKmsAnEtagProvesNothingButOurDigestsAndGzipStillDo() throws Exception {
        String folder = "kms";
        Path cfg = PluginConfigFile.handWritten(work.resolve("cfg-" + folder),
                PluginConfigFile.options(server, BUCKET, folder, Map.of("server_side_encryption", "aws:kms")));
        String p = prefix(folder);
        for (String file : List.of("metadata.sql", "toc.yaml", "config.yaml")) {
            raw.put(BUCKET, p + "gpbackup_" + TS + "_" + file, (file + "\n").getBytes(StandardCharsets.US_ASCII));
        }
        byte[] report = "report\n".getBytes(StandardCharsets.US_ASCII);
        raw.put(BUCKET, p + "gpbackup_" + TS + "_report", report, List.of(Map.entry(SHA256_METADATA,
                java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(report)))));
        raw.put(BUCKET, p + "gpbackup_0_" + TS + "_16384.gz", table);

        Result result = plugin.run("verify", cfg.toString(), TS);
        assertEquals(1, result.exitCode(), result.toString());
        String toc = line(result, p + "gpbackup_" + TS + "_toc.yaml");
        assertTrue(toc.startsWith("UNPROVEN ") && toc.contains("under SSE-KMS") && !toc.contains("MD5 against"), toc);
        String ours = line(result, p + "gpbackup_" + TS + "_report");
        assertTrue(ours.startsWith("OK ") && ours.contains("recorded at backup in its metadata: match"), ours);
        String gz = line(result, p + "gpbackup_0_" + TS + "_16384.gz");
        assertTrue(gz.startsWith("OK ") && gz.contains("gzip: 1 member"), gz);
        assertTrue(result.stderr().contains("3 unproven ("), result.stderr());
    }

    @Test
    void aTimestampWithNoBackupIsOneLine() throws Exception {
        Result result = plugin.run("verify", config("none").toString(), "20240302120000");
        assertEquals(1, result.exitCode());
        assertTrue(result.stderr().contains("no backup 20240302120000 at s3://" + BUCKET + "/none/backups/"),
                result.stderr());
        Result unknown = plugin.run("verify", config("none").toString(), TS, "--yaml");
        assertTrue(unknown.exitCode() == 1 && unknown.stderr().contains("unknown option '--yaml'"), unknown.stderr());
    }
}
