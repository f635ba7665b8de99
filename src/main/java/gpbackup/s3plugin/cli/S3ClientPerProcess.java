package gpbackup.s3plugin.cli;

import gpbackup.s3plugin.config.PluginConfig;
import gpbackup.s3plugin.log.PluginLog;
import gpbackup.s3plugin.s3.S3Client;
import gpbackup.s3plugin.s3.S3ClientFactory;
import java.time.Clock;
import java.util.function.Function;

/** The S3 client of a process that runs one command: built on first use, closed before exit. */
final class S3ClientPerProcess implements S3ClientSource, AutoCloseable {
    private final Function<String, String> environment;
    private final Clock clock;
    private S3Client client;

    S3ClientPerProcess(Function<String, String> environment, Clock clock) {
        this.environment = environment;
        this.clock = clock;
    }

    @Override
    public synchronized S3Client clientFor(PluginConfig config, PluginLog log) {
        if (client == null) {
            client = S3ClientFactory.create(config, environment, clock, log);
        }
        return client;
    }

    @Override
    public synchronized void close() {
        if (client != null) {
            client.close();
        }
    }
}
