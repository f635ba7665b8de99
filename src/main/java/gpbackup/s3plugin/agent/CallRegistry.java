package gpbackup.s3plugin.agent;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** The agent's calls in flight: whether it still takes new ones, when it was last busy, and their threads. */
public final class CallRegistry {
    private final Set<Thread> running = new LinkedHashSet<>();
    private boolean accepting = true;
    private long lastActive = System.nanoTime();

    /** Records a call about to start on {@code thread}; false once the agent takes no more calls. */
    synchronized boolean begin(Thread thread) {
        if (!accepting) {
            return false;
        }
        running.add(thread);
        return true;
    }

    synchronized void ended(Thread thread) {
        running.remove(thread);
        lastActive = System.nanoTime();
        notifyAll();
    }

    synchronized void stopAccepting() {
        accepting = false;
    }

    synchronized boolean idleFor(Duration timeout) {
        return running.isEmpty() && System.nanoTime() - lastActive >= timeout.toNanos();
    }

    synchronized void awaitNone() throws InterruptedException {
        while (!running.isEmpty()) {
            wait();
        }
    }

    /**
     * Takes no more calls and interrupts those in flight, which then fail and answer their clients
     * (an upload aborts, spec/s3.md); waits up to {@code patience} for them. Returns how many were cut.
     */
    public int cancelAll(Duration patience) throws InterruptedException {
        List<Thread> cut;
        synchronized (this) {
            accepting = false;
            cut = List.copyOf(running);
        }
        cut.forEach(Thread::interrupt);
        long deadline = System.nanoTime() + patience.toNanos();
        synchronized (this) {
            while (!running.isEmpty()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                wait(Math.max(1, left / 1_000_000));
            }
        }
        return cut.size();
    }
}
