package gpbackup.s3plugin.wiring;

import gpbackup.s3plugin.config.PluginConfig;
import gpbackup.s3plugin.log.PluginLog;
import gpbackup.s3plugin.s3.S3Connection;
import gpbackup.s3plugin.transfer.BandwidthCap;
import gpbackup.s3plugin.transfer.BufferPool;
import gpbackup.s3plugin.transfer.MemoryBudget;
import java.util.Optional;

/**
 * What a command's transfers share: the connection to the store and the pool of part buffers. A
 * process that runs one command builds them for it (cli.ProcessResources); the host agent keeps its
 * connections for all its calls and gives each call its share of the memory budget
 * (serving.AgentResources).
 */
public interface TransferResources {
    /** The connection for {@code config}; {@code log} is the calling command's, for set-up warnings. */
    S3Connection connection(PluginConfig config, PluginLog log);

    /** The part buffers for {@code config}'s memory budget. */
    BufferPool buffers(PluginConfig config, PluginLog log);

    /** The cap all transfers for {@code config} share: the process's, or the host agent's; empty without max_bandwidth. */
    Optional<BandwidthCap> bandwidth(PluginConfig config);

    /** A pool of {@code memory_budget}, lowered with a warning where the heap cannot hold it. */
    static BufferPool newPool(PluginConfig config, PluginLog log) {
        long maxHeap = Runtime.getRuntime().maxMemory();
        MemoryBudget budget = MemoryBudget.within(config.memoryBudget(), maxHeap);
        if (budget.bytes() < config.memoryBudget()) {
            log.warn("memory_budget lowered from " + config.memoryBudget() + " to " + budget.bytes()
                    + " bytes to fit the JVM heap of " + maxHeap + " bytes; raise it with"
                    + " GPBACKUP_S3_PLUGIN_JAVA_OPTS=-Xmx...");
        }
        return new BufferPool(budget.bytes());
    }
}
