package gpbackup.s3plugin.cli;

import gpbackup.s3plugin.config.PluginConfig;
import gpbackup.s3plugin.log.PluginLog;
import gpbackup.s3plugin.s3.S3Client;
import gpbackup.s3plugin.s3.S3ClientFactory;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The host agent's S3 clients, one per config and kept for the agent's life: later calls reuse
 * its pooled connections, TLS sessions and credentials (IMDS is asked once, not once per table).
 */
final class S3ClientShared implements S3ClientSource, AutoCloseable {
    private final Function<String, String> environment;
    private final Clock clock;
    private final PluginLog agentLog;
    private final Map<PluginConfig, S3Client> clients = new ConcurrentHashMap<>();

    /** @param agentLog the agent's own log: a client outlives the call that built it */
    S3ClientShared(Function<String, String> environment, Clock clock, PluginLog agentLog) {
        this.environment = environment;
        this.clock = clock;
        this.agentLog = agentLog;
    }

    @Override
    public S3Client clientFor(PluginConfig config, PluginLog log) {
        return clients.computeIfAbsent(config, c -> S3ClientFactory.create(c, environment, clock, agentLog));
    }

    @Override
    public void close() {
        clients.values().forEach(S3Client::close);
    }
}
