package gpbackup.s3plugin.command.verify;

import gpbackup.s3plugin.command.verify.ObjectVerdict.Status;
import gpbackup.s3plugin.json.JsonText;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** {@code verify}'s answer: one line per key and a summary, as text for people or JSON for scripts. */
final class VerifyReport {
    /** Keys named in the one stderr line at most; the report names all. */
    private static final int NAMED = 3;

    private final String timestamp;
    private final String location;
    private final List<ObjectVerdict> verdicts;
    private final long millis;
    private final Map<Status, Integer> counts = new EnumMap<>(Status.class);

    VerifyReport(String timestamp, String location, List<ObjectVerdict> verdicts, long millis) {
        this.timestamp = timestamp;
        this.location = location;
        this.verdicts = verdicts.stream().sorted(Comparator.comparing(ObjectVerdict::key)).toList();
        this.millis = millis;
        for (Status status : Status.values()) {
            counts.put(status, 0);
        }
        this.verdicts.forEach(v -> counts.merge(v.status(), 1, Integer::sum));
    }

    /** Whether every key was there and proved. */
    boolean intact() {
        return counts.get(Status.OK) == verdicts.size();
    }

    private long bytes() {
        return verdicts.stream().mapToLong(v -> Math.max(0, v.size())).sum();
    }

    String summary() {
        List<String> parts = new ArrayList<>();
        for (Status status : Status.values()) {
            if (counts.get(status) > 0 || status == Status.OK) {
                parts.add(counts.get(status) + " " + status.word());
            }
        }
        return verdicts.size() + " keys, " + bytes() + " bytes, " + millis + " ms: " + String.join(", ", parts)
                + (intact() ? "; the backup is intact" : "; the backup is NOT proven intact");
    }

    /** For the one stderr line: how many of each kind of trouble, and the first keys. */
    String failures() {
        List<String> parts = new ArrayList<>();
        for (Status status : List.of(Status.FAILED, Status.MISSING, Status.ERROR, Status.UNPROVEN)) {
            List<String> keys = verdicts.stream().filter(v -> v.status() == status).map(ObjectVerdict::key).toList();
            if (!keys.isEmpty()) {
                parts.add(keys.size() + " " + status.word() + " (" + String.join(", ", keys.subList(0, Math.min(NAMED,
                        keys.size()))) + (keys.size() > NAMED ? ", …" : "") + ")");
            }
        }
        return String.join("; ", parts);
    }

    String text() {
        StringBuilder out = new StringBuilder("backup ").append(timestamp).append(" at ").append(location).append('\n');
        int keyWidth = verdicts.stream().mapToInt(v -> v.key().length()).max().orElse(0);
        for (ObjectVerdict v : verdicts) {
            List<String> said = new ArrayList<>(v.checks());
            v.problem().ifPresent(p -> said.add(v.status() == Status.OK ? p : "→ " + p));
            out.append(String.format("%-8s %12s  %-" + keyWidth + "s  %s%n", v.status().name(),
                    v.size() < 0 ? "-" : Long.toString(v.size()), v.key(), String.join("; ", said)));
        }
        return out.append(summary()).append('\n').toString();
    }

    String json() {
        StringBuilder out = new StringBuilder("{\"backup\":").append(JsonText.quote(timestamp))
                .append(",\"location\":").append(JsonText.quote(location))
                .append(",\"intact\":").append(intact())
                .append(",\"bytes\":").append(bytes())
                .append(",\"millis\":").append(millis)
                .append(",\"counts\":{");
        out.append(counts.entrySet().stream().map(e -> JsonText.quote(e.getKey().word()) + ":" + e.getValue())
                .collect(Collectors.joining(",")));
        out.append("},\"objects\":[");
        for (int i = 0; i < verdicts.size(); i++) {
            ObjectVerdict v = verdicts.get(i);
            out.append(i == 0 ? "" : ",").append("{\"key\":").append(JsonText.quote(v.key()))
                    .append(",\"size\":").append(v.size() < 0 ? "null" : Long.toString(v.size()))
                    .append(",\"status\":").append(JsonText.quote(v.status().word()))
                    .append(",\"checks\":[").append(v.checks().stream().map(JsonText::quote)
                            .collect(Collectors.joining(","))).append(']')
                    .append(",\"problem\":").append(v.problem().map(JsonText::quote).orElse("null"))
                    .append('}');
        }
        return out.append("]}\n").toString();
    }
}
