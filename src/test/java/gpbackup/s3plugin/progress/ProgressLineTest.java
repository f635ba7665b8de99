package gpbackup.s3plugin.progress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** The live line on a terminal: its text, its throttle, its end; and the silence elsewhere. */
class ProgressLineTest {
    private static final long MIB = 1 << 20;

    private final ByteArrayOutputStream terminal = new ByteArrayOutputStream();
    private final PrintStream stream = new PrintStream(terminal, true, StandardCharsets.UTF_8);
    private final StepClock clock = new StepClock();

    private String shown() {
        return terminal.toString(StandardCharsets.UTF_8);
    }

    @Test
    void theLineShowsBytesOfTheTotalRateAndEta() {
        Progress progress = ProgressDisplay.terminal(stream, clock).start("restore_data gp_0_1_16384", 400 * MIB);
        clock.advance(1000);
        progress.advance(100 * MIB);
        assertEquals("\rrestore_data gp_0_1_16384: 100.0 MiB of 400.0 MiB (25%), 100.0 MiB/s, ETA 0:03",
                shown());
    }

    @Test
    void withoutATotalTheLineShowsBytesAndRateButNoEta() {
        Progress progress = ProgressDisplay.terminal(stream, clock).start("backup_data t", -1);
        clock.advance(2000);
        progress.advance(3 * MIB);
        assertEquals("\rbackup_data t: 3.0 MiB, 1.5 MiB/s", shown());
    }

    @Test
    void theLineIsDrawnAtMostFourTimesASecond() {
        Progress progress = ProgressDisplay.terminal(stream, clock).start("t", 1000);
        progress.advance(1);
        clock.advance(249);
        progress.advance(1);
        assertEquals("", shown(), "nothing within the first 250 ms");
        clock.advance(1);
        progress.advance(1);
        assertEquals(1, draws());
        for (int i = 0; i < 24; i++) {
            clock.advance(10);
            progress.advance(1);
        }
        assertEquals(1, draws(), "240 ms after the last drawing: still one");
        clock.advance(10);
        progress.advance(1);
        assertEquals(2, draws());
    }

    @Test
    void closeDrawsTheFinalStateAndEndsTheLineOnce() {
        Progress progress = ProgressDisplay.terminal(stream, clock).start("t", 2048);
        clock.advance(300);
        progress.advance(1024);
        clock.advance(100);
        progress.advance(1024);
        clock.advance(1600);
        progress.close();
        progress.close();
        progress.advance(5);
        assertEquals("\rt: 1.0 KiB of 2.0 KiB (50%), 3.3 KiB/s, ETA 0:01"
                + "\rt: 2.0 KiB of 2.0 KiB (100%), 1.0 KiB/s, in 0:02\n", shown());
    }

    @Test
    void clearBlanksTheDrawnLineAndTheNextDrawingStartsAfresh() {
        Progress progress = ProgressDisplay.terminal(stream, clock).start("t", 2048);
        progress.clear();
        assertEquals("", shown(), "nothing drawn, nothing to clear");
        clock.advance(1000);
        progress.advance(1024);
        progress.clear();
        progress.clear();
        String drawn = "\rt: 1.0 KiB of 2.0 KiB (50%), 1.0 KiB/s, ETA 0:01";
        assertEquals(drawn + "\r" + " ".repeat(drawn.length() - 1) + "\r", shown(), "blanked once");
        clock.advance(1000);
        progress.close();
        assertTrue(shown().endsWith("\r\rt: 1.0 KiB of 2.0 KiB (50%), 512 B/s, in 0:02\n"),
                "no blanks left to write after a clear: " + shown());
    }

    @Test
    void aShorterLineBlanksWhatTheLongerOneLeft() {
        Progress progress = ProgressDisplay.terminal(stream, clock).start("t", -1);
        clock.advance(1000);
        progress.advance(2000 * MIB);
        clock.advance(1000);
        progress.advance(0);
        String[] lines = shown().split("\r", -1);
        assertEquals("t: 2.0 GiB, 2.0 GiB/s", lines[1]);
        assertEquals("t: 2.0 GiB, 1000.0 MiB/s", lines[2]);
        assertTrue(lines[2].length() >= lines[1].length());
    }

    @Test
    void aLongTaskGivesUpItsStartSoTheLineFitsEightyColumns() {
        String task = "restore_data_subset gpbackup_0_20240101120000_16384.gz";
        Progress progress = ProgressDisplay.terminal(stream, clock).start(task, 5L << 40);
        clock.advance(1000);
        progress.advance(1000 * MIB);
        String rest = ": 1000.0 MiB of 5.0 TiB (0%), 1000.0 MiB/s, ETA 1:27:22";
        String kept = task.substring(task.length() - (ProgressLine.WIDTH - rest.length() - 3));
        assertEquals("\r..." + kept + rest, shown());
        assertEquals(ProgressLine.WIDTH, shown().length() - 1);
    }

    @Test
    void unitsAndDurationsReadAsAPersonWritesThem() {
        assertEquals("0 B", ByteUnits.of(0));
        assertEquals("1023 B", ByteUnits.of(1023));
        assertEquals("1.0 KiB", ByteUnits.of(1024));
        assertEquals("1.5 GiB", ByteUnits.of(3L << 29));
        assertEquals("8.0 EiB", ByteUnits.of(Long.MAX_VALUE));
        assertEquals("0:07", ProgressLine.duration(7));
        assertEquals("12:34", ProgressLine.duration(754));
        assertEquals("1:02:03", ProgressLine.duration(3723));
    }

    @Test
    void theSilentDisplayWritesNothingAndLeavesStreamsAlone() throws IOException {
        Progress progress = ProgressDisplay.none().start("t", 10);
        InputStream in = new ByteArrayInputStream(new byte[10]);
        OutputStream out = new ByteArrayOutputStream();
        assertSame(in, ProgressStreams.counting(in, progress));
        assertSame(out, ProgressStreams.counting(out, progress));
        progress.advance(10);
        progress.close();
        assertEquals("", shown());
    }

    @Test
    void countingStreamsAdvanceByWhatPasses() throws IOException {
        Progress progress = ProgressDisplay.terminal(stream, clock).start("t", -1);
        ProgressStreams.counting(new ByteArrayInputStream(new byte[3000]), progress).readAllBytes();
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        try (OutputStream out = ProgressStreams.counting(sink, progress)) {
            out.write(new byte[1000], 0, 1000);
            out.write(1);
        }
        progress.close();
        assertEquals(1001, sink.size());
        assertEquals("\rt: 3.9 KiB, in 0:00\n", shown());
    }

    private int draws() {
        return (int) shown().chars().filter(c -> c == '\r').count();
    }

    /** A clock that moves only when the test says. */
    private static final class StepClock extends Clock {
        private long millis = 1_700_000_000_000L;

        void advance(long by) {
            millis += by;
        }

        @Override
        public long millis() {
            return millis;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }
}
