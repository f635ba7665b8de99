package gpbackup.s3plugin.cli;

import java.io.IOException;

/** One plugin command, such as {@code backup_data}. */
@FunctionalInterface
interface Command {
    void run(PluginContext context) throws IOException;
}
