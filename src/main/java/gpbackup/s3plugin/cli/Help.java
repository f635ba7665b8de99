package gpbackup.s3plugin.cli;

import gpbackup.s3plugin.Program;
import gpbackup.s3plugin.UsageException;
import gpbackup.s3plugin.cli.Usage.Group;
import gpbackup.s3plugin.cli.Usage.Option;
import gpbackup.s3plugin.config.NameSuggestion;
import java.util.List;
import java.util.Set;

/** The help text, written from the command table: every command in its group, or one command's usage. */
final class Help {
    /** The words that ask for help, as the first argument. */
    static final Set<String> ASKED = Set.of("--help", "-h", "help");
    static final String GPBACKUP_HEADING = "\nCalled by gpbackup, gprestore and gpbackup_helper:\n";
    static final String PEOPLE_HEADING = "\nFor the DBA and the auditor:\n";

    private Help() {
    }

    /** The list for no argument, one command's usage for one; a command not listed is a usage error. */
    static String text(List<String> args) {
        if (args.size() > 1) {
            throw new UsageException("invalid number of arguments to help: expected 0 or 1, got " + args.size());
        }
        if (args.isEmpty()) {
            return list();
        }
        String name = args.get(0);
        Usage usage = CommandTable.listed().stream().filter(listed -> listed.name().equals(name)).findFirst()
                .orElseThrow(() -> new UsageException(unknownCommand(name)));
        StringBuilder text = new StringBuilder("usage: " + Program.NAME + " " + (name + " " + usage.arguments())
                .strip() + "\n" + usage.summary() + "\n");
        int width = usage.options().stream().mapToInt(option -> option.flag().length()).max().orElse(0);
        for (Option option : usage.options()) {
            text.append(String.format("  %-" + width + "s  %s\n", option.flag(), option.meaning()));
        }
        return text.toString();
    }

    /** The one line for a command nobody answers to, naming the nearest that is listed. */
    static String unknownCommand(String name) {
        List<String> names = CommandTable.listed().stream().map(Usage::name).toList();
        return "unknown command '" + name + "'" + NameSuggestion.nearest(name, names)
                .map(nearest -> "; did you mean '" + nearest + "'?").orElse("")
                + " (" + Program.NAME + " --help lists them)";
    }

    private static String list() {
        StringBuilder text = new StringBuilder("usage: " + Program.NAME + " COMMAND CONFIG_FILE [ARGS...]\n");
        for (Group group : List.of(Group.GPBACKUP, Group.PEOPLE)) {
            text.append(group == Group.GPBACKUP ? GPBACKUP_HEADING : PEOPLE_HEADING);
            for (Usage usage : CommandTable.listed()) {
                if (usage.group() == group) {
                    text.append(String.format("  %-26s  %s\n", usage.name(), usage.summary()));
                }
            }
        }
        return text.append("\n").append(Program.NAME).append(" help COMMAND shows its arguments and options;")
                .append(" spec/commands.md says more.\n").toString();
    }
}
