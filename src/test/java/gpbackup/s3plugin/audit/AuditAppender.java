package gpbackup.s3plugin.audit;

import gpbackup.s3plugin.s3.RequestRecord;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Appends audit lines from many threads, as a busy plugin process or host agent does; run in
 * this JVM and as separate processes by {@link AuditConcurrencyTest}. Each line's key says who
 * wrote it ({@code writer/thread/seq}) and is padded to a length that varies up to ~12 KB, far
 * past PIPE_BUF and a page, where a split write would show.
 */
public final class AuditAppender {
    private AuditAppender() {
    }

    /** Arguments: FILE WRITER THREADS LINES_PER_THREAD. */
    public static void main(String[] args) throws Exception {
        append(Path.of(args[0]), args[1], Integer.parseInt(args[2]), Integer.parseInt(args[3]));
    }

    /**
     * Half of the threads share one call's trail, the other half each have their own (the host
     * agent's concurrent calls): both must keep lines whole.
     */
    static void append(Path file, String writer, int threads, int linesPerThread) throws InterruptedException {
        CallAudit shared = CallAudit.to(file, new CallIdentity("host-" + writer, 1, "backup_data", Optional.empty()),
                warning -> {
                    throw new AssertionError(warning);
                });
        List<Thread> running = new ArrayList<>();
        List<Throwable> failures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            Thread worker = new Thread(() -> {
                CallAudit own = thread % 2 == 0 ? shared : CallAudit.to(file,
                        new CallIdentity("host-" + writer, 2 + thread, "restore_data", Optional.empty()), warning -> {
                            throw new AssertionError(warning);
                        });
                for (int seq = 0; seq < linesPerThread; seq++) {
                    own.ended(record(writer + "/" + thread + "/" + seq));
                }
                if (own != shared) {
                    own.close();
                }
            });
            worker.setUncaughtExceptionHandler((th, e) -> {
                synchronized (failures) {
                    failures.add(e);
                }
            });
            running.add(worker);
            worker.start();
        }
        for (Thread worker : running) {
            worker.join();
        }
        shared.close();
        if (!failures.isEmpty()) {
            throw new AssertionError("a writer failed", failures.get(0));
        }
    }

    private static RequestRecord record(String id) {
        int padding = Math.floorMod(id.hashCode(), 12_000);
        String key = id + "|" + "é\"\n".repeat(padding / 4);
        return new RequestRecord(Instant.now(), "UploadPart", "PUT", "bucket", key, Optional.empty(), 200,
                Optional.empty(), 1, 0, Duration.ofMillis(1), 0, Optional.empty(), Optional.empty(),
                Optional.of("AKID"));
    }
}
