package gpbackup.s3plugin.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The adaptive window's search and bounds, on a clock moved by hand: no request, no sleep. */
class InFlightWindowTest {
    private static final long PIECE = 8L << 20;
    private long now;

    /** Runs one round of the window's current size at {@code bytesPerSecond}, as its pieces arrive. */
    private void round(InFlightWindow window, double bytesPerSecond) {
        int pieces = 2 * window.size();
        for (int i = 0; i < pieces; i++) {
            now += (long) (PIECE / bytesPerSecond * 1e9);
            window.done(PIECE);
        }
    }

    @Test
    void itStartsWithAFewRequests() {
        assertEquals(4, new InFlightWindow(16, () -> now).size());
        assertEquals(2, new InFlightWindow(2, () -> now).size(), "never above its bound");
        assertEquals(1, new InFlightWindow(0, () -> now).size(), "never below one");
    }

    @Test
    void onAWanItDoublesWhileEachDoublingPaysUpToItsBound() {
        // 40 MB/s a connection, a 500 MB/s link: 4 -> 160, 8 -> 320, 16 -> 500.
        InFlightWindow window = new InFlightWindow(16, () -> now);
        round(window, 160e6);
        assertEquals(8, window.size());
        round(window, 320e6);
        assertEquals(16, window.size());
        round(window, 500e6);
        round(window, 500e6);
        assertEquals(16, window.size(), "held at the bound");
    }

    @Test
    void whereAFewRequestsFillTheLinkItStepsBackAndStays() {
        // A 1 GbE LAN: 117 MB/s with 4 requests or 8.
        InFlightWindow window = new InFlightWindow(16, () -> now);
        round(window, 117e6);
        assertEquals(8, window.size(), "tries twice as many");
        round(window, 118e6);
        assertEquals(4, window.size(), "no gain: back to the smaller window");
        round(window, 400e6);
        assertEquals(4, window.size(), "settled: later speed changes nothing");
    }

    @Test
    void aDoublingThatPaysLessThanTheGainIsUndone() {
        InFlightWindow window = new InFlightWindow(32, () -> now);
        round(window, 100e6);
        round(window, 200e6);
        assertEquals(16, window.size());
        round(window, 210e6);
        assertEquals(8, window.size(), "5% more is not worth twice the memory");
    }

    @Test
    void aSmallTransferNeverCompletesARoundAndKeepsTheStart() {
        InFlightWindow window = new InFlightWindow(16, () -> now);
        for (int i = 0; i < 7; i++) {
            now += 1_000_000;
            window.done(PIECE);
        }
        assertEquals(4, window.size());
    }
}
