package gpbackup.s3plugin.command.catalog;

import gpbackup.s3plugin.PluginException;
import gpbackup.s3plugin.UsageException;
import gpbackup.s3plugin.backup.BackupCatalog;
import gpbackup.s3plugin.backup.BackupListing;
import gpbackup.s3plugin.backup.BackupSummary;
import gpbackup.s3plugin.backup.ObjectLocks;
import gpbackup.s3plugin.command.OperatorArguments;
import gpbackup.s3plugin.command.PluginContext;
import gpbackup.s3plugin.progress.Progress;
import gpbackup.s3plugin.s3.ListPage;
import gpbackup.s3plugin.s3.ObjectSummary;
import gpbackup.s3plugin.s3.S3Client;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
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

    private CatalogCommands() {
    }

    /** {@code list_backups CONFIG [--json]}: one line (or JSON object) per backup timestamp. */
    public static void listBackups(PluginContext context) throws IOException {
        OperatorArguments args = operatorArguments(context, LIST, Set.of("--json"), Set.of());
        BackupCatalog.Listing listing = new BackupCatalog(context.s3(), context.layout()).read();
        String text = args.has("--json") ? BackupListing.json(context.config().bucket(), context.config().folder(),
                listing) : BackupListing.table(context.config().bucket(), context.layout(), listing);
        write(context.stdout(), text);
    }

    /**
     * {@code prune CONFIG (--keep-last N | --older-than DAYS) [--yes]}: deletes, oldest first, the
     * backups the rule selects and no protection keeps; without --yes only says what it would do.
     */
    public static void prune(PluginContext context) throws IOException {
        OperatorArguments args = operatorArguments(context, PRUNE, Set.of("--yes"),
                Set.of("--keep-last", "--older-than"));
        Optional<Integer> keepLast = args.intValue(PRUNE, "--keep-last", 1);
        Optional<Integer> olderThan = args.intValue(PRUNE, "--older-than", 1);
        if (keepLast.isPresent() == olderThan.isPresent()) {
            throw new UsageException(PRUNE + ": give exactly one of --keep-last N or --older-than DAYS");
        }
        boolean yes = args.has("--yes");
        PrunePlan.Rule rule = new PrunePlan.Rule(keepLast.map(OptionalInt::of).orElse(OptionalInt.empty()),
                olderThan.map(OptionalInt::of).orElse(OptionalInt.empty()));
        S3Client s3 = context.s3();
        BackupCatalog.Listing listing = new BackupCatalog(s3, context.layout()).read();
        boolean checkLocks = ObjectLocks.worthChecking(s3, context.config().storage().objectLockMode().isPresent());
        List<PrunePlan.Decision> decisions = PrunePlan.decide(listing.backups(), rule,
                ZonedDateTime.now(context.clock()), backup -> checkLocks
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
                    Optional<String> failure = deleteWhole(s3, backup, progress);
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

    /**
     * Deletes every object of one backup, the report first: once it is gone the backup lists as
     * incomplete, so one left half-deleted by a failure can never look complete again. The rest
     * goes a page at a time, each page listed afresh from the start of the prefix (what was
     * deleted no longer shows), so memory stays at one page whatever the backup's size.
     *
     * @return why the backup is not gone whole; empty when it is
     */
    private static Optional<String> deleteWhole(S3Client s3, BackupSummary backup, Progress progress) {
        String report = "gpbackup_" + backup.timestamp() + "_report";
        try {
            for (String location : backup.locations()) {
                s3.deleteObject(location + report);
            }
        } catch (PluginException e) {
            return Optional.of("its report could not be deleted, so nothing of it was, and it is still whole: "
                    + e.getMessage());
        }
        long done = 0;
        try {
            for (String location : backup.locations()) {
                String previousFirst = null;
                while (true) {
                    ListPage page = s3.listPage(location, Optional.empty(), 1000);
                    if (page.objects().isEmpty()) {
                        break;
                    }
                    String first = page.objects().get(0).key();
                    if (first.equals(previousFirst)) {
                        throw new PluginException("s3 still lists " + first + " after deleting it");
                    }
                    previousFirst = first;
                    s3.deleteObjects(page.objects().stream().map(ObjectSummary::key).toList());
                    done += page.objects().size();
                    progress.advance(page.objects().stream().mapToLong(ObjectSummary::size).sum());
                }
            }
        } catch (PluginException e) {
            return Optional.of("partly deleted: its report and " + done + " other objects are gone, so it lists as"
                    + " incomplete; run prune again or delete_backup " + backup.timestamp() + ". Cause: "
                    + e.getMessage());
        }
        return Optional.empty();
    }

    private static String sizes(BackupSummary backup) {
        return backup.objects() + " objects, " + backup.bytes() + " bytes";
    }

    /** The arguments after the config path, with no positional ones allowed. */
    private static OperatorArguments operatorArguments(PluginContext context, String command, Set<String> switches,
                                                       Set<String> options) {
        List<String> rest = new ArrayList<>();
        for (int i = 1; i < context.argCount(); i++) {
            rest.add(context.arg(i));
        }
        OperatorArguments args = OperatorArguments.parse(command, rest, switches, options);
        if (!args.positional().isEmpty()) {
            throw new UsageException(command + ": unexpected argument '" + args.positional().get(0) + "'");
        }
        return args;
    }

    private static void write(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}
