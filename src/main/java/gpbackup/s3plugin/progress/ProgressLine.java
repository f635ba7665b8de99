package gpbackup.s3plugin.progress;

import java.io.PrintStream;
import java.time.Clock;
import java.util.Locale;

/**
 * The live line a person sees on a terminal: task, bytes done, of the total when known, rate and
 * ETA, rewritten in place with a carriage return at most four times a second, and ended with a
 * newline on close. Callers may advance it from several threads.
 */
final class ProgressLine implements Progress {
    /** The least time between two drawings: a terminal over ssh should not be flooded. */
    static final long INTERVAL_MILLIS = 250;
    /**
     * The widest line: one that wraps on an 80-column terminal cannot be rewritten in place, so a
     * long task gives up its start and keeps its end (the file name, which tells most).
     */
    static final int WIDTH = 79;
    /** The least a task keeps of itself, however long the rest of the line. */
    static final int TASK_MIN = 16;

    private final PrintStream terminal;
    private final Clock clock;
    private final String task;
    private final long total;
    private final long startMillis;
    private long done;
    private long drawnMillis;
    private int drawnWidth;
    private boolean closed;

    ProgressLine(PrintStream terminal, Clock clock, String task, long totalBytes) {
        this.terminal = terminal;
        this.clock = clock;
        this.task = task;
        this.total = totalBytes;
        this.startMillis = clock.millis();
        this.drawnMillis = startMillis;
    }

    @Override
    public synchronized void advance(long bytes) {
        if (closed) {
            return;
        }
        done += bytes;
        long now = clock.millis();
        if (now - drawnMillis >= INTERVAL_MILLIS) {
            draw(now, false);
        }
    }

    /** Blanks over the drawn line and returns to its start; no escape sequence, any terminal. */
    @Override
    public synchronized void clear() {
        if (closed || drawnWidth == 0) {
            return;
        }
        terminal.print("\r" + " ".repeat(drawnWidth) + "\r");
        terminal.flush();
        drawnWidth = 0;
    }

    /** Draws the final state, whatever the time since the last drawing, and ends the line. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        draw(clock.millis(), true);
    }

    private void draw(long now, boolean last) {
        String line = text(Math.max(0, now - startMillis), last);
        // Blanks over what a longer previous line left behind; no escape sequence, any terminal.
        String blanks = " ".repeat(Math.max(0, drawnWidth - line.length()));
        terminal.print("\r" + line + blanks + (last ? "\n" : ""));
        terminal.flush();
        drawnMillis = now;
        drawnWidth = line.length();
    }

    private String text(long elapsedMillis, boolean last) {
        StringBuilder line = new StringBuilder(": ").append(ByteUnits.of(done));
        if (total >= 0) {
            line.append(" of ").append(ByteUnits.of(total));
            if (total > 0) {
                line.append(" (").append(Math.min(100, done * 100 / total)).append("%)");
            }
        }
        double rate = elapsedMillis > 0 ? done * 1000.0 / elapsedMillis : 0;
        if (elapsedMillis > 0) {
            line.append(", ").append(ByteUnits.of((long) rate)).append("/s");
        }
        if (last) {
            line.append(", in ").append(duration(elapsedMillis / 1000));
        } else if (total >= 0 && rate > 0) {
            line.append(", ETA ").append(duration((long) Math.ceil(Math.max(0, total - done) / rate)));
        }
        int room = Math.max(TASK_MIN, WIDTH - line.length());
        return (task.length() <= room ? task : "..." + task.substring(task.length() - room + 3)) + line;
    }

    /** {@code 0:07}, {@code 12:34}, {@code 1:02:03}. */
    static String duration(long seconds) {
        long h = seconds / 3600;
        long m = seconds / 60 % 60;
        long s = seconds % 60;
        return h > 0 ? String.format(Locale.ROOT, "%d:%02d:%02d", h, m, s)
                : String.format(Locale.ROOT, "%d:%02d", m, s);
    }
}
