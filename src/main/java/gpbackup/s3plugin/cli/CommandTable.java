package gpbackup.s3plugin.cli;

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

/** Every command the plugin answers to, as gpbackup, gprestore and gpbackup_helper call them. */
final class CommandTable {
    private static final Map<String, CommandSpec> COMMANDS = Stream.of(
            new CommandSpec("setup_plugin_for_backup", List.of(3, 4), HookCommands::setupForBackup),
            new CommandSpec("setup_plugin_for_restore", List.of(3, 4), HookCommands::setupForRestore),
            new CommandSpec("cleanup_plugin_for_backup", List.of(3, 4), HookCommands::cleanup),
            new CommandSpec("cleanup_plugin_for_restore", List.of(3, 4), HookCommands::cleanup),
            new CommandSpec("backup_file", List.of(2), FileCommands::backupFile),
            new CommandSpec("restore_file", List.of(2), FileCommands::restoreFile),
            new CommandSpec("backup_data", List.of(2), DataCommands::backupData),
            new CommandSpec("restore_data", List.of(2), DataCommands::restoreData),
            new CommandSpec("restore_data_subset", List.of(3), DataCommands::restoreDataSubset),
            new CommandSpec("delete_backup", List.of(2), BucketCommands::deleteBackup),
            new CommandSpec("list_directory", List.of(1, 2), BucketCommands::listDirectory),
            new CommandSpec("delete_directory", List.of(2), BucketCommands::deleteDirectory),
            new CommandSpec("backup_directory", List.of(2, 3), DirectoryCommands::backupDirectory),
            new CommandSpec("backup_directory_parallel", List.of(2, 3), DirectoryCommands::backupDirectoryParallel),
            new CommandSpec("restore_directory", List.of(2, 3), DirectoryCommands::restoreDirectory),
            new CommandSpec("restore_directory_parallel", List.of(2, 3), DirectoryCommands::restoreDirectoryParallel),
            new CommandSpec("list_backups", List.of(1, 2, 3, 4), CatalogCommands::listBackups),
            new CommandSpec("prune", List.of(1, 2, 3, 4, 5, 6, 7, 8), CatalogCommands::prune),
            new CommandSpec("check", List.of(1, 2), new CheckCommand(java.time.Clock.systemUTC())),
            new CommandSpec("verify", List.of(2, 3), VerifyCommand::verify),
            // Not for people: the launcher runs it while Java 25+ records the AOT cache.
            new CommandSpec("aot_training", List.of(2), new AotTraining()))
            .collect(Collectors.toUnmodifiableMap(CommandSpec::name, Function.identity()));

    private CommandTable() {
    }

    static Optional<CommandSpec> find(String name) {
        return Optional.ofNullable(COMMANDS.get(name));
    }
}
