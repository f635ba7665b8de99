package gpbackup.s3plugin.cli;

import gpbackup.s3plugin.config.PluginConfig;
import gpbackup.s3plugin.log.PluginLog;
import gpbackup.s3plugin.s3.S3Client;
import gpbackup.s3plugin.transfer.BufferPool;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The host agent's S3 clients and part buffers, one of each per config and kept for the agent's
 * life: later calls reuse the client's pooled connections, TLS sessions and credentials (IMDS is
 * asked once, not once per table), and every call draws its parts from the one pool, so
 * {@code memory_budget} bounds the whole host's transfers.
 */
final class AgentResources implements TransferResources, AutoCloseable {
    private final Function<String, String> environment;
    private final Clock clock;
    private final PluginLog agentLog;
    private final Map<PluginConfig, S3Client> clients = new ConcurrentHashMap<>();
    private final Map<PluginConfig, BufferPool> pools = new ConcurrentHashMap<>();

    /** @param agentLog the agent's own log: a client outlives the call that built it */
    AgentResources(Function<String, String> environment, Clock clock, PluginLog agentLog) {
        this.environment = environment;
        this.clock = clock;
        this.agentLog = agentLog;
    }

    @Override
    public S3Client s3(PluginConfig config, PluginLog log) {
        return clients.computeIfAbsent(config, c -> S3ClientFactory.create(c, environment, clock, agentLog));
    }

    @Override
    public BufferPool buffers(PluginConfig config, PluginLog log) {
        return pools.computeIfAbsent(config, c -> TransferResources.newPool(c, agentLog));
    }

    @Override
    public void close() {
        clients.values().forEach(S3Client::close);
    }
}
