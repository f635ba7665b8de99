package gpbackup.s3plugin.command.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import gpbackup.s3plugin.backup.BackupReport;
import gpbackup.s3plugin.backup.BackupSummary;
import gpbackup.s3plugin.command.catalog.PrunePlan.Action;
import gpbackup.s3plugin.command.catalog.PrunePlan.Decision;
import gpbackup.s3plugin.command.catalog.PrunePlan.Rule;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class PrunePlanTest {
    private static final Duration GRACE = Duration.ofHours(24);
    private static final ZonedDateTime NOW = ZonedDateTime.of(2024, 3, 1, 12, 0, 0, 0, ZoneOffset.UTC);

    private static BackupSummary success(String ts, String... incrementalSet) {
        return backup(ts, "Success", incrementalSet);
    }

    private static BackupSummary failure(String ts) {
        return backup(ts, "Failure");
    }

    private static BackupSummary incomplete(String ts) {
        return new BackupSummary(ts, 3, 30, 2, List.of("f/backups/" + ts.substring(0, 8) + "/" + ts + "/"),
                Optional.empty(), false, Instant.EPOCH);
    }

    private static BackupSummary backup(String ts, String status, String... incrementalSet) {
        BackupReport report = new BackupReport(Optional.of(status), Optional.empty(), Optional.of("db"),
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), incrementalSet.length > 0,
                List.of(incrementalSet));
        return new BackupSummary(ts, 3, 30, 2, List.of("f/backups/" + ts.substring(0, 8) + "/" + ts + "/"),
                Optional.of(report), false, Instant.EPOCH);
    }

    /** A backup whose report is sealed, listed without the key. */
    private static BackupSummary sealed(String ts) {
        return new BackupSummary(ts, 3, 30, 2, List.of("f/backups/" + ts.substring(0, 8) + "/" + ts + "/"),
                Optional.of(BackupReport.sealedWithoutKey()), false, Instant.EPOCH);
    }

    @Test
    void withoutTheKeyASealedBackupAndEveryOlderOneStayAndOnlyNewerUnsealedOnesMayGo() {
        // Oldest first: two unsealed, two sealed (unread), then three unsealed successes.
        List<BackupSummary> backups = List.of(backup("20240101000000", "Success"), incomplete("20240102000000"),
                sealed("20240103000000"), sealed("20240104000000"), backup("20240105000000", "Success"),
                backup("20240106000000", "Success"), backup("20240107000000", "Success"));
        List<Decision> decisions = PrunePlan.decide(backups, keepLast(1), NOW, b -> Optional.empty());
        Map<String, Action> actions = actions(decisions);
        assertEquals(Action.SKIP, actions.get("20240101000000"), "older than a sealed report: maybe needed");
        assertEquals(Action.SKIP, actions.get("20240102000000"), "incomplete, but older than a sealed report");
        assertEquals(Action.SKIP, actions.get("20240103000000"));
        assertEquals(Action.SKIP, actions.get("20240104000000"));
        assertEquals(Action.DELETE, actions.get("20240105000000"));
        assertEquals(Action.DELETE, actions.get("20240106000000"));
        assertEquals(Action.KEEP, actions.get("20240107000000"));
        assertTrue(decisions.get(3).reason().contains("sealed"), decisions.get(3).reason());
        assertTrue(decisions.get(0).reason().contains("may be an incremental"), decisions.get(0).reason());
    }

    private static Map<String, Action> actions(List<Decision> decisions) {
        Map<String, Action> actions = new TreeMap<>();
        decisions.forEach(d -> actions.put(d.backup().timestamp(), d.action()));
        return actions;
    }

    private static Rule keepLast(int n) {
        return new Rule(OptionalInt.of(n), OptionalInt.empty(), GRACE);
    }

    private static Rule olderThan(int days) {
        return new Rule(OptionalInt.empty(), OptionalInt.of(days), GRACE);
    }

    /** A plan with no backup under Object Lock. */
    private static List<Decision> decide(List<BackupSummary> backups, Rule rule, ZonedDateTime now) {
        return PrunePlan.decide(backups, rule, now, backup -> Optional.empty());
    }

    private static List<BackupSummary> list(BackupSummary... backups) {
        return new ArrayList<>(Arrays.asList(backups));
    }

    @Test
    void keepLastCountsSuccessfulBackupsAndDeletesEverythingOlder() {
        List<Decision> decisions = decide(list(success("20240101000000"), failure("20240102000000"),
                success("20240103000000"), failure("20240104000000"), success("20240105000000")), keepLast(2), NOW);
        assertEquals(Map.of("20240101000000", Action.DELETE, "20240102000000", Action.DELETE,
                "20240103000000", Action.KEEP, "20240104000000", Action.KEEP, "20240105000000", Action.KEEP),
                actions(decisions));
    }

    @Test
    void keepLastWithFewerSuccessfulBackupsThanNDeletesNothing() {
        assertEquals(Map.of("20240101000000", Action.KEEP, "20240102000000", Action.KEEP),
                actions(decide(list(failure("20240101000000"), success("20240102000000")), keepLast(2),
                        NOW)));
    }

    @Test
    void olderThanNeverDeletesTheNewestSuccessfulBackupEvenWhenEverythingIsOld() {
        List<Decision> decisions = decide(list(success("20200101000000"), success("20200102000000"),
                failure("20200103000000")), olderThan(7), NOW);
        assertEquals(Map.of("20200101000000", Action.DELETE, "20200102000000", Action.SKIP,
                "20200103000000", Action.DELETE), actions(decisions));
        assertTrue(decisions.get(1).reason().contains("newest successful"), decisions.get(1).reason());
    }

    @Test
    void olderThanCountsWholeDaysBackFromNow() {
        assertEquals(Map.of("20240222115959", Action.DELETE, "20240222120001", Action.KEEP,
                "20240301000000", Action.KEEP),
                actions(decide(list(success("20240222115959"), success("20240222120001"),
                        success("20240301000000")), olderThan(8), NOW)));
    }

    @Test
    void anIncrementalThatIsKeptKeepsEveryBackupOfItsSet() {
        List<Decision> decisions = decide(list(success("20240101000000"),
                success("20240102000000", "20240101000000", "20240102000000"),
                success("20240103000000", "20240101000000", "20240102000000", "20240103000000"),
                success("20240104000000")), keepLast(2), NOW);
        assertEquals(Map.of("20240101000000", Action.SKIP, "20240102000000", Action.SKIP,
                "20240103000000", Action.KEEP, "20240104000000", Action.KEEP), actions(decisions));
        assertTrue(decisions.get(0).reason().contains("incremental backup 20240103000000"), decisions.get(0).reason());
    }

    @Test
    void anIncrementalThatIsDeletedKeepsNothing() {
        assertEquals(Map.of("20240101000000", Action.DELETE, "20240102000000", Action.DELETE,
                "20240103000000", Action.KEEP),
                actions(decide(list(success("20240101000000"),
                        success("20240102000000", "20240101000000", "20240102000000"),
                        success("20240103000000")), keepLast(1), NOW)));
    }

    @Test
    void anIncompleteBackupNewerThanEveryCompleteOneMayBeRunningAndIsSkipped() {
        List<Decision> decisions = decide(list(incomplete("20200101000000"), success("20200102000000"),
                success("20200103000000"), incomplete("20200104000000")), olderThan(1), NOW);
        assertEquals(Map.of("20200101000000", Action.DELETE, "20200102000000", Action.DELETE,
                "20200103000000", Action.SKIP, "20200104000000", Action.SKIP), actions(decisions));
        assertTrue(decisions.get(3).reason().contains("may still be running"), decisions.get(3).reason());
    }

    /** A backup without a report whose newest object was written {@code minutesAgo} before NOW. */
    private static BackupSummary writing(String ts, long minutesAgo) {
        return new BackupSummary(ts, 3, 30, 2, List.of("f/backups/" + ts.substring(0, 8) + "/" + ts + "/"),
                Optional.empty(), false, NOW.toInstant().minus(Duration.ofMinutes(minutesAgo)));
    }

    @Test
    void anIncompleteBackupWhoseNewestObjectIsYoungerThanTheGraceIsSkippedSayingHowOld() {
        List<Decision> decisions = decide(list(writing("20240101000000", 20), success("20240102000000"),
                success("20240103000000")), keepLast(1), NOW);
        assertEquals(Map.of("20240101000000", Action.SKIP, "20240102000000", Action.DELETE,
                "20240103000000", Action.KEEP), actions(decisions));
        assertEquals("incomplete, may be running: newest object 20 minutes old, younger than --grace 24 hours",
                decisions.get(0).reason());
    }

    @Test
    void anIncompleteBackupOlderThanTheGraceIsDeletedAndAZeroGraceDeletesEveryOne() {
        List<BackupSummary> backups = list(writing("20240101000000", 24 * 60 + 1), writing("20240101100000", 20),
                success("20240102000000"));
        assertEquals(Map.of("20240101000000", Action.DELETE, "20240101100000", Action.SKIP,
                "20240102000000", Action.SKIP), actions(decide(backups, olderThan(1), NOW)));
        Rule noGrace = new Rule(OptionalInt.empty(), OptionalInt.of(1), Duration.ZERO);
        assertEquals(Map.of("20240101000000", Action.DELETE, "20240101100000", Action.DELETE,
                "20240102000000", Action.SKIP), actions(decide(backups, noGrace, NOW)));
    }

    @Test
    void aCompleteBackupIsDeletedHoweverYoungItsObjects() {
        BackupSummary young = new BackupSummary("20240101000000", 3, 30, 2, List.of("f/backups/20240101/x/"),
                success("20240101000000").report(), false, NOW.toInstant());
        assertEquals(Map.of("20240101000000", Action.DELETE, "20240102000000", Action.KEEP),
                actions(decide(list(young, success("20240102000000")), keepLast(1), NOW)));
    }

    @Test
    void aLockedBackupIsSkippedWithItsLockAndOnlyCandidatesAreAsked() {
        List<String> asked = new ArrayList<>();
        List<Decision> decisions = PrunePlan.decide(list(success("20240101000000"), success("20240102000000"),
                success("20240103000000")), keepLast(1), NOW, backup -> {
                    asked.add(backup.timestamp());
                    return backup.timestamp().equals("20240102000000")
                            ? Optional.of("2 of its objects are under Object Lock, the last until 2099-01-01T00:00:00Z")
                            : Optional.empty();
                });
        assertEquals(Map.of("20240101000000", Action.DELETE, "20240102000000", Action.SKIP,
                "20240103000000", Action.KEEP), actions(decisions));
        assertEquals("2 of its objects are under Object Lock, the last until 2099-01-01T00:00:00Z; prune deletes a"
                + " backup whole or not at all", decisions.get(1).reason());
        assertEquals(List.of("20240101000000", "20240102000000"), asked, "kept backups cost no request");
    }

    @Test
    void aLockedIncrementalKeepsItsWholeRestorePlan() {
        List<Decision> decisions = PrunePlan.decide(list(success("20240101000000"),
                success("20240102000000", "20240101000000", "20240102000000"), success("20240103000000")),
                keepLast(1), NOW, backup -> backup.timestamp().equals("20240102000000")
                        ? Optional.of("1 of its objects are under Object Lock") : Optional.empty());
        assertEquals(Map.of("20240101000000", Action.SKIP, "20240102000000", Action.SKIP,
                "20240103000000", Action.KEEP), actions(decisions));
        assertTrue(decisions.get(0).reason().contains("incremental backup 20240102000000"), decisions.get(0).reason());
    }

    @Test
    void aRuleIsExactlyOneOfTheTwo() {
        assertThrows(IllegalArgumentException.class, () -> new Rule(OptionalInt.of(1), OptionalInt.of(1), GRACE));
        assertThrows(IllegalArgumentException.class, () -> new Rule(OptionalInt.empty(), OptionalInt.empty(), GRACE));
    }
}
