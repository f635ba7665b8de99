package gpbackup.s3plugin.command.plugin;

import java.time.Duration;
import java.util.Locale;

/** The one log line per transfer: bytes, time and throughput. */
final class TransferReport {
    private TransferReport() {
    }

    static String line(String verb, long bytes, String name, long startNanos) {
        Duration elapsed = Duration.ofNanos(System.nanoTime() - startNanos);
        double seconds = Math.max(elapsed.toNanos() / 1e9, 1e-9);
        return String.format(Locale.ROOT, "%s %d bytes for %s in %.3f s (%.1f MB/s)",
                verb, bytes, name, seconds, bytes / seconds / 1e6);
    }
}
