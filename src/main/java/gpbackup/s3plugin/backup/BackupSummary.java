package gpbackup.s3plugin.backup;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * One backup timestamp as the bucket shows it: how many objects and bytes, how many segments wrote
 * data, where its objects are, and what its report says.
 *
 * @param locations the prefixes holding its objects: {@code <folder>/backups/<date>/<ts>/}, and
 *                  {@code <folder>//backups/<date>/<ts>/} for the Go plugin's trailing-slash folder
 * @param segments  the distinct segment content ids (0 and up) seen in file names
 * @param report    the parsed report; empty when there is none or it is empty
 * @param reportEmpty whether the only report found is the empty object a setup probe leaves
 * @param newest      the LastModified of its newest object
 */
public record BackupSummary(String timestamp, long objects, long bytes, int segments, List<String> locations,
                     Optional<BackupReport> report, boolean reportEmpty, Instant newest) {

    /** What a person and a script are told about a backup's state. */
    public enum State {
        SUCCESS("complete: Success"),
        FAILURE("complete: Failure"),
        UNKNOWN("complete: no status in report"),
        /** The report is there but sealed and no key was given: finished, its status unknown. */
        SEALED("complete: report sealed, its status needs the key"),
        INCOMPLETE("incomplete: no report");

        private final String words;

        State(String words) {
            this.words = words;
        }
    }

    public State state() {
        if (report.isEmpty()) {
            return State.INCOMPLETE;
        }
        BackupReport r = report.get();
        return r.sealed() ? State.SEALED : r.succeeded() ? State.SUCCESS : r.failed() ? State.FAILURE : State.UNKNOWN;
    }

    public boolean complete() {
        return state() != State.INCOMPLETE;
    }

    /** The STATUS column: "complete: Success", "complete: Failure: <error>", "incomplete: ...". */
    public String statusText() {
        State state = state();
        if (state == State.INCOMPLETE) {
            return reportEmpty ? "incomplete: empty report (setup probe; in progress or stopped)" : state.words;
        }
        if (state == State.FAILURE) {
            return report.flatMap(BackupReport::error).map(e -> state.words + ": " + e).orElse(state.words);
        }
        return state.words;
    }

    /**
     * Why gpbackup may still be writing it: it has no report and its newest object is younger than
     * {@code grace} at {@code now} (gpbackup writes the report last); empty otherwise.
     */
    public Optional<String> mayBeRunning(Instant now, Duration grace) {
        if (complete() || !newest.isAfter(now.minus(grace))) {
            return Optional.empty();
        }
        return Optional.of("incomplete, may be running: newest object "
                + Math.max(0, Duration.between(newest, now).toMinutes()) + " minutes old");
    }

    /** Whether some of its objects are where the Go plugin put them for a folder ending in "/". */
    boolean inGoTrailingSlashLayout(KeyLayout layout) {
        return locations.stream().anyMatch(layout::inGoTrailingSlashLayout);
    }
}
