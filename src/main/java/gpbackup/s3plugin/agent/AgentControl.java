package gpbackup.s3plugin.agent;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/** What the setup and cleanup hooks do about a host agent: start one, or stop it. */
public final class AgentControl {
    private AgentControl() {
    }

    /**
     * Starts an agent for the directory, detached from the caller (a new session, no inherited
     * streams: ssh waits for those), unless one already serves it; returns at once.
     *
     * @param launcher the plugin's launcher, which knows the JVM and its options
     * @return whether a new agent was started
     */
    public static boolean start(AgentDirectory dir, Path launcher, String configPath) throws IOException {
        dir.createPrivate();
        if (isServed(dir)) {
            return false;
        }
        new ProcessBuilder("setsid", launcher.toString(), "agent_serve", configPath, dir.path().toString())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        return true;
    }

    /**
     * Stops every agent of the family: the directories whose name starts with {@code family}'s,
     * that is, agents of the same config path, user and environment, whatever the config's content
     * or the jar was when they started. Each is asked to stop through its FIFO, or sent SIGTERM
     * when it has none; each line of what happened goes to {@code log}. Returns how many stopped.
     */
    public static int stopFamily(Path family, Duration patience, Consumer<String> log) throws IOException {
        Path base = family.getParent();
        if (!Files.isDirectory(base, LinkOption.NOFOLLOW_LINKS)) {
            log.accept("no host agent to stop: " + base + " does not exist");
            return 0;
        }
        new AgentDirectory(family).checkParentPrivate();
        List<AgentDirectory> members = new ArrayList<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(base, family.getFileName() + "*")) {
            dirs.forEach(d -> members.add(new AgentDirectory(d)));
        }
        int stopped = 0;
        for (AgentDirectory member : members) {
            stopped += stop(member, patience, log) ? 1 : 0;
        }
        if (stopped == 0) {
            log.accept("no host agent to stop under " + family + "*: none is running (it exited when idle, or"
                    + " none was started)");
        }
        return stopped;
    }

    /**
     * Asks the directory's agent to stop and waits until it has exited; it first finishes the
     * calls in flight. Returns whether an agent was found.
     */
    static boolean stop(AgentDirectory dir, Duration patience, Consumer<String> log) throws IOException {
        dir.checkPrivate();
        Optional<ProcessHandle> agent = AgentProcesses.find(dir);
        if (agent.isEmpty()) {
            return false;
        }
        if (!Files.exists(dir.pidFile())) {
            log.accept("host agent " + agent.get().pid() + " in " + dir.path() + " had no pid file; found it by its"
                    + " command line");
        }
        if (!askToStop(dir)) {
            log.accept("host agent " + agent.get().pid() + " in " + dir.path() + " has no request FIFO; sending it"
                    + " SIGTERM");
            agent.get().destroy();
        }
        try {
            agent.get().onExit().get(patience.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException("host agent " + agent.get().pid() + " did not exit within "
                    + patience.toSeconds() + " s; it exits by itself when its calls end", e);
        }
        log.accept("stopped the host agent " + agent.get().pid() + " in " + dir.path());
        return true;
    }

    /**
     * Writes {@code stop} into the agent's FIFO, opened without creating it (a removed FIFO must
     * not become a regular file) and without blocking. Returns false when there is no FIFO.
     */
    private static boolean askToStop(AgentDirectory dir) {
        if (!Files.exists(dir.requests(), LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        try {
            if (!AgentDirectory.isOwnFifo(dir.requests())) {
                return false;
            }
            // Read-write: a FIFO opened so never waits for the other end.
            try (FileChannel requests = FileChannel.open(dir.requests(), StandardOpenOption.READ,
                    StandardOpenOption.WRITE)) {
                requests.write(ByteBuffer.wrap((FifoLine.stop().line() + "\n").getBytes(StandardCharsets.US_ASCII)));
            }
            return true;
        } catch (IOException gone) {
            return false;
        }
    }

    /**
     * Whether an agent serves the directory: a live process holds its lock (the kernel drops it
     * when the holder dies), or, should the lock file have been removed, a live agent process
     * names the directory on its command line.
     */
    static boolean isServed(AgentDirectory dir) throws IOException {
        try (FileChannel lockFile = dir.openLock(); FileLock lock = lockFile.tryLock()) {
            if (lock == null) {
                return true;
            }
        }
        return AgentProcesses.find(dir).isPresent();
    }
}
