package gpbackup.s3plugin.command.catalog;

import gpbackup.s3plugin.PluginException;
import gpbackup.s3plugin.UsageException;
import gpbackup.s3plugin.backup.BackupCatalog;
import gpbackup.s3plugin.backup.BackupDeletion;
import gpbackup.s3plugin.backup.BackupListing;
import gpbackup.s3plugin.backup.BackupSummary;
import gpbackup.s3plugin.backup.ObjectLocks;
import gpbackup.s3plugin.command.OperatorArguments;
import gpbackup.s3plugin.command.PluginContext;
import gpbackup.s3plugin.progress.Progress;
import gpbackup.s3plugin.s3.ObjectSummary;
import gpbackup.s3plugin.s3.S3Client;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/** {@code list_backups} and {@code prune}: commands for people, never called by gpbackup. */
public final class CatalogCommands {
    private static final String LIST = "list_backups";
    private static final String PRUNE = "prune";
    /** How long an incomplete backup's newest object counts as a backup still being written. */
    private static final String GRACE = "--grace";
    private static final int DEFAULT_GRACE_HOURS = 24;

    private CatalogCommands() {
    }

    /** {@code list_backups CONFIG [--json] [--grace HOURS]}: one line (or JSON object) per backup timestamp. */
    public static void listBackups(PluginContext context) throws IOException {
        OperatorArguments args = OperatorArguments.afterConfig(context, LIST, Set.of("--json"), Set.of(GRACE))
                .withoutPositional(LIST, "");
        Duration grace = grace(args, LIST); // a bad --grace fails before the bucket is listed
        BackupCatalog.Listing listing = new BackupCatalog(context.s3(), context.layout(), context.sealedObjects())
                .read();
        Instant now = context.s3().clock().instant();
        String text = args.has("--json") ? BackupListing.json(context.config().bucket(), context.config().folder(),
                listing, now, grace) : BackupListing.table(context.config().bucket(), context.layout(), listing, now,
                grace);
        write(context.stdout(), text);
    }

    /**
     * {@code prune CONFIG (--keep-last N | --older-than DAYS) [--grace HOURS] [--yes]}: deletes, oldest
     * first, the backups the rule selects and no protection keeps; without --yes only says what it would do.
     */
    public static void prune(PluginContext context) throws IOException {
        OperatorArguments args = OperatorArguments.afterConfig(context, PRUNE, Set.of("--yes"),
                Set.of("--keep-last", "--older-than", GRACE)).withoutPositional(PRUNE, "");
        Optional<Integer> keepLast = args.intValue(PRUNE, "--keep-last", 1);
        Optional<Integer> olderThan = args.intValue(PRUNE, "--older-than", 1);
        if (keepLast.isPresent() == olderThan.isPresent()) {
            throw new UsageException(PRUNE + ": give exactly one of --keep-last N or --older-than DAYS");
        }
        boolean yes = args.has("--yes");
        PrunePlan.Rule rule = new PrunePlan.Rule(keepLast.map(OptionalInt::of).orElse(OptionalInt.empty()),
                olderThan.map(OptionalInt::of).orElse(OptionalInt.empty()), grace(args, PRUNE));
        S3Client s3 = context.s3();
        BackupCatalog.Listing listing = new BackupCatalog(s3, context.layout(), context.sealedObjects()).read();
        boolean checkLocks = ObjectLocks.worthChecking(s3, context.config().storage().objectLockMode().isPresent());
        List<PrunePlan.Decision> decisions = PrunePlan.decide(listing.backups(), rule,
                ZonedDateTime.ofInstant(s3.clock().instant(), context.clock().getZone()), backup -> checkLocks
                        ? ObjectLocks.lockDescription(s3, backup.locations(), s3.clock().instant())
                        : Optional.empty());
        OutputStream out = context.stdout();
        if (!yes) {
            write(out, "dry run: nothing is deleted; add --yes to delete the backups marked 'would delete'\n");
        }
        long toDelete = decisions.stream().filter(d -> d.action() == PrunePlan.Action.DELETE)
                .mapToLong(d -> d.backup().bytes()).sum();
        int deleted = 0;
        long objects = 0;
        long bytes = 0;
        List<String> failures = new ArrayList<>();
        try (Progress progress = yes ? context.progress(PRUNE, toDelete) : Progress.silent()) {
            for (PrunePlan.Decision decision : decisions) {
                BackupSummary backup = decision.backup();
                String action;
                String detail = decision.reason();
                if (decision.action() != PrunePlan.Action.DELETE) {
                    action = decision.action() == PrunePlan.Action.KEEP ? "keep" : "skip";
                } else if (!yes) {
                    action = "would delete";
                    detail = sizes(backup) + ", " + backup.statusText() + "; " + detail;
                } else {
                    Optional<String> failure = BackupDeletion.deleteWhole(s3, backup.timestamp(), backup.locations(),
                            page -> progress.advance(page.stream().mapToLong(ObjectSummary::size).sum()));
                    if (failure.isEmpty()) {
                        action = "deleted";
                        detail = sizes(backup) + ", " + backup.statusText() + "; " + detail;
                        deleted++;
                        objects += backup.objects();
                        bytes += backup.bytes();
                    } else {
                        action = "FAILED";
                        detail = failure.get();
                        failures.add(backup.timestamp() + ": " + failure.get());
                    }
                }
                progress.clear(); // the line goes to the terminal the progress is drawn on
                write(out, String.format("%-12s  %s  %s%n", action, backup.timestamp(), detail));
            }
        }
        long selected = decisions.stream().filter(d -> d.action() == PrunePlan.Action.DELETE).count();
        long kept = decisions.size() - selected;
        if (!yes) {
            long wouldObjects = decisions.stream().filter(d -> d.action() == PrunePlan.Action.DELETE)
                    .mapToLong(d -> d.backup().objects()).sum();
            write(out, "would delete " + selected + " of " + decisions.size() + " backups (" + wouldObjects
                    + " objects, " + toDelete + " bytes) and keep " + kept + "\n");
            return;
        }
        write(out, "deleted " + deleted + " of " + decisions.size() + " backups (" + objects + " objects, " + bytes
                + " bytes), kept " + kept + (failures.isEmpty() ? "" : ", failed " + failures.size()) + "\n");
        if (!failures.isEmpty()) {
            throw new PluginException(PRUNE + ": " + failures.size() + " of " + selected
                    + " backups were not deleted whole; first " + failures.get(0));
        }
    }

    private static Duration grace(OperatorArguments args, String command) {
        return Duration.ofHours(args.intValue(command, GRACE, 0).orElse(DEFAULT_GRACE_HOURS));
    }

    private static String sizes(BackupSummary backup) {
        return backup.objects() + " objects, " + backup.bytes() + " bytes";
    }

    private static void write(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}
