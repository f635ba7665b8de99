package gpbackup.s3plugin.agent;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The host agent's loop: holds the directory's lock for as long as it lives (so a stale directory
 * is told by a lock nobody holds, never by a pid that may have been reused), reads requests from
 * the {@code requests} FIFO, serves each call on a thread of its own, and returns when told to
 * stop, when no call has been in flight for the idle timeout, or when its jar is replaced. While
 * it serves, a keeper thread holds its files in place (spec/agent.md, "Lifecycle").
 */
public final class AgentServer {
    private final AgentDirectory dir;
    private final CallHandler handler;
    private final Duration idleTimeout;
    private final Optional<Path> jar;
    private final Consumer<String> log;
    private final Consumer<String> warn;
    private final CallRegistry calls = new CallRegistry();

    /**
     * @param jar  the code this agent runs; when the file changes, the agent stops serving
     * @param log  where the agent's own events go
     * @param warn where failures go: a relayed call that could not be served, a thread that could not start
     */
    public AgentServer(AgentDirectory dir, CallHandler handler, Duration idleTimeout, Optional<Path> jar,
                       Consumer<String> log, Consumer<String> warn) {
        this.dir = dir;
        this.handler = handler;
        this.idleTimeout = idleTimeout;
        this.jar = jar;
        this.log = log;
        this.warn = warn;
    }

    /** The calls in flight, for a shutdown that must end them. */
    public CallRegistry calls() {
        return calls;
    }

    /**
     * Serves until stopped or idle, then waits for the calls in flight. Returns false at once if
     * another agent already serves the directory.
     */
    public boolean serve() throws IOException, InterruptedException {
        dir.createPrivate();
        try (FileChannel lockFile = dir.openLock(); FileLock lock = lockFile.tryLock()) {
            // A lock file removed under a live agent frees the lock but not the agent (find skips this process).
            if (lock == null || AgentProcesses.find(dir).isPresent()) {
                return false;
            }
            clearLeftovers();
            Fifos.make(dir.requests());
            AgentKeeper keeper = new AgentKeeper(dir, jar, log);
            try (RandomAccessFile requests = new RandomAccessFile(dir.requests().toFile(), "rw")) {
                publishPid(dir);
                log.accept("host agent " + ProcessHandle.current().pid() + " serving " + dir.path());
                keeper.start(() -> {
                    if (calls.idleFor(idleTimeout)) {
                        log.accept("host agent idle for " + idleTimeout.toSeconds() + " s; exiting");
                        return true;
                    }
                    return false;
                }, requests);
                readRequests(requests);
            } finally {
                keeper.stop();
                calls.stopAccepting();
                // Unpublished first: a client that comes now runs on its own instead of waiting.
                Files.deleteIfExists(dir.pidFile());
                Files.deleteIfExists(dir.requests());
                // However the loop ended, the calls it accepted are answered before the agent exits.
                calls.awaitNone();
                removeDirectory();
                keeper.closeLocks();
            }
            log.accept("host agent " + ProcessHandle.current().pid() + " stopped");
            return true;
        }
    }

    private void readRequests(RandomAccessFile requests) throws IOException {
        for (String line = requests.readLine(); line != null; line = requests.readLine()) {
            Optional<FifoLine> request = FifoLine.parse(line);
            if (request.isEmpty()) {
                continue;
            }
            if (request.get().kind() == FifoLine.Kind.STOP) {
                log.accept("host agent " + ProcessHandle.current().pid() + " asked to stop");
                return;
            }
            accept(request.get());
        }
    }

    private void accept(FifoLine request) {
        RelayedCall call = new RelayedCall(dir, request, handler, warn);
        Thread thread = new Thread(() -> {
            try {
                call.run();
            } finally {
                calls.ended(Thread.currentThread());
            }
        }, "call-" + request.clientPid());
        if (!calls.begin(thread)) {
            return;
        }
        try {
            thread.start();
        } catch (OutOfMemoryError noThread) {
            // Unanswered, the client runs the command itself; the calls in flight go on.
            calls.ended(thread);
            warn.accept("host agent cannot start a thread for pid " + request.clientPid() + ": " + noThread);
        }
    }

    /**
     * On SIGTERM, SIGINT or SIGHUP: takes no more calls, interrupts those in flight (each aborts its
     * upload and answers its client with one line and status 1), unpublishes the agent and removes
     * its directory. Returns within about {@code patience}.
     */
    public void shutdown(Duration patience) {
        log.accept("host agent " + ProcessHandle.current().pid() + " stopping on a signal");
        try {
            int cut = calls.cancelAll(patience);
            Files.deleteIfExists(dir.pidFile());
            Files.deleteIfExists(dir.requests());
            removeDirectory();
            log.accept("host agent " + ProcessHandle.current().pid() + " stopped on a signal; " + cut
                    + " call(s) in flight failed");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            warn.accept("host agent " + ProcessHandle.current().pid() + " stopping: " + e.getMessage());
        }
    }

    /** Files a dead agent or its killed clients left behind; the lock proves no one uses them. */
    private void clearLeftovers() throws IOException {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir.path())) {
            for (Path file : files) {
                if (!file.equals(dir.lockFile())) {
                    Files.deleteIfExists(file);
                }
            }
        }
    }

    /**
     * The agent's directory goes with it (the lock file last, while still held), so directories of
     * configs and jars no longer in use do not pile up; a killed agent's is cleared by the next.
     */
    private void removeDirectory() {
        try {
            clearLeftovers();
            Files.deleteIfExists(dir.lockFile());
            Files.deleteIfExists(dir.path());
        } catch (IOException e) {
            log.accept("host agent left " + dir.path() + ": " + e.getMessage());
        }
    }

    /** Written last and renamed into place: a client that sees the pid finds the FIFO ready. */
    static void publishPid(AgentDirectory dir) throws IOException {
        Path temporary = dir.path().resolve("pid.new");
        Files.writeString(temporary, ProcessHandle.current().pid() + "\n", StandardCharsets.US_ASCII);
        Files.move(temporary, dir.pidFile(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
