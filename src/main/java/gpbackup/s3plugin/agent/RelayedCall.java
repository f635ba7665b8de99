package gpbackup.s3plugin.agent;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.File;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Consumer;

/**
 * One call relayed by the launcher's bash client (spec/agent.md, "Protocol"). The client has
 * made, in the agent directory, {@code NAME.args} (argv, NUL-separated), the FIFOs
 * {@code NAME.status} and {@code NAME.ctl}, and {@code NAME.in} when the command reads stdin or
 * {@code NAME.out} when it writes stdout; it holds its ends of them open before it asks.
 *
 * <p>No open here may block on a client that has died: each data FIFO is first opened
 * read-write (which never blocks), then at its one-way end (which cannot block while the first
 * is open), and the first is closed again. The agent waits for the call's place (answering
 * {@code queued} if it must wait, and {@code standalone} if the client is to run the command
 * itself), answers {@code accepted} ({@code accepted direct} when it writes the client's own stdout
 * pipe itself: {@link CallerStdout}), runs the command and answers {@code err LINE}s and
 * {@code exit STATUS}. The client says on {@code ctl} whether
 * it passed its whole stdin on ({@code eof}) or not ({@code abort}); if it dies, the agent says
 * {@code gone} there itself. An input that ends without {@code eof} fails the upload.
 */
final class RelayedCall {
    private final AgentDirectory dir;
    private final FifoLine request;
    private final CallHandler handler;
    private final Consumer<String> warn;

    RelayedCall(AgentDirectory dir, FifoLine request, CallHandler handler, Consumer<String> warn) {
        this.dir = dir;
        this.request = request;
        this.handler = handler;
        this.warn = warn;
    }

    private Path file(String suffix) {
        return dir.path().resolve(request.callName() + suffix);
    }

    /** Runs the call to its end; never throws. The call's files are gone afterwards. */
    void run() {
        try {
            Optional<ProcessHandle> client = ProcessHandle.of(request.clientPid())
                    .filter(process -> process.pid() != ProcessHandle.current().pid());
            if (client.isPresent() && isOwnFifo(".status") && isOwnFifo(".ctl")) {
                serve(client.get(), readArgs());
            }
        } catch (IOException | RuntimeException e) {
            warn.accept("relayed call " + request.callName() + " from pid " + request.clientPid() + " failed: " + e);
        } finally {
            for (String suffix : List.of(".args", ".status", ".ctl", ".in", ".out")) {
                try {
                    Files.deleteIfExists(file(suffix));
                } catch (IOException ignored) {
                    // a new agent clears what is left
                }
            }
        }
    }

    private boolean isOwnFifo(String suffix) throws IOException {
        return Files.exists(file(suffix), LinkOption.NOFOLLOW_LINKS) && AgentDirectory.isOwnFifo(file(suffix));
    }

    /** The relayed argv and the caller's umask, which the launcher sends ahead of it as {@code umask=NNNN}. */
    private record Relayed(List<String> argv, OptionalInt umask) {
    }

    private Relayed readArgs() throws IOException {
        Path args = file(".args");
        if (!Files.isRegularFile(args, LinkOption.NOFOLLOW_LINKS) || Files.size(args) > 1 << 16) {
            throw new IOException("no readable argument file");
        }
        String text = Files.readString(args, StandardCharsets.UTF_8);
        List<String> argv = new ArrayList<>(List.of(text.split("\0", -1)));
        // printf '%s\0' ends every argument with a NUL, so the last piece is empty.
        argv.remove(argv.size() - 1);
        OptionalInt umask = OptionalInt.empty();
        // The launcher's umask builtin ends the value with a newline.
        if (!argv.isEmpty() && argv.get(0).strip().matches("umask=0?[0-7]{1,3}")) {
            umask = OptionalInt.of(Integer.parseInt(argv.remove(0).strip().substring("umask=".length()), 8));
        }
        if (argv.isEmpty()) {
            throw new IOException("empty argument file");
        }
        return new Relayed(argv, umask);
    }

    private void serve(ProcessHandle client, Relayed relayed) throws IOException {
        boolean reads = isOwnFifo(".in");
        boolean writes = isOwnFifo(".out");
        Optional<FileOutputStream> direct = writes ? CallerStdout.open(client.pid()) : Optional.empty();
        ClientVerdict verdict = new ClientVerdict();
        try (RandomAccessFile status = new RandomAccessFile(file(".status").toFile(), "rw");
             RandomAccessFile ctl = new RandomAccessFile(file(".ctl").toFile(), "rw");
             // Read through a channel: a shutdown interrupts this thread, and a waiting read then ends.
             InputStream in = reads ? new RelayedInput(Channels.newInputStream(RelayedCall.<FileChannel>openWithoutBlocking(
                     file(".in"), f -> new FileInputStream(f).getChannel())), verdict) : InputStream.nullInputStream();
             // Unbuffered: the handler chooses how to write (pieces leave through the file's channel).
             OutputStream out = direct.isPresent() ? direct.get() : writes
                     ? openWithoutBlocking(file(".out"), FileOutputStream::new) : OutputStream.nullOutputStream()) {
            Caller caller = new Caller(client.pid(), relayed.umask());
            Optional<CallHandler.Placed> placed;
            try {
                placed = handler.admit(relayed.argv(), caller, () -> say(status, "queued"), () -> !client.isAlive());
            } catch (InterruptedException e) {
                // The agent is stopping: a call it has not accepted runs on its own (spec/agent.md).
                placed = Optional.empty();
            } catch (RuntimeException e) {
                // A queued client waits as long as the agent lives: it must be sent back.
                warn.accept("relayed call " + request.callName() + " found no place: " + e);
                placed = Optional.empty();
            }
            if (placed.isEmpty()) {
                // No data has moved: the client runs the command itself.
                say(status, "standalone");
                return;
            }
            try (CallHandler.Placed call = placed.get()) {
                Thread listener = new Thread(() -> listen(ctl, verdict), "ctl-" + request.callName());
                listener.setDaemon(true);
                listener.start();
                // "accepted direct": the agent writes the client's stdout itself, and the client copies nothing.
                say(status, direct.isPresent() ? "accepted direct" : "accepted");
                String answer;
                try {
                    client.onExit().thenRun(() -> {
                        say(ctl, "gone");
                        // Written directly, the caller's pipe would go on filling after its plugin process ended.
                        direct.ifPresent(RelayedCall::closeQuietly);
                    });
                    answer = runCommand(call, in, out);
                } catch (RuntimeException | Error e) {
                    // The client waits for an answer as long as the agent lives: it must get one.
                    answer = "err gpbackup_s3_plugin: the host agent failed this call: " + e.toString().replace('\n', ' ')
                            + "\nexit 1\n";
                }
                closeQuietly(out);
                closeQuietly(in);
                status.write(answer.getBytes(StandardCharsets.UTF_8));
                say(ctl, "done");
            }
        }
    }

    /** Runs the command; returns its answer for the status FIFO: its stderr lines, then its exit status. */
    private static String runCommand(CallHandler.Placed call, InputStream in, OutputStream out) {
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        int exit;
        try (PrintStream stderr = new PrintStream(errors, true, StandardCharsets.UTF_8)) {
            exit = call.run(in, out, stderr);
        }
        StringBuilder answer = new StringBuilder();
        for (String line : errors.toString(StandardCharsets.UTF_8).split("\n")) {
            if (!line.isBlank()) {
                answer.append("err ").append(line.replace('\r', ' ')).append('\n');
            }
        }
        return answer.append("exit ").append(exit).append('\n').toString();
    }

    /** Records the client's verdict from {@code ctl} until the call is done. */
    private static void listen(RandomAccessFile ctl, ClientVerdict verdict) {
        try {
            for (String line = ctl.readLine(); line != null && !line.equals("done"); line = ctl.readLine()) {
                ClientVerdict.State said = ClientVerdict.fromLine(line);
                if (said != null) {
                    verdict.settle(said);
                }
            }
        } catch (IOException closed) {
            // the call is over
        }
    }

    /** Opens a FIFO at one end without waiting for the other end's process (see the class comment). */
    private static <T> T openWithoutBlocking(Path fifo, FileOpener<T> opener) throws IOException {
        try (RandomAccessFile bothEnds = new RandomAccessFile(fifo.toFile(), "rw")) {
            return opener.open(fifo.toFile());
        }
    }

    @FunctionalInterface
    private interface FileOpener<T> {
        T open(File file) throws IOException;
    }

    private static void say(RandomAccessFile fifo, String line) {
        try {
            fifo.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException closed) {
            // the call is over
        }
    }

    private static void closeQuietly(Closeable stream) {
        try {
            stream.close();
        } catch (IOException e) {
            // the client's exit status already tells; a broken pipe here adds nothing
        }
    }
}
