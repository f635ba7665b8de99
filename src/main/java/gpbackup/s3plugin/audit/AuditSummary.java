package gpbackup.s3plugin.audit;

import gpbackup.s3plugin.json.FlatJson;
import gpbackup.s3plugin.json.JsonText;
import gpbackup.s3plugin.progress.ByteUnits;
import gpbackup.s3plugin.transfer.DigestRecord;
import java.io.BufferedReader;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Turns an audit trail into one summary per backup: what was written and read, how many requests
 * it took, which failed or were retried, and the slowest. What {@code gpbackup_s3_plugin
 * audit_summary FILE} prints (spec/commands.md).
 */
public final class AuditSummary {
    static final int SLOWEST = 5;
    /** Requests that belong to no backup (listing the folder, a probe): summarised under this name. */
    static final String NO_BACKUP = "(no backup)";
    /**
     * The launcher's JIT warm-up on Java 25+ (spec/performance.md): it writes, reads and deletes a
     * scratch object with the DBA's config. Its requests are in the trail, but its bytes and object
     * are not the backup's.
     */
    static final String WARM_UP = "aot_training";

    /** Oldest backup first, the requests of no backup last. */
    private final Map<String, Backup> backups = new TreeMap<>(
            Comparator.comparing((String timestamp) -> timestamp.equals(NO_BACKUP)).thenComparing(t -> t));
    private long lines;
    private long unreadable;

    /** Reads every line of {@code in}; a line that is not an audit line is counted, not fatal. */
    public static AuditSummary read(BufferedReader in) throws IOException {
        AuditSummary summary = new AuditSummary();
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            if (line.isBlank()) {
                continue;
            }
            summary.lines++;
            FlatJson.lenient(line).flatMap(Request::from).ifPresentOrElse(summary::add, () -> summary.unreadable++);
        }
        return summary;
    }

    private void add(Request request) {
        backups.computeIfAbsent(request.backup(), Backup::new).add(request);
    }

    /** The summary as people read it. */
    public String render() {
        StringBuilder out = new StringBuilder();
        out.append(lines).append(" line(s), ").append(backups.size()).append(" backup(s)");
        if (unreadable > 0) {
            out.append("; ").append(unreadable).append(" line(s) unreadable (torn by a full disk, or not audit lines)");
        }
        out.append('\n');
        for (Backup backup : backups.values()) {
            out.append('\n');
            backup.render(out);
        }
        return out.toString();
    }

    /** One request as read from its line. */
    private record Request(String time, String host, long pid, String command, String backup, String op,
                           String key, int status, String error, long bytesSent, long bytesReceived,
                           long durationMs, long retries) {
        Request(Map<String, Object> line) {
            this(text(line, "time"), text(line, "host"), number(line, "pid"), text(line, "command"),
                    line.get("backup") == null ? NO_BACKUP : text(line, "backup"), text(line, "op"),
                    text(line, "key"), (int) number(line, "status"), (String) line.get("error"),
                    number(line, "bytes_sent"), number(line, "bytes_received"), number(line, "duration_ms"),
                    number(line, "retries"));
        }

        /** The request a line's members describe; empty when one is missing or of another type. */
        static Optional<Request> from(Map<String, Object> line) {
            try {
                return Optional.of(new Request(line));
            } catch (IllegalArgumentException | ClassCastException e) {
                return Optional.empty();
            }
        }

        private static String text(Map<String, Object> line, String name) {
            Object value = line.get(name);
            if (!(value instanceof String s)) {
                throw new IllegalArgumentException("no " + name);
            }
            return s;
        }

        private static long number(Map<String, Object> line, String name) {
            Object value = line.get(name);
            if (!(value instanceof Long n)) {
                throw new IllegalArgumentException("no " + name);
            }
            return n;
        }

        boolean ok() {
            return error == null;
        }
    }

    /** The requests of one backup, added up. */
    private static final class Backup {
        private final String timestamp;
        private final Set<String> written = new HashSet<>();
        private final Set<String> read = new HashSet<>();
        private final Set<String> hosts = new HashSet<>();
        private final Set<String> processes = new HashSet<>();
        private final Map<String, Long> commands = new TreeMap<>();
        private final List<Request> slowest = new ArrayList<>();
        private String first;
        private String last;
        private long requests;
        private long bytesUp;
        private long bytesDown;
        private long failed;
        private long notFound;
        private long retries;

        Backup(String timestamp) {
            this.timestamp = timestamp;
        }

        void add(Request r) {
            requests++;
            retries += r.retries();
            hosts.add(r.host());
            processes.add(r.host() + ":" + r.pid());
            commands.merge(r.command(), 1L, Long::sum);
            first = first == null || r.time().compareTo(first) < 0 ? r.time() : first;
            last = last == null || r.time().compareTo(last) > 0 ? r.time() : last;
            if (r.command().equals(WARM_UP) && r.ok()) {
                // counted as a request above, not as the backup's objects or bytes
            } else if (!r.ok()) {
                // A 404 is often a command's own question (restore looks for the Go plugin's key too).
                if (r.status() == 404) {
                    notFound++;
                } else {
                    failed++;
                }
            } else {
                switch (r.op()) {
                    case "PutObject" -> {
                        // A multipart object's digest record is not a file of the backup.
                        if (!r.key().endsWith(DigestRecord.KEY_SUFFIX)) {
                            written.add(r.key());
                        }
                        bytesUp += r.bytesSent();
                    }
                    case "UploadPart" -> bytesUp += r.bytesSent();
                    case "CompleteMultipartUpload" -> written.add(r.key());
                    case "GetObject" -> {
                        read.add(r.key());
                        bytesDown += r.bytesReceived();
                    }
                    // An object deleted later (the setup hook's probe, a pruned backup) is no longer written.
                    case "DeleteObject" -> written.remove(r.key());
                    default -> { }
                }
            }
            slowest.add(r);
            slowest.sort(Comparator.comparingLong(Request::durationMs).reversed());
            if (slowest.size() > SLOWEST) {
                slowest.remove(SLOWEST);
            }
        }

        void render(StringBuilder out) {
            out.append("backup ").append(timestamp).append("   ").append(first).append(" .. ").append(last)
                    .append('\n');
            out.append("  hosts ").append(hosts.size()).append(", processes ").append(processes.size())
                    .append(", commands: ");
            List<String> counted = new ArrayList<>();
            commands.forEach((command, n) -> counted.add(command + " " + n));
            out.append(String.join(", ", counted)).append('\n');
            out.append("  objects written ").append(written.size()).append(", ").append(ByteUnits.of(bytesUp)).append(" up")
                    .append("; objects read ").append(read.size()).append(", ").append(ByteUnits.of(bytesDown))
                    .append(" down\n");
            out.append("  requests ").append(requests).append(", failed ").append(failed).append(", not found ")
                    .append(notFound).append(", retries ").append(retries).append('\n');
            out.append("  slowest:\n");
            for (Request r : slowest) {
                out.append(String.format(Locale.ROOT, "    %7d ms  %-23s %3d%s  %s  (%s, pid %d on %s)%n",
                        r.durationMs(), r.op(), r.status(), r.ok() ? "" : " " + shown(r.error()), shown(r.key()), shown(r.command()),
                        r.pid(), shown(r.host())));
            }
        }
    }

    /** Text from the file as one line: a key may hold a newline, and the summary's lines must stay whole. */
    private static String shown(String text) {
        if (text.chars().noneMatch(c -> c < 0x20 || c == 0x7f)) {
            return text;
        }
        return JsonText.quote(text);
    }
}
