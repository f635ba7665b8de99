package gpbackup.s3plugin.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gpbackup.s3plugin.it.PluginRunner.Result;
import gpbackup.s3plugin.leaks.TestSecrets;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * backup_data then restore_data through S3Proxy at the edges of a piece (and of the first part,
 * which has the same size at the defaults: 8 MiB), and one stream of 1 GiB, generated as it is
 * sent and compared by digest, so the test's memory stays small whatever the size. The 1 GiB
 * stream goes to an S3Proxy of its own that keeps objects on disk: the shared one keeps them in
 * its heap, where assembling 1 GiB of parts into an object does not fit.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(SharedS3Proxy.class)
class RoundTripIT {
    private static final String BUCKET = "round-trip-it";
    private static final String TS = "20240303030303";
    private static final int PIECE = 8 << 20;
    private static final long GIB = 1L << 30;
    private static final int CHUNK = 64 * 1024;

    private Path work;
    private S3ProxyServer server;
    private PluginRunner plugin;

    @BeforeAll
    void createBucket(S3ProxyServer shared, @TempDir Path dir) throws Exception {
        work = dir;
        server = shared;
        new RawS3Client(server.endpoint()).createBucket(BUCKET);
        plugin = new PluginRunner(work.resolve("home"));
    }

    /** A config for {@code on} at the default part and piece sizes (the tests' shared options set small ones). */
    private Path config(S3ProxyServer on, String name) throws IOException {
        return PluginConfigFile.handWritten(work.resolve("cfg-" + name), PluginConfigFile.options(on, BUCKET, "rt",
                Map.of("backup_multipart_chunksize", "500MB", "restore_multipart_chunksize", "500MB")));
    }

    private String dataPath(String name) throws IOException {
        return Files.createDirectories(work.resolve("gpseg0/backups/20240303/" + TS))
                .resolve("gpbackup_0_" + TS + "_" + name).toString();
    }

    private static Result ok(Result result) {
        assertEquals(0, result.exitCode(), () -> "plugin failed: " + result);
        return result;
    }

    @ParameterizedTest(name = "{0} bytes")
    @ValueSource(ints = {0, 1, PIECE - 1, PIECE, PIECE + 1})
    void aStreamAtTheEdgeOfAPieceComesBackWhole(int size) throws Exception {
        ByteArrayOutputStream generated = new ByteArrayOutputStream();
        write(size, generated);
        byte[] data = generated.toByteArray();
        String path = dataPath("edge" + size);
        Path config = config(server, "shared");
        ok(plugin.run(data, "backup_data", config.toString(), path));
        assertArrayEquals(data, ok(plugin.run("restore_data", config.toString(), path)).stdout());
    }

    @Test
    void aStreamOfOneGibComesBackWhole(@TempDir Path dir) throws Exception {
        try (S3ProxyServer onDisk = S3ProxyServer.startOnDisk(dir)) {
            new RawS3Client(onDisk.endpoint()).createBucket(BUCKET);
            roundTripOfOneGib(config(onDisk, "on-disk"));
        }
    }

    /** The same 1 GiB sealed on the host (client-side encryption) and opened on the way back. */
    @Test
    void aSealedStreamOfOneGibComesBackWhole(@TempDir Path dir) throws Exception {
        Path keyFile = Files.write(work.resolve("cse.key"), TestSecrets.cseKey());
        Files.setPosixFilePermissions(keyFile, PosixFilePermissions.fromString("rw-------"));
        try (S3ProxyServer onDisk = S3ProxyServer.startOnDisk(dir)) {
            new RawS3Client(onDisk.endpoint()).createBucket(BUCKET);
            roundTripOfOneGib(PluginConfigFile.handWritten(work.resolve("cfg-sealed-on-disk"),
                    PluginConfigFile.options(onDisk, BUCKET, "rt", Map.of("backup_multipart_chunksize", "500MB",
                            "restore_multipart_chunksize", "500MB", "client_side_encryption", "on",
                            "cse_key_file", keyFile.toString()))));
        }
    }

    private void roundTripOfOneGib(Path config) throws Exception {
        String path = dataPath("gib");
        Process backup = plugin.start("backup_data", config.toString(), path);
        CompletableFuture<byte[]> backupErrors = PluginRunner.readAll(backup.getErrorStream());
        PluginRunner.readAll(backup.getInputStream());
        String sent;
        try (OutputStream in = backup.getOutputStream()) {
            sent = write(GIB, in);
        }
        finish(backup, backupErrors);

        Process restore = plugin.start("restore_data", config.toString(), path);
        restore.getOutputStream().close();
        CompletableFuture<byte[]> restoreErrors = PluginRunner.readAll(restore.getErrorStream());
        MessageDigest received = sha256();
        long length = 0;
        try (InputStream out = restore.getInputStream()) {
            byte[] chunk = new byte[CHUNK];
            for (int n; (n = out.read(chunk)) > 0; ) {
                received.update(chunk, 0, n);
                length += n;
            }
        }
        finish(restore, restoreErrors);
        assertEquals(GIB, length);
        assertEquals(sent, HexFormat.of().formatHex(received.digest()), "the restored bytes differ");
    }

    private static void finish(Process process, CompletableFuture<byte[]> errors) throws InterruptedException {
        assertTrue(process.waitFor(5, TimeUnit.MINUTES), "the plugin did not finish");
        assertEquals(0, process.exitValue(), () -> new String(errors.join()));
    }

    /** Writes {@code size} pseudo-random bytes, chunk by chunk, each from a seed of its own; returns their SHA-256. */
    private static String write(long size, OutputStream out) throws IOException {
        MessageDigest digest = sha256();
        byte[] chunk = new byte[CHUNK];
        for (long at = 0, index = 0; at < size; at += CHUNK, index++) {
            SplittableRandom random = new SplittableRandom(index);
            for (int i = 0; i < CHUNK; i += Long.BYTES) {
                long bits = random.nextLong();
                for (int b = 0; b < Long.BYTES; b++) {
                    chunk[i + b] = (byte) (bits >>> (8 * b));
                }
            }
            int n = (int) Math.min(CHUNK, size - at);
            digest.update(chunk, 0, n);
            out.write(chunk, 0, n);
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
