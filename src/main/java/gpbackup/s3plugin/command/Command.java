package gpbackup.s3plugin.command;

import gpbackup.s3plugin.config.ConfigException;
import gpbackup.s3plugin.config.PluginConfig;
import java.io.IOException;
import java.io.OutputStream;

/** One plugin command, such as {@code backup_data}. */
@FunctionalInterface
public interface Command {
    void run(PluginContext context) throws IOException;

    /**
     * The config did not load, so {@link #run} will not be called; the usual stderr line follows.
     * A command for people may first show the problems its own way ({@code check} lists each as a
     * failed item on stdout); gpbackup's commands print nothing more.
     */
    default void configRejected(ConfigException problems, OutputStream stdout) throws IOException {
    }

    /**
     * The config this command runs with, given the one loaded from CONFIG: the same for every
     * command but the AOT training, whose scratch object must not get a backup's Object Lock.
     * Applied before the S3 client is built, so the client is built once with what it needs.
     */
    default PluginConfig configFor(PluginConfig loaded) {
        return loaded;
    }
}
