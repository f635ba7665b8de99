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
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
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
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's side of the relay protocol against a client played here in Java, over real FIFOs,
 * doing what the launcher's bash client does (spec/agent.md).
 */
class RelayedCallTest {
    private AgentDirectory dir;
    /** A live process standing in for the bash client, whose pid names the call. */
    private Process clientProcess;
    private long clientPid;
    private String name;
    private final AtomicReference<List<String>> seenArgv = new AtomicReference<>();

    @BeforeEach
    void directory(@TempDir Path root) throws IOException {
        dir = new AgentDirectory(root.resolve("base").resolve("key")).createPrivate();
        // Its stdout is /dev/null, not a pipe, so the agent relays through the call's FIFO.
        startClient(new ProcessBuilder("sleep", "300").redirectOutput(ProcessBuilder.Redirect.DISCARD));
    }

    private void startClient(ProcessBuilder client) throws IOException {
        if (clientProcess != null) {
            clientProcess.destroyForcibly();
        }
        clientProcess = client.start();
        clientPid = clientProcess.pid();
        name = "call." + clientPid;
    }

    @AfterEach
    void endClient() {
        clientProcess.destroyForcibly();
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

    private CompletableFuture<Void> serve(UnlimitedHandler.Command command) {
        return serve(UnlimitedHandler.running((argv, in, out, err, caller) -> {
            seenArgv.set(argv);
            return command.run(argv, in, out, err, caller);
        }));
    }

    private CompletableFuture<Void> serve(CallHandler handler) {
        return CompletableFuture.runAsync(() ->
                new RelayedCall(dir, new FifoLine(FifoLine.Kind.CALL, clientPid, name), handler, message -> { }).run());
    }

    /**
     * The client's ends of one call's FIFOs, opened as the launcher opens them: each data FIFO
     * first read-write, then at its one-way end; the read-write one is closed once accepted.
     */
    private final class Client implements AutoCloseable {
        final RandomAccessFile status;
        final RandomAccessFile ctl;
        private final RandomAccessFile bothEnds;
        final OutputStream stdin;
        final InputStream stdout;

        Client(String mode) throws IOException {
            status = new RandomAccessFile(file(".status").toFile(), "rw");
            ctl = new RandomAccessFile(file(".ctl").toFile(), "rw");
            bothEnds = mode.equals("none") ? null : new RandomAccessFile(file("." + mode).toFile(), "rw");
            stdin = mode.equals("in") ? new FileOutputStream(file(".in").toFile()) : null;
            stdout = mode.equals("out") ? new FileInputStream(file(".out").toFile()) : null;
        }

        void awaitAccepted() throws IOException {
            awaitAccepted("accepted");
        }

        void awaitAccepted(String answer) throws IOException {
            assertEquals(answer, status.readLine());
            if (bothEnds != null) {
                bothEnds.close();
            }
        }

        void say(String word) throws IOException {
            ctl.write((word + "\n").getBytes(StandardCharsets.US_ASCII));
        }

        /** Status lines up to and including {@code exit N}. */
        List<String> answer() throws IOException {
            List<String> lines = new ArrayList<>();
            String line;
            do {
                line = status.readLine();
                lines.add(line);
            } while (line != null && !line.startsWith("exit "));
            return lines;
        }

        @Override
        public void close() throws IOException {
            for (java.io.Closeable end : new java.io.Closeable[] {stdin, stdout, bothEnds, ctl, status}) {
                if (end != null) {
                    end.close();
                }
            }
        }
    }

    /** A command that reads all of stdin and fails, saying why, when that read fails. */
    private UnlimitedHandler.Command readingAll(AtomicReference<byte[]> received) {
        return (argv, in, out, err, caller) -> {
            try {
                received.set(in.readAllBytes());
                return 0;
            } catch (IOException e) {
                err.println("backup_data failed: " + e.getMessage());
                return 1;
            }
        };
    }

    @Test
    void stdinReachesTheCommandWhenTheClientVouchesForItsEnd() throws Exception {
        prepare("in", "backup_data", "/cfg.yaml", "/data/t1");
        byte[] data = new byte[300_000];
        new java.util.Random(1).nextBytes(data);
        AtomicReference<byte[]> received = new AtomicReference<>();
        try (Client client = new Client("in")) {
            CompletableFuture<Void> call = serve(readingAll(received));
            client.awaitAccepted();
            client.stdin.write(data);
            client.say("eof");
            client.stdin.close();
            assertEquals(List.of("exit 0"), client.answer());
            call.get(30, TimeUnit.SECONDS);
        }
        assertArrayEquals(data, received.get());
        assertEquals(List.of("backup_data", "/cfg.yaml", "/data/t1"), seenArgv.get());
        assertCallFilesGone();
    }

    @Test
    void stdinThatEndsWithoutTheClientsWordFailsTheCommand() throws Exception {
        prepare("in", "backup_data", "/cfg.yaml", "/data/t1");
        try (Client client = new Client("in")) {
            CompletableFuture<Void> call = serve(readingAll(new AtomicReference<>()));
            client.awaitAccepted();
            client.stdin.write(new byte[1000]);
            client.say("abort");
            client.stdin.close();
            List<String> answer = client.answer();
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
        try (Client client = new Client("out")) {
            CompletableFuture<Void> call = serve((argv, in, out, err, caller) -> {
                try {
                    out.write(data);
                    out.flush();
                    return 0;
                } catch (IOException e) {
                    return 1;
                }
            });
            client.awaitAccepted();
            assertArrayEquals(data, drain(client.stdout), "all of stdout, then its end");
            client.say("eof");
            assertEquals(List.of("exit 0"), client.answer());
            call.get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void aClientThatStopsReadingMakesTheCommandFailNotHang() throws Exception {
        prepare("out", "restore_data", "/cfg.yaml", "/data/t1");
        try (Client client = new Client("out")) {
            CompletableFuture<Void> call = serve((argv, in, out, err, caller) -> {
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
            client.awaitAccepted();
            assertTrue(client.stdout.read(new byte[1 << 16]) > 0);
            client.stdout.close();
            client.say("abort");
            List<String> answer = client.answer();
            assertEquals("exit 1", answer.get(answer.size() - 1), answer.toString());
            call.get(30, TimeUnit.SECONDS);
        }
    }

    /** A command that writes {@code data} to stdout and says why when that fails. */
    private static UnlimitedHandler.Command writing(byte[] data) {
        return (argv, in, out, err, caller) -> {
            try {
                out.write(data);
                out.flush();
                return 0;
            } catch (IOException e) {
                err.println("restore_data failed: " + e.getMessage());
                return 1;
            }
        };
    }

    @Test
    void aClientWhoseStdoutIsAPipeHasItWrittenByTheAgentItself() throws Exception {
        startClient(new ProcessBuilder("sleep", "300"));
        prepare("out", "restore_data", "/cfg.yaml", "/data/t1");
        byte[] data = new byte[500_000];
        new java.util.Random(3).nextBytes(data);
        try (Client client = new Client("out")) {
            CompletableFuture<Void> call = serve(writing(data));
            client.awaitAccepted("accepted direct");
            byte[] piped = clientProcess.getInputStream().readNBytes(data.length);
            client.say("eof");
            assertEquals(List.of("exit 0"), client.answer());
            call.get(30, TimeUnit.SECONDS);
            assertArrayEquals(data, piped, "all of it in the client's own stdout pipe");
            assertEquals(0, client.stdout.available(), "nothing through the call's FIFO");
        }
        assertCallFilesGone();
    }

    @Test
    void aClientWhoseStdoutIsAFileIsRelayedAndTheFileUntouched(@TempDir Path files) throws Exception {
        Path stdoutFile = Files.writeString(files.resolve("stdout"), "already there");
        startClient(new ProcessBuilder("sleep", "300").redirectOutput(ProcessBuilder.Redirect.appendTo(stdoutFile.toFile())));
        prepare("out", "restore_data", "/cfg.yaml", "/data/t1");
        byte[] data = new byte[100_000];
        new java.util.Random(4).nextBytes(data);
        try (Client client = new Client("out")) {
            CompletableFuture<Void> call = serve(writing(data));
            client.awaitAccepted("accepted");
            assertArrayEquals(data, drain(client.stdout), "relayed through the FIFO, for the client to copy");
            client.say("eof");
            assertEquals(List.of("exit 0"), client.answer());
            call.get(30, TimeUnit.SECONDS);
        }
        assertEquals("already there", Files.readString(stdoutFile), "a file is never reopened from its start");
    }

    @Test
    void aClientWhoseStdoutCannotBeOpenedIsRelayed() throws Exception {
        // Fd 1 closed: there is nothing under /proc to open.
        startClient(new ProcessBuilder("sh", "-c", "exec 1>&-; exec sleep 300"));
        prepare("out", "restore_data", "/cfg.yaml", "/data/t1");
        byte[] data = new byte[100_000];
        try (Client client = new Client("out")) {
            CompletableFuture<Void> call = serve(writing(data));
            client.awaitAccepted("accepted");
            assertArrayEquals(data, drain(client.stdout));
            client.say("eof");
            assertEquals(List.of("exit 0"), client.answer());
            call.get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void aDirectWriteIntoAPipeNobodyReadsFailsTheCallNotHangs() throws Exception {
        startClient(new ProcessBuilder("sleep", "300"));
        clientProcess.getInputStream().close();
        prepare("out", "restore_data", "/cfg.yaml", "/data/t1");
        try (Client client = new Client("out")) {
            CompletableFuture<Void> call = serve(writing(new byte[1 << 20]));
            client.awaitAccepted("accepted direct");
            List<String> answer = client.answer();
            assertEquals(List.of("err restore_data failed: Broken pipe", "exit 1"), answer);
            call.get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    @Timeout(60)
    void aDirectWriteStopsWhenTheClientDiesThoughItsReaderLives(@TempDir Path files) throws Exception {
        // The caller (gpbackup's helper) keeps its end open after killing its plugin process; here
        // the test holds the reading end of the client's stdout, a FIFO, and never reads it.
        Path stdout = files.resolve("stdout");
        Fifos.make(stdout);
        try (RandomAccessFile caller = new RandomAccessFile(stdout.toFile(), "rw")) {
            startClient(new ProcessBuilder("sleep", "300").redirectOutput(stdout.toFile()));
            prepare("out", "restore_data", "/cfg.yaml", "/data/t1");
            try (Client client = new Client("out")) {
                // Written as the plugin writes, through the file's channel, until the pipe is full.
                CompletableFuture<Void> call = serve((argv, in, out, err, caller2) -> {
                    try {
                        FileChannel channel = ((FileOutputStream) out).getChannel();
                        while (true) {
                            channel.write(ByteBuffer.allocate(1 << 16));
                        }
                    } catch (IOException e) {
                        // Closed during a write (AsynchronousCloseException) or between two (its parent).
                        err.println("restore_data failed: " + (e instanceof ClosedChannelException ? "closed" : e));
                        return 1;
                    }
                });
                client.awaitAccepted("accepted direct");
                clientProcess.destroyForcibly().waitFor();
                assertEquals(List.of("err restore_data failed: closed", "exit 1"), client.answer());
                call.get(30, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void stdinOfAClientThatDiesIsNeverTakenForComplete() throws Exception {
        prepare("in", "backup_data", "/cfg.yaml", "/data/t1");
        try (Client client = new Client("in")) {
            CompletableFuture<Void> call = serve(readingAll(new AtomicReference<>()));
            client.awaitAccepted();
            client.stdin.write(new byte[1000]);
            client.stdin.close();
            // The input ends with no word from the client; then the client process dies.
            clientProcess.destroyForcibly().waitFor();
            List<String> answer = client.answer();
            assertTrue(answer.get(0).contains("the client ended before its stdin did"), answer.toString());
            assertEquals("exit 1", answer.get(answer.size() - 1));
            call.get(60, TimeUnit.SECONDS);
        }
    }

    @Test
    void aCommandWithoutStreamsRelaysItsStderrLinesAndStatus() throws Exception {
        prepare("none", "restore_file", "/cfg.yaml", "/data/report");
        try (Client client = new Client("none")) {
            CompletableFuture<Void> call = serve((argv, in, out, err, caller) -> {
                err.println("first line");
                err.println("second line");
                return 3;
            });
            client.awaitAccepted();
            client.say("eof");
            assertEquals(List.of("err first line", "err second line", "exit 3"), client.answer());
            call.get(30, TimeUnit.SECONDS);
        }
        assertCallFilesGone();
    }

    @Test
    void aCallThatMustWaitIsToldSoAndAcceptedWhenItsPlaceComes() throws Exception {
        prepare("none", "restore_file", "/cfg.yaml", "/data/report");
        java.util.concurrent.CountDownLatch place = new java.util.concurrent.CountDownLatch(1);
        CallHandler waiting = (argv, caller, queued, clientGone) -> {
            queued.run();
            place.await();
            return UnlimitedHandler.running((a, in, out, err, c) -> 0).admit(argv, caller, queued, clientGone);
        };
        try (Client client = new Client("none")) {
            CompletableFuture<Void> call = serve(waiting);
            assertEquals("queued", client.status.readLine());
            place.countDown();
            client.awaitAccepted();
            client.say("eof");
            assertEquals(List.of("exit 0"), client.answer());
            call.get(30, TimeUnit.SECONDS);
        }
        assertCallFilesGone();
    }

    @Test
    void aCallGivenNoPlaceIsSentBackBeforeAnyDataMoves() throws Exception {
        prepare("in", "backup_data", "/cfg.yaml", "/data/t1");
        AtomicReference<Boolean> ran = new AtomicReference<>(false);
        CallHandler full = (argv, caller, queued, clientGone) -> {
            queued.run();
            return java.util.Optional.empty();
        };
        try (Client client = new Client("in")) {
            CompletableFuture<Void> call = serve(full);
            assertEquals("queued", client.status.readLine());
            assertEquals("standalone", client.status.readLine());
            call.get(30, TimeUnit.SECONDS);
        }
        assertFalse(ran.get());
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
        new RelayedCall(dir, new FifoLine(FifoLine.Kind.CALL, gone.pid(), goneName),
                UnlimitedHandler.running((argv, in, out, err, caller) -> {
                    ran.set(true);
                    return 0;
                }), message -> { }).run();
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
        new RelayedCall(dir, new FifoLine(FifoLine.Kind.CALL, clientPid, name),
                UnlimitedHandler.running((argv, in, out, err, caller) -> {
                    ran.set(true);
                    return 0;
                }), message -> { }).run();
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
