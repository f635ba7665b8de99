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
 * stop or when no call has been in flight for the idle timeout.
 */
public final class AgentServer {
    private final AgentDirectory dir;
    private final CallHandler handler;
    private final Duration idleTimeout;
    private final Consumer<String> log;
    private final Consumer<String> warn;
    private int inFlight;
    private boolean accepting = true;
    private long lastActive = System.nanoTime();

    /**
     * @param log  where the agent's own events go
     * @param warn where failures go: a relayed call that could not be served, a thread that could not start
     */
    public AgentServer(AgentDirectory dir, CallHandler handler, Duration idleTimeout, Consumer<String> log,
                       Consumer<String> warn) {
        this.dir = dir;
        this.handler = handler;
        this.idleTimeout = idleTimeout;
        this.log = log;
        this.warn = warn;
    }

    /**
     * Serves until stopped or idle, then waits for the calls in flight. Returns false at once if
     * another agent already serves the directory.
     */
    public boolean serve() throws IOException, InterruptedException {
        dir.createPrivate();
        try (FileChannel lockFile = dir.openLock(); FileLock lock = lockFile.tryLock()) {
            if (lock == null) {
                return false;
            }
            clearLeftovers();
            Fifos.make(dir.requests());
            try (RandomAccessFile requests = new RandomAccessFile(dir.requests().toFile(), "rw")) {
                publishPid();
                log.accept("host agent " + ProcessHandle.current().pid() + " serving " + dir.path());
                startIdleWatch(requests);
                readRequests(requests);
            } finally {
                stopAccepting();
                // Unpublished first: a client that comes now runs on its own instead of waiting.
                Files.deleteIfExists(dir.pidFile());
                Files.deleteIfExists(dir.requests());
                // However the loop ended, the calls it accepted are answered before the agent exits.
                awaitCallsInFlight();
            }
            log.accept("host agent " + ProcessHandle.current().pid() + " stopped");
            return true;
        }
    }

    private void readRequests(RandomAccessFile requests) throws IOException {
        for (String line = requests.readLine(); line != null; line = requests.readLine()) {
            Optional<Request> request = Request.parse(line);
            if (request.isEmpty()) {
                continue;
            }
            if (request.get().kind() == Request.Kind.STOP) {
                log.accept("host agent " + ProcessHandle.current().pid() + " asked to stop");
                return;
            }
            accept(request.get());
        }
    }

    private void accept(Request request) {
        synchronized (this) {
            if (!accepting) {
                return;
            }
            inFlight++;
        }
        try {
            new Thread(() -> {
                try {
                    new RelayedCall(dir, request, handler, warn).run();
                } finally {
                    callEnded();
                }
            }, "call-" + request.clientPid()).start();
        } catch (OutOfMemoryError noThread) {
            // Unanswered, the client runs the command itself; the calls in flight go on.
            callEnded();
            warn.accept("host agent cannot start a thread for pid " + request.clientPid() + ": " + noThread);
        }
    }

    private synchronized void callEnded() {
        inFlight--;
        lastActive = System.nanoTime();
        notifyAll();
    }

    private synchronized void stopAccepting() {
        accepting = false;
    }

    private synchronized void awaitCallsInFlight() throws InterruptedException {
        while (inFlight > 0) {
            wait();
        }
    }

    private synchronized boolean idle() {
        return inFlight == 0 && System.nanoTime() - lastActive >= idleTimeout.toNanos();
    }

    /** Ends the read loop, through the FIFO it reads, once the agent has been idle long enough. */
    private void startIdleWatch(RandomAccessFile requests) {
        long tick = Math.max(10, Math.min(1000, idleTimeout.toMillis() / 4));
        Thread watch = new Thread(() -> {
            try {
                while (!idle()) {
                    Thread.sleep(tick);
                }
                log.accept("host agent idle for " + idleTimeout.toSeconds() + " s; exiting");
                requests.write((Request.stop().line() + "\n").getBytes(StandardCharsets.US_ASCII));
            } catch (InterruptedException | IOException e) {
                // the agent is stopping anyway
            }
        }, "idle-watch");
        watch.setDaemon(true);
        watch.start();
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

    /** Written last and renamed into place: a client that sees the pid finds the FIFO ready. */
    private void publishPid() throws IOException {
        Path temporary = dir.path().resolve("pid.new");
        Files.writeString(temporary, ProcessHandle.current().pid() + "\n", StandardCharsets.US_ASCII);
        Files.move(temporary, dir.pidFile(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
