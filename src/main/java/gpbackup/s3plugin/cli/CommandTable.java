package gpbackup.s3plugin.cli;

import static gpbackup.s3plugin.cli.Usage.Group.GPBACKUP;
import static gpbackup.s3plugin.cli.Usage.Group.HIDDEN;
import static gpbackup.s3plugin.cli.Usage.Group.PEOPLE;

import gpbackup.s3plugin.cli.Usage.Group;
import gpbackup.s3plugin.cli.Usage.Option;
import gpbackup.s3plugin.command.Command;
import gpbackup.s3plugin.command.catalog.CatalogCommands;
import gpbackup.s3plugin.command.check.CheckCommand;
import gpbackup.s3plugin.command.plugin.AotTraining;
import gpbackup.s3plugin.command.plugin.BucketCommands;
import gpbackup.s3plugin.command.plugin.DataCommands;
import gpbackup.s3plugin.command.plugin.DirectoryCommands;
import gpbackup.s3plugin.command.plugin.FileCommands;
import gpbackup.s3plugin.command.plugin.HookCommands;
import gpbackup.s3plugin.command.verify.VerifyCommand;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Every command the plugin answers to, as gpbackup, gprestore and gpbackup_helper call them, and its help. */
final class CommandTable {
    private static final String HOOK = "CONFIG LOCAL_BACKUP_DIR SCOPE [CONTENT_ID]";
    private static final Option JSON = new Option("--json", "one JSON document instead of the lines");
    private static final Option GRACE = new Option("--grace HOURS",
            "an incomplete backup with an object younger than this may be running (default 24)");

    private static final List<CommandSpec> TABLE = List.of(
            spec(GPBACKUP, "setup_plugin_for_backup", List.of(3, 4), HookCommands::setupForBackup, HOOK,
                    "proves the bucket takes writes; on segment_host starts the host agent"),
            spec(GPBACKUP, "setup_plugin_for_restore", List.of(3, 4), HookCommands::setupForRestore, HOOK,
                    "proves the bucket can be listed; on segment_host starts the host agent"),
            spec(GPBACKUP, "cleanup_plugin_for_backup", List.of(3, 4), HookCommands::cleanup, HOOK,
                    "on segment_host stops the host agent once its calls are done"),
            spec(GPBACKUP, "cleanup_plugin_for_restore", List.of(3, 4), HookCommands::cleanup, HOOK,
                    "on segment_host stops the host agent once its calls are done"),
            spec(GPBACKUP, "backup_file", List.of(2), FileCommands::backupFile, "CONFIG PATH",
                    "uploads the local file PATH to its key"),
            spec(GPBACKUP, "restore_file", List.of(2), FileCommands::restoreFile, "CONFIG PATH",
                    "downloads the key of PATH into the file PATH"),
            spec(GPBACKUP, "backup_data", List.of(2), DataCommands::backupData, "CONFIG PATH",
                    "uploads stdin to the key of PATH"),
            spec(GPBACKUP, "restore_data", List.of(2), DataCommands::restoreData, "CONFIG PATH",
                    "writes the object at the key of PATH to stdout"),
            spec(GPBACKUP, "restore_data_subset", List.of(3), DataCommands::restoreDataSubset,
                    "CONFIG PATH OFFSETS_FILE", "writes the byte ranges OFFSETS_FILE lists to stdout"),
            spec(GPBACKUP, "delete_backup", List.of(2), BucketCommands::deleteBackup, "CONFIG TIMESTAMP",
                    "deletes every object of the backup TIMESTAMP"),
            spec(GPBACKUP, "list_directory", List.of(1, 2), BucketCommands::listDirectory, "CONFIG [PREFIX]",
                    "lists the objects under PREFIX/ (default the folder) and their sizes"),
            spec(GPBACKUP, "delete_directory", List.of(2), BucketCommands::deleteDirectory, "CONFIG PREFIX",
                    "deletes every object under PREFIX/"),
            spec(PEOPLE, "check", List.of(1, 2), new CheckCommand(java.time.Clock.systemUTC()),
                    "CONFIG [--read-only]", "the preflight: says whether a backup would work from this host",
                    new Option("--read-only", "says whether a restore would: reads only, writes nothing")),
            spec(PEOPLE, "list_backups", List.of(1, 2, 3, 4), CatalogCommands::listBackups,
                    "CONFIG [--json] [--grace HOURS]",
                    "one line per backup: objects, bytes, segments, database, status", JSON, GRACE),
            spec(PEOPLE, "prune", List.of(1, 2, 3, 4, 5, 6, 7, 8), CatalogCommands::prune,
                    "CONFIG (--keep-last N | --older-than DAYS) [--grace HOURS] [--yes]",
                    "deletes old backups whole, report first; a dry run without --yes",
                    new Option("--keep-last N", "selects the backups older than the N-th newest successful one"),
                    new Option("--older-than DAYS", "selects the backups older than DAYS days"),
                    GRACE, new Option("--yes", "deletes; without it prune only says what it would delete")),
            spec(PEOPLE, "verify", List.of(2, 3), VerifyCommand::verify, "CONFIG TIMESTAMP [--json]",
                    "proves one backup intact without restoring it; reads only", JSON),
            spec(PEOPLE, "backup_directory", List.of(2, 3), DirectoryCommands::backupDirectory, "CONFIG DIR [N]",
                    "uploads every file under DIR, one at a time (N ignored)"),
            spec(PEOPLE, "backup_directory_parallel", List.of(2, 3), DirectoryCommands::backupDirectoryParallel,
                    "CONFIG DIR [N]", "uploads every file under DIR, N at a time (default 5, 1 to 64)"),
            spec(PEOPLE, "restore_directory", List.of(2, 3), DirectoryCommands::restoreDirectory, "CONFIG DIR [N]",
                    "downloads every object under DIR/ into DIR, one at a time (N ignored)"),
            spec(PEOPLE, "restore_directory_parallel", List.of(2, 3), DirectoryCommands::restoreDirectoryParallel,
                    "CONFIG DIR [N]", "downloads every object under DIR/ into DIR, N at a time (default 5)"),
            // Not for people: the launcher runs it while Java 25+ records the AOT cache.
            spec(HIDDEN, "aot_training", List.of(2), new AotTraining(), "CONFIG BACKUP_DIR", ""));

    /** The commands Main answers before the table, which read no config: listed first and last. */
    private static final List<Usage> MAIN_FIRST = List.of(
            new Usage("--version", GPBACKUP, "", "prints the version line gpbackup compares across hosts", List.of()),
            new Usage("plugin_api_version", GPBACKUP, "[CONFIG]", "prints the plugin API version, "
                    + Main.API_VERSION, List.of()));
    private static final List<Usage> MAIN_LAST = List.of(
            new Usage("audit_summary", PEOPLE, "FILE", "sums up an audit_log file per backup (no config)", List.of()),
            new Usage("help", PEOPLE, "[COMMAND]", "lists the commands, or shows one (also --help, -h)", List.of()));

    private static final Map<String, CommandSpec> COMMANDS = TABLE.stream()
            .collect(Collectors.toUnmodifiableMap(CommandSpec::name, Function.identity()));

    private CommandTable() {
    }

    static Optional<CommandSpec> find(String name) {
        return Optional.ofNullable(COMMANDS.get(name));
    }

    /** The table's commands, in the order help lists them. */
    static List<CommandSpec> all() {
        return TABLE;
    }

    /** The commands help lists, in its order: Main's own and the table's, the hidden ones left out. */
    static List<Usage> listed() {
        return Stream.of(MAIN_FIRST, all().stream().map(CommandSpec::usage).toList(), MAIN_LAST)
                .flatMap(List::stream).filter(usage -> usage.group() != HIDDEN).toList();
    }

    private static CommandSpec spec(Group group, String name, List<Integer> argCounts, Command command,
                                    String arguments, String summary, Option... options) {
        return new CommandSpec(new Usage(name, group, arguments, summary, List.of(options)), argCounts, command);
    }
}
