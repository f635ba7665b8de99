package gpbackup.s3plugin.command.catalog;

import gpbackup.s3plugin.backup.BackupSummary;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Function;

/**
 * Which backups {@code prune} deletes, decided from the catalog (and, for Object Lock, from what
 * the caller's function says of a candidate): the rule picks the candidates, then protections
 * keep some of them whatever the rule says. Pure, so every retention case is a unit test.
 */
final class PrunePlan {
    private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("uuuuMMddHHmmss")
            .withResolverStyle(ResolverStyle.STRICT);

    /**
     * The retention rule: exactly one of the two is present; an incomplete backup whose newest
     * object is younger than {@code grace} may still be being written and is never deleted.
     */
    record Rule(OptionalInt keepLast, OptionalInt olderThanDays, Duration grace) {
        Rule {
            if (keepLast.isPresent() == olderThanDays.isPresent()) {
                throw new IllegalArgumentException("exactly one of keepLast and olderThanDays");
            }
        }
    }

    enum Action {
        /** The rule selects it and nothing protects it. */
        DELETE,
        /** The rule does not select it. */
        KEEP,
        /** The rule selects it but a protection keeps it. */
        SKIP
    }

    record Decision(BackupSummary backup, Action action, String reason) {
    }

    private PrunePlan() {
    }

    /**
     * @param backups every backup under the folder, in timestamp order
     * @param now     the store's time, which "older than" and the grace count back from, in the zone
     *                gpbackup's timestamps are read in (the cluster's local time, this host's zone)
     * @param locked what locks a backup the rule would delete (its objects' Object Lock), empty
     *               when nothing does; asked only of backups no other protection keeps, since
     *               asking costs a request per object
     */
    static List<Decision> decide(List<BackupSummary> backups, Rule rule, ZonedDateTime now,
                                 Function<BackupSummary, Optional<String>> locked) {
        List<BackupSummary> successes = backups.stream()
                .filter(b -> b.state() == BackupSummary.State.SUCCESS).toList();
        Optional<String> newestSuccess = successes.isEmpty() ? Optional.empty()
                : Optional.of(successes.get(successes.size() - 1).timestamp());
        Optional<String> newestComplete = backups.stream().filter(BackupSummary::complete)
                .map(BackupSummary::timestamp).reduce((a, b) -> b);
        // A report sealed and read without the key says neither how its backup ended nor which
        // older backups it needs (an incremental's restore plan): it and all before it stay.
        Optional<String> newestSealed = backups.stream().filter(b -> b.state() == BackupSummary.State.SEALED)
                .map(BackupSummary::timestamp).reduce((a, b) -> b);

        Map<String, Decision> decisions = new HashMap<>();
        for (BackupSummary backup : backups) {
            decisions.put(backup.timestamp(), byRule(backup, rule, successes, now));
        }
        for (BackupSummary backup : backups) {
            if (decisions.get(backup.timestamp()).action() != Action.DELETE) {
                continue;
            }
            Optional<String> running = backup.mayBeRunning(now.toInstant(), rule.grace());
            if (newestSealed.filter(s -> s.compareTo(backup.timestamp()) >= 0).isPresent()) {
                decisions.put(backup.timestamp(), new Decision(backup, Action.SKIP, backup.state()
                        == BackupSummary.State.SEALED ? "its report is sealed: prune judges it only with the key"
                        : "a newer backup's report is sealed and may be an incremental that needs this one;"
                        + " prune judges them only with the key"));
            } else if (newestSuccess.filter(backup.timestamp()::equals).isPresent()) {
                decisions.put(backup.timestamp(), new Decision(backup, Action.SKIP,
                        "the newest successful backup is never pruned"));
            } else if (!backup.complete()
                    && newestComplete.filter(c -> c.compareTo(backup.timestamp()) > 0).isEmpty()) {
                decisions.put(backup.timestamp(), new Decision(backup, Action.SKIP,
                        "incomplete and newer than every complete backup: it may still be running"));
            } else if (running.isPresent()) {
                decisions.put(backup.timestamp(), new Decision(backup, Action.SKIP, running.get()
                        + ", younger than --grace " + rule.grace().toHours() + " hours"));
            } else {
                // Before the incrementals' pass: a locked incremental keeps its restore plan too.
                Optional<String> lock = locked.apply(backup);
                if (lock.isPresent()) {
                    decisions.put(backup.timestamp(), new Decision(backup, Action.SKIP, lock.get()
                            + "; prune deletes a backup whole or not at all"));
                }
            }
        }
        keepWhatKeptIncrementalsNeed(backups, decisions);
        List<Decision> ordered = new ArrayList<>();
        for (BackupSummary backup : backups) {
            ordered.add(decisions.get(backup.timestamp()));
        }
        return List.copyOf(ordered);
    }

    /**
     * gprestore of an incremental backup reads the TOC and data of every backup in its restore
     * plan (the report's "incremental backup set", the same list as _config.yaml's restoreplan), so
     * each of those stays while the incremental stays. Repeated until nothing changes, since a
     * backup kept this way may be an incremental itself.
     */
    private static void keepWhatKeptIncrementalsNeed(List<BackupSummary> backups, Map<String, Decision> decisions) {
        boolean changed = true;
        while (changed) {
            changed = false;
            for (BackupSummary kept : backups) {
                if (decisions.get(kept.timestamp()).action() == Action.DELETE || kept.report().isEmpty()) {
                    continue;
                }
                for (String needed : kept.report().get().incrementalSet()) {
                    Decision decision = decisions.get(needed);
                    if (decision != null && decision.action() == Action.DELETE) {
                        decisions.put(needed, new Decision(decision.backup(), Action.SKIP,
                                "needed by the incremental backup " + kept.timestamp() + ", which is kept"));
                        changed = true;
                    }
                }
            }
        }
    }

    private static Decision byRule(BackupSummary backup, Rule rule, List<BackupSummary> successes,
                                   ZonedDateTime now) {
        if (rule.keepLast().isPresent()) {
            int n = rule.keepLast().getAsInt();
            if (successes.size() < n) {
                return new Decision(backup, Action.KEEP, "there are only " + successes.size()
                        + " successful backups, not more than --keep-last " + n);
            }
            String line = successes.get(successes.size() - n).timestamp();
            int order = backup.timestamp().compareTo(line);
            if (order < 0) {
                return new Decision(backup, Action.DELETE, "older than the last " + n + " successful backups");
            }
            return new Decision(backup, Action.KEEP, backup.state() == BackupSummary.State.SUCCESS
                    ? "one of the last " + n + " successful backups"
                    : "newer than the oldest of the last " + n + " successful backups");
        }
        int days = rule.olderThanDays().getAsInt();
        Optional<ZonedDateTime> taken = takenAt(backup.timestamp(), now);
        if (taken.isEmpty()) {
            return new Decision(backup, Action.KEEP, "its timestamp is not a valid date and time");
        }
        if (taken.get().isBefore(now.minusDays(days))) {
            return new Decision(backup, Action.DELETE, "older than " + days + " days");
        }
        return new Decision(backup, Action.KEEP, "not older than " + days + " days");
    }

    private static Optional<ZonedDateTime> takenAt(String timestamp, ZonedDateTime now) {
        try {
            return Optional.of(LocalDateTime.parse(timestamp, TIMESTAMP).atZone(now.getZone()));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }
}
