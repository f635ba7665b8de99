package gpbackup.s3plugin.cli;

import gpbackup.s3plugin.UsageException;
import gpbackup.s3plugin.command.Command;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A command's usage (its name and what help says of it), the argument counts it takes (the config
 * path included, as gpbackup passes them) and what it does.
 */
record CommandSpec(Usage usage, List<Integer> argCounts, Command command) {

    String name() {
        return usage.name();
    }

    void checkArgCount(int actual) {
        if (!argCounts.contains(actual)) {
            String expected = argCounts.stream().map(String::valueOf).collect(Collectors.joining(" or "));
            throw new UsageException("invalid number of arguments to " + name() + ": expected " + expected
                    + ", got " + actual);
        }
    }
}
