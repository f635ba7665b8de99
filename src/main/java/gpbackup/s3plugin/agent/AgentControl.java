package gpbackup.s3plugin.agent;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

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
     * Asks the directory's agent to stop and waits until it has exited; it first finishes the
     * calls in flight. Returns whether an agent was found.
     */
    public static boolean stop(AgentDirectory dir, Duration patience) throws IOException {
        dir.checkPrivate();
        Optional<ProcessHandle> agent = servingAgent(dir, patience);
        if (agent.isEmpty()) {
            return false;
        }
        try (RandomAccessFile requests = new RandomAccessFile(dir.requests().toFile(), "rw")) {
            requests.write((Request.stop().line() + "\n").getBytes(StandardCharsets.US_ASCII));
        } catch (NoSuchFileException | java.io.FileNotFoundException stopping) {
            // it is already on its way out
        }
        try {
            agent.get().onExit().get(patience.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException("host agent " + agent.get().pid() + " did not exit within "
                    + patience.toSeconds() + " s; it exits by itself when its calls end", e);
        }
        return true;
    }

    /**
     * The live agent that holds the directory's lock, if any; one that is still starting (locked,
     * pid not yet published) is waited for, so a cleanup right after its setup still stops it.
     */
    private static Optional<ProcessHandle> servingAgent(AgentDirectory dir, Duration patience) throws IOException {
        long deadline = System.nanoTime() + patience.toNanos();
        while (isServed(dir)) {
            try {
                long pid = Long.parseLong(Files.readString(dir.pidFile(), StandardCharsets.US_ASCII).strip());
                return ProcessHandle.of(pid);
            } catch (NoSuchFileException | NumberFormatException notPublished) {
                if (System.nanoTime() > deadline) {
                    return Optional.empty();
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return Optional.empty();
                }
            }
        }
        return Optional.empty();
    }

    /** Whether a live process holds the directory's lock: the kernel drops it when the holder dies. */
    static boolean isServed(AgentDirectory dir) throws IOException {
        try (FileChannel lockFile = dir.openLock(); FileLock lock = lockFile.tryLock()) {
            return lock == null;
        }
    }
}
