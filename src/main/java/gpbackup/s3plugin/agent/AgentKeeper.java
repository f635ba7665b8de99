package gpbackup.s3plugin.agent;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Holds a serving agent's files in place. Once a second it publishes the pid again if the file was
 * removed, takes a new lock file if the one it holds was removed, so a later setup still sees the
 * directory served, and ends the agent, through its own FIFO, when it is idle or its jar changed.
 * It touches a file whose time is an hour old, so /tmp cleaners that age them (systemd-tmpfiles'
 * 10 days, tmpwatch's days) never find them old: they count in days, so touching every second
 * would only write to the disk; reading the times each second costs nothing.
 */
final class AgentKeeper {
    private static final long TICK_MS = 1000;
    /** How old a file's time may grow before it is touched. */
    static final Duration TOUCH_EVERY = Duration.ofHours(1);
    /** How long an agent whose jar changed may take to exit before it is halted. */
    private static final long HALT_AFTER_MS = 30_000;

    private final AgentDirectory dir;
    private final Optional<Path> jar;
    private final Optional<Object> jarIdentity;
    private final Consumer<String> log;
    private final List<FileChannel> locks = new ArrayList<>();
    private Object lockIdentity;
    private Thread thread;
    /**
     * Made up front: a jar copied over in place can no longer supply classes, so what the agent
     * needs to stop must be loaded before it changes.
     */
    private final byte[] stopLine = (FifoLine.stop().line() + "\n").getBytes(StandardCharsets.US_ASCII);

    AgentKeeper(AgentDirectory dir, Optional<Path> jar, Consumer<String> log) {
        this.dir = dir;
        this.jar = jar;
        this.jarIdentity = jar.flatMap(AgentKeeper::identity);
        this.log = log;
        this.lockIdentity = inode(dir.lockFile()).orElse(null);
    }

    /** Starts keeping; {@code done} is asked each tick whether the agent should end. */
    void start(BooleanSupplier done, RandomAccessFile requests) {
        thread = new Thread(() -> {
            try {
                while (!Thread.currentThread().isInterrupted()) {
                    Thread.sleep(TICK_MS);
                    if (done.getAsBoolean()) {
                        requests.write(stopLine);
                        return;
                    }
                    if (jarChanged()) {
                        requests.write(stopLine);
                        // Calls in flight may need classes the new jar no longer has at their place.
                        Thread.sleep(HALT_AFTER_MS);
                        Runtime.getRuntime().halt(1);
                    }
                    keep(System.currentTimeMillis());
                }
            } catch (InterruptedException | IOException e) {
                // the agent is stopping anyway
            }
        }, "agent-keeper");
        thread.setDaemon(true);
        thread.start();
    }

    void stop() {
        if (thread != null) {
            thread.interrupt();
        }
    }

    /** Releases the lock files taken in place of removed ones. */
    void closeLocks() {
        for (FileChannel lock : locks) {
            try {
                lock.close();
            } catch (IOException e) {
                // released as the process exits anyway
            }
        }
    }

    private boolean jarChanged() {
        if (jarIdentity.isEmpty() || jar.flatMap(AgentKeeper::identity).equals(jarIdentity)) {
            return false;
        }
        log.accept("host agent " + ProcessHandle.current().pid() + ": its jar " + jar.get()
                + " changed; exiting, so that new calls run the new code");
        return true;
    }

    /** One tick's work at {@code nowMillis}: the pid and the lock at once, a file's time once it is old. */
    void keep(long nowMillis) {
        try {
            if (!Files.exists(dir.pidFile(), LinkOption.NOFOLLOW_LINKS)) {
                log.accept("host agent " + ProcessHandle.current().pid() + ": its pid file was removed; publishing it"
                        + " again");
                AgentServer.publishPid(dir);
            }
            Optional<Object> lock = inode(dir.lockFile());
            if (lock.isEmpty() || !lock.get().equals(lockIdentity)) {
                relock();
            }
            FileTime now = FileTime.fromMillis(nowMillis);
            // The JDK sets a time through the opened file: the requests FIFO opens at once only
            // because the agent holds it open both ways.
            for (Path file : List.of(dir.path(), dir.lockFile(), dir.pidFile(), dir.requests())) {
                if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)
                        && nowMillis - Files.getLastModifiedTime(file, LinkOption.NOFOLLOW_LINKS).toMillis()
                        >= TOUCH_EVERY.toMillis()) {
                    Files.setLastModifiedTime(file, now);
                }
            }
        } catch (IOException e) {
            log.accept("host agent " + ProcessHandle.current().pid() + " could not keep " + dir.path() + ": " + e);
        }
    }

    /** The lock file was removed (or replaced): lock the one now at its path, making it if need be. */
    private void relock() throws IOException {
        FileChannel channel = FileChannel.open(dir.lockFile(), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock = channel.tryLock();
        if (lock == null) {
            channel.close();
            log.accept("host agent " + ProcessHandle.current().pid() + ": another process holds the new lock file of "
                    + dir.path());
            lockIdentity = inode(dir.lockFile()).orElse(null);
            return;
        }
        locks.add(channel);
        lockIdentity = inode(dir.lockFile()).orElse(null);
        log.accept("host agent " + ProcessHandle.current().pid() + ": its lock file was removed; locked a new one");
    }

    /** What tells a jar from the one copied over it: inode, size and modification time. */
    private static Optional<Object> identity(Path file) {
        try {
            var attributes = Files.readAttributes(file, "unix:ino,size,lastModifiedTime", LinkOption.NOFOLLOW_LINKS);
            return Optional.of(List.of(attributes.get("ino"), attributes.get("size"), attributes.get("lastModifiedTime")));
        } catch (IOException | UnsupportedOperationException e) {
            return Optional.empty();
        }
    }

    /** The lock file's inode: the keeper touches it, so its time tells nothing. */
    private static Optional<Object> inode(Path file) {
        try {
            return Optional.of(Files.getAttribute(file, "unix:ino", LinkOption.NOFOLLOW_LINKS));
        } catch (IOException | UnsupportedOperationException e) {
            return Optional.empty();
        }
    }
}
