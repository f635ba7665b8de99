package gpbackup.s3plugin.cli;

import gpbackup.s3plugin.wiring.S3ClientFactory;
import gpbackup.s3plugin.wiring.TransferResources;
import gpbackup.s3plugin.config.PluginConfig;
import gpbackup.s3plugin.log.PluginLog;
import gpbackup.s3plugin.s3.S3Connection;
import gpbackup.s3plugin.transfer.BandwidthCap;
import gpbackup.s3plugin.transfer.BufferPool;
import java.time.Clock;
import java.util.Optional;
import java.util.function.Function;

/**
 * The S3 connection and part buffers of a process that runs one command: built on first use (the
 * directory commands' parallel transfers share them) and the connection closed before exit.
 */
final class ProcessResources implements TransferResources, AutoCloseable {
    private final Function<String, String> environment;
    private final Clock clock;
    private S3Connection connection;
    private BufferPool buffers;
    private Optional<BandwidthCap> bandwidth;

    ProcessResources(Function<String, String> environment, Clock clock) {
        this.environment = environment;
        this.clock = clock;
    }

    @Override
    public synchronized S3Connection connection(PluginConfig config, PluginLog log) {
        if (connection == null) {
            connection = S3ClientFactory.connect(config, environment, clock, log);
        }
        return connection;
    }

    @Override
    public synchronized BufferPool buffers(PluginConfig config, PluginLog log) {
        if (buffers == null) {
            buffers = TransferResources.newPool(config, log);
        }
        return buffers;
    }

    @Override
    public synchronized Optional<BandwidthCap> bandwidth(PluginConfig config) {
        if (bandwidth == null) {
            bandwidth = config.maxBandwidth().stream().mapToObj(BandwidthCap::new).findFirst();
        }
        return bandwidth;
    }

    @Override
    public synchronized void close() {
        if (connection != null) {
            connection.close();
        }
    }
}
