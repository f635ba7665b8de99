package gpbackup.s3plugin.command;

import gpbackup.s3plugin.UsageException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * The arguments of a command for people ({@code check}, {@code list_backups}, {@code verify},
 * {@code prune}) after the config path: positional values, switches such as {@code --json}, and
 * options with a value such as {@code --keep-last 7} (or {@code --keep-last=7}). gpbackup never
 * calls these commands, so they may take flags; its own commands stay positional.
 *
 * @param positional the arguments that are not flags, in order
 * @param switches   the switches given
 * @param values     each option given, with its value
 */
public record OperatorArguments(List<String> positional, Set<String> switches, Map<String, String> values) {

    /**
     * @param command  the command's name, for the error line
     * @param args     the arguments after the config path
     * @param switches the switches the command knows, such as {@code --json}
     * @param options  the options that take a value, such as {@code --keep-last}
     */
    public static OperatorArguments parse(String command, List<String> args, Set<String> switches, Set<String> options) {
        List<String> positional = new ArrayList<>();
        Set<String> given = new HashSet<>();
        Map<String, String> values = new HashMap<>();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (!arg.startsWith("--")) {
                positional.add(arg);
                continue;
            }
            int equals = arg.indexOf('=');
            String name = equals < 0 ? arg : arg.substring(0, equals);
            if (switches.contains(name) && equals < 0) {
                given.add(name);
            } else if (options.contains(name)) {
                String value;
                if (equals >= 0) {
                    value = arg.substring(equals + 1);
                } else if (i + 1 < args.size()) {
                    value = args.get(++i);
                } else {
                    throw new UsageException(command + ": " + name + " needs a value");
                }
                if (values.putIfAbsent(name, value) != null) {
                    throw new UsageException(command + ": " + name + " given twice");
                }
            } else {
                List<String> known = new ArrayList<>(switches);
                known.addAll(options);
                known.sort(null);
                throw new UsageException(command + ": unknown option '" + name + "'"
                        + (known.isEmpty() ? "" : "; it knows " + String.join(", ", known)));
            }
        }
        return new OperatorArguments(List.copyOf(positional), Set.copyOf(given), Map.copyOf(values));
    }

    /** The arguments after {@code context}'s config path, parsed as {@link #parse} does. */
    public static OperatorArguments afterConfig(PluginContext context, String command, Set<String> switches,
                                                Set<String> options) {
        return parse(command, IntStream.range(1, context.argCount()).mapToObj(context::arg).toList(), switches,
                options);
    }

    /** These arguments, when none is positional; {@code usage} follows the error line, or is empty. */
    public OperatorArguments withoutPositional(String command, String usage) {
        if (!positional.isEmpty()) {
            throw new UsageException(command + ": unexpected argument '" + positional.get(0) + "'" + usage);
        }
        return this;
    }

    public boolean has(String flag) {
        return switches.contains(flag);
    }

    Optional<String> value(String option) {
        return Optional.ofNullable(values.get(option));
    }

    /** An option's value as a whole number of at least {@code min}. */
    public Optional<Integer> intValue(String command, String option, int min) {
        return value(option).map(text -> {
            try {
                int n = Integer.parseInt(text.strip());
                if (n >= min) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // fall through to the one line below
            }
            throw new UsageException(command + ": " + option + " needs a whole number of at least " + min
                    + ", got '" + text + "'");
        });
    }
}
