package gpbackup.s3plugin.serving;

import gpbackup.s3plugin.wiring.S3ClientFactory;
import gpbackup.s3plugin.wiring.TransferResources;
import gpbackup.s3plugin.config.PluginConfig;
import gpbackup.s3plugin.log.PluginLog;
import gpbackup.s3plugin.s3.S3Connection;
import gpbackup.s3plugin.transfer.BandwidthCap;
import gpbackup.s3plugin.transfer.BufferPool;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The host agent's S3 connections, one per config and kept for the agent's life: later calls reuse
 * their pooled connections, TLS sessions and credentials (IMDS is asked once, not once per
 * table). Part buffers are per call ({@link #forCall}, shared out by {@link CallShares}).
 */
public final class AgentResources implements AutoCloseable {
    private final Function<String, String> environment;
    private final Clock clock;
    private final PluginLog agentLog;
    private final Map<PluginConfig, S3Connection> connections = new ConcurrentHashMap<>();
    /** One max_bandwidth for all the calls of a config: the cap holds for the host, not per call. */
    private final Map<PluginConfig, Optional<BandwidthCap>> bandwidths = new ConcurrentHashMap<>();

    /** @param agentLog the agent's own log: a connection outlives the call that built it */
    public AgentResources(Function<String, String> environment, Clock clock, PluginLog agentLog) {
        this.environment = environment;
        this.clock = clock;
        this.agentLog = agentLog;
    }

    /** What one relayed call uses: the agent's connection, and part buffers of its own (its share, CallShares). */
    public TransferResources forCall(BufferPool pool) {
        return new TransferResources() {
            @Override
            public S3Connection connection(PluginConfig config, PluginLog log) {
                return connections.computeIfAbsent(config,
                        c -> S3ClientFactory.connect(c, environment, clock, agentLog,
                                httpClients(Runtime.getRuntime().availableProcessors())));
            }

            @Override
            public BufferPool buffers(PluginConfig config, PluginLog log) {
                return pool;
            }

            @Override
            public Optional<BandwidthCap> bandwidth(PluginConfig config) {
                return bandwidths.computeIfAbsent(config,
                        c -> c.maxBandwidth().stream().mapToObj(BandwidthCap::new).findFirst());
            }
        };
    }

    /**
     * One HTTP client, so one selector thread reading sockets, per four cores, at most four. On two
     * cores, eight restores at once ran as fast over one, two or four (spec/performance.md): there
     * the reading is not the limit, the cores are. A host with many cores gets more readers.
     */
    static int httpClients(int cores) {
        return Math.max(1, Math.min(4, cores / 4));
    }

    @Override
    public void close() {
        connections.values().forEach(S3Connection::close);
    }
}
