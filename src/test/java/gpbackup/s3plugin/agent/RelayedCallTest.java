package gpbackup.s3plugin.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's side of the relay protocol against a client played here in Java, over real FIFOs,
 * doing what the launcher's bash client does (spec/agent.md).
 */
class RelayedCallTest {
    private AgentDirectory dir;
    /** A live process standing in for the bash client, whose pid names the call. */
    private Process client;
    private long clientPid;
    private String name;
    private final AtomicReference<List<String>> seenArgv = new AtomicReference<>();

    @BeforeEach
    void directory(@TempDir Path root) throws IOException {
        dir = new AgentDirectory(root.resolve("base").resolve("key")).createPrivate();
        client = new ProcessBuilder("sleep", "300").start();
        clientPid = client.pid();
        name = "call." + clientPid;
    }

    @AfterEach
    void endClient() {
        client.destroyForcibly();
    }

    private Path file(String suffix) {
        return dir.path().resolve(name + suffix);
    }

    private void prepare(String mode, String... argv) throws IOException {
        Fifos.make(file(".status"));
        Fifos.make(file(".ctl"));
        if (!mode.equals("none")) {
            Fifos.make(file("." + mode));
        }
        StringBuilder args = new StringBuilder();
        for (String arg : argv) {
            args.append(arg).append('\0');
        }
        Files.writeString(file(".args"), args);
    }

    private CompletableFuture<Void> serve(CallHandler handler) {
        CallHandler recording = (argv, in, out, err, pid) -> {
            seenArgv.set(argv);
            return handler.run(argv, in, out, err, pid);
        };
        return CompletableFuture.runAsync(() ->
                new RelayedCall(dir, new Request(Request.Kind.CALL, clientPid, name), recording, message -> { }).run());
    }

    /** Reads status lines up to and including {@code exit N}. */
    private static List<String> answer(RandomAccessFile status) throws IOException {
        List<String> lines = new ArrayList<>();
        String line;
        do {
            line = status.readLine();
            lines.add(line);
        } while (line != null && !line.startsWith("exit "));
        return lines;
    }

    private static void say(RandomAccessFile ctl, String word) throws IOException {
        ctl.write((word + "\n").getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void stdinReachesTheCommandWhenTheClientVouchesForItsEnd() throws Exception {
        prepare("in", "backup_data", "/cfg.yaml", "/data/t1");
        byte[] data = new byte[300_000];
        new java.util.Random(1).nextBytes(data);
        AtomicReference<byte[]> received = new AtomicReference<>();
        try (RandomAccessFile status = new RandomAccessFile(file(".status").toFile(), "rw");
             RandomAccessFile ctl = new RandomAccessFile(file(".ctl").toFile(), "rw");
             RandomAccessFile bothEnds = new RandomAccessFile(file(".in").toFile(), "rw");
             OutputStream writer = new FileOutputStream(file(".in").toFile())) {
            CompletableFuture<Void> call = serve((argv, in, out, err, pid) -> {
                try {
                    received.set(in.readAllBytes());
                    return 0;
                } catch (IOException e) {
                    return 1;
                }
            });
            assertEquals("accepted", status.readLine());
            bothEnds.close();
            writer.write(data);
            say(ctl, "eof");
            writer.close();
            assertEquals(List.of("exit 0"), answer(status));
            call.get(30, TimeUnit.SECONDS);
        }
        assertArrayEquals(data, received.get());
        assertEquals(List.of("backup_data", "/cfg.yaml", "/data/t1"), seenArgv.get());
        assertCallFilesGone();
    }

    @Test
    void stdinThatEndsWithoutTheClientsWordFailsTheCommand() throws Exception {
        prepare("in", "backup_data", "/cfg.yaml", "/data/t1");
        try (RandomAccessFile status = new RandomAccessFile(file(".status").toFile(), "rw");
             RandomAccessFile ctl = new RandomAccessFile(file(".ctl").toFile(), "rw");
             RandomAccessFile bothEnds = new RandomAccessFile(file(".in").toFile(), "rw");
             OutputStream writer = new FileOutputStream(file(".in").toFile())) {
            CompletableFuture<Void> call = serve((argv, in, out, err, pid) -> {
                try {
                    in.readAllBytes();
                    return 0;
                } catch (IOException e) {
                    err.println("backup_data failed: " + e.getMessage());
                    return 1;
                }
            });
            assertEquals("accepted", status.readLine());
            bothEnds.close();
            writer.write(new byte[1000]);
            say(ctl, "abort");
            writer.close();
            List<String> answer = answer(status);
            assertEquals(2, answer.size(), answer.toString());
            assertTrue(answer.get(0).startsWith("err backup_data failed: the client could not read all"), answer.get(0));
            assertEquals("exit 1", answer.get(1));
            call.get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void stdoutReachesTheClientAndEndsWhenTheCommandDoes() throws Exception {
        prepare("out", "restore_data", "/cfg.yaml", "/data/t1");
        byte[] data = new byte[500_000];
        new java.util.Random(2).nextBytes(data);
        try (RandomAccessFile status = new RandomAccessFile(file(".status").toFile(), "rw");
             RandomAccessFile ctl = new RandomAccessFile(file(".ctl").toFile(), "rw");
             RandomAccessFile bothEnds = new RandomAccessFile(file(".out").toFile(), "rw");
             InputStream reader = new FileInputStream(file(".out").toFile())) {
            CompletableFuture<Void> call = serve((argv, in, out, err, pid) -> {
                try {
                    out.write(data);
                    out.flush();
                    return 0;
                } catch (IOException e) {
                    return 1;
                }
            });
            assertEquals("accepted", status.readLine());
            bothEnds.close();
            assertArrayEquals(data, drain(reader), "all of stdout, then its end");
            say(ctl, "eof");
            assertEquals(List.of("exit 0"), answer(status));
            call.get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void aClientThatStopsReadingMakesTheCommandFailNotHang() throws Exception {
        prepare("out", "restore_data", "/cfg.yaml", "/data/t1");
        try (RandomAccessFile status = new RandomAccessFile(file(".status").toFile(), "rw");
             RandomAccessFile ctl = new RandomAccessFile(file(".ctl").toFile(), "rw");
             RandomAccessFile bothEnds = new RandomAccessFile(file(".out").toFile(), "rw");
             InputStream reader = new FileInputStream(file(".out").toFile())) {
            CompletableFuture<Void> call = serve((argv, in, out, err, pid) -> {
                try {
                    for (int i = 0; i < 1000; i++) {
                        out.write(new byte[1 << 16]);
                    }
                    out.flush();
                    return 0;
                } catch (IOException e) {
                    err.println("restore_data failed: " + e.getMessage());
                    return 1;
                }
            });
            assertEquals("accepted", status.readLine());
            bothEnds.close();
            assertTrue(reader.read(new byte[1 << 16]) > 0);
            reader.close();
            say(ctl, "abort");
            List<String> answer = answer(status);
            assertEquals("exit 1", answer.get(answer.size() - 1), answer.toString());
            call.get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void stdinOfAClientThatDiesIsNeverTakenForComplete() throws Exception {
        prepare("in", "backup_data", "/cfg.yaml", "/data/t1");
        try (RandomAccessFile status = new RandomAccessFile(file(".status").toFile(), "rw");
             RandomAccessFile ctl = new RandomAccessFile(file(".ctl").toFile(), "rw");
             RandomAccessFile bothEnds = new RandomAccessFile(file(".in").toFile(), "rw");
             OutputStream writer = new FileOutputStream(file(".in").toFile())) {
            CompletableFuture<Void> call = serve((argv, in, out, err, pid) -> {
                try {
                    in.readAllBytes();
                    return 0;
                } catch (IOException e) {
                    err.println("backup_data failed: " + e.getMessage());
                    return 1;
                }
            });
            assertEquals("accepted", status.readLine());
            bothEnds.close();
            writer.write(new byte[1000]);
            writer.close();
            // The input ends with no word from the client; then the client process dies.
            client.destroyForcibly().waitFor();
            List<String> answer = answer(status);
            assertTrue(answer.get(0).contains("the client ended before its stdin did"), answer.toString());
            assertEquals("exit 1", answer.get(answer.size() - 1));
            call.get(60, TimeUnit.SECONDS);
        }
    }

    @Test
    void aCommandWithoutStreamsRelaysItsStderrLinesAndStatus() throws Exception {
        prepare("none", "restore_file", "/cfg.yaml", "/data/report");
        try (RandomAccessFile status = new RandomAccessFile(file(".status").toFile(), "rw");
             RandomAccessFile ctl = new RandomAccessFile(file(".ctl").toFile(), "rw")) {
            CompletableFuture<Void> call = serve((argv, in, out, err, pid) -> {
                err.println("first line");
                err.println("second line");
                return 3;
            });
            assertEquals("accepted", status.readLine());
            say(ctl, "eof");
            assertEquals(List.of("err first line", "err second line", "exit 3"), answer(status));
            call.get(30, TimeUnit.SECONDS);
        }
        assertCallFilesGone();
    }

    @Test
    void aCallFromAProcessThatIsGoneIsDroppedUnserved() throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        String goneName = "call." + gone.pid();
        Fifos.make(dir.path().resolve(goneName + ".status"));
        Fifos.make(dir.path().resolve(goneName + ".ctl"));
        Files.writeString(dir.path().resolve(goneName + ".args"), "backup_data\0");
        AtomicReference<Boolean> ran = new AtomicReference<>(false);
        new RelayedCall(dir, new Request(Request.Kind.CALL, gone.pid(), goneName),
                (argv, in, out, err, pid) -> {
                    ran.set(true);
                    return 0;
                }, message -> { }).run();
        assertFalse(ran.get());
        try (Stream<Path> left = Files.list(dir.path())) {
            assertEquals(List.of(), left.toList());
        }
    }

    @Test
    void aRegularFileWhereAFifoBelongsIsNotServed() throws Exception {
        Files.writeString(file(".status"), "");
        Fifos.make(file(".ctl"));
        Files.writeString(file(".args"), "backup_data\0");
        AtomicReference<Boolean> ran = new AtomicReference<>(false);
        new RelayedCall(dir, new Request(Request.Kind.CALL, clientPid, name), (argv, in, out, err, pid) -> {
            ran.set(true);
            return 0;
        }, message -> { }).run();
        assertFalse(ran.get());
        assertCallFilesGone();
    }

    private void assertCallFilesGone() throws IOException {
        try (Stream<Path> left = Files.list(dir.path())) {
            assertEquals(List.of(), left.filter(p -> p.getFileName().toString().startsWith(name)).toList());
        }
    }

    @Test
    void aDirectoryOthersCanEnterIsRefused(@TempDir Path root) throws IOException {
        Path base = Files.createDirectory(root.resolve("open"));
        Files.setPosixFilePermissions(base, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        IOException refused = org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
                () -> new AgentDirectory(base.resolve("key")).createPrivate());
        assertTrue(refused.getMessage().contains("has mode 777, not 700"), refused.getMessage());
        assertFalse(Files.exists(base.resolve("key")));
    }

    @Test
    void aSymbolicLinkIsNotADirectory(@TempDir Path root) throws IOException {
        Path target = Files.createDirectory(root.resolve("target"));
        Files.setPosixFilePermissions(target, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        Path link = Files.createSymbolicLink(root.resolve("link"), target);
        IOException refused = org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
                () -> new AgentDirectory(link.resolve("key")).createPrivate());
        assertTrue(refused.getMessage().contains("is not a directory"), refused.getMessage());
    }

    /** Reads to the end with plain reads: FileInputStream's own readAllBytes seeks, which a FIFO refuses. */
    private static byte[] drain(InputStream in) throws IOException {
        java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
        byte[] buffer = new byte[1 << 16];
        for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
            all.write(buffer, 0, n);
        }
        return all.toByteArray();
    }
}
