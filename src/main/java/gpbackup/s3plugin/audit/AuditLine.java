package gpbackup.s3plugin.audit;

import gpbackup.s3plugin.json.JsonText;
import gpbackup.s3plugin.s3.RequestRecord;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Optional;

/**
 * One request of the audit trail as one line of JSON (spec/layout.md, "The audit trail"): every
 * member always present, null where there is nothing to say, so that {@code jq} and the summary
 * find the same keys on every line. Non-ASCII text is written as UTF-8, readable with grep;
 * quotes, backslashes, control characters and unpaired surrogates are escaped, so a key holding a
 * newline never splits a line.
 */
final class AuditLine {
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private AuditLine() {
    }

    /** The line for {@code record}, made by {@code call}, ending in a newline. */
    static String format(CallIdentity call, Optional<String> backup, RequestRecord record) {
        StringBuilder line = new StringBuilder(512).append('{');
        member(line, "time", TIME.format(record.started()));
        member(line, "host", call.host());
        line.append(",\"pid\":").append(call.pid());
        member(line, "command", call.command());
        member(line, "backup", backup.orElse(null));
        member(line, "op", record.operation());
        member(line, "method", record.method());
        member(line, "bucket", record.bucket());
        member(line, "key", record.key());
        member(line, "range", record.range().orElse(null));
        line.append(",\"status\":").append(record.status());
        member(line, "error", record.error().orElse(null));
        line.append(",\"bytes_sent\":").append(record.bytesSent());
        line.append(",\"bytes_received\":").append(record.bytesReceived());
        line.append(",\"duration_ms\":").append(record.duration().toMillis());
        line.append(",\"retries\":").append(record.retries());
        member(line, "request_id", record.requestId().orElse(null));
        member(line, "id_2", record.extendedId().orElse(null));
        member(line, "access_key_id", record.accessKeyId().orElse(null));
        return line.append("}\n").toString();
    }

    private static void member(StringBuilder line, String name, String value) {
        if (line.length() > 1) {
            line.append(',');
        }
        line.append('"').append(name).append("\":");
        if (value == null) {
            line.append("null");
        } else {
            JsonText.quote(line, value);
        }
    }
}
