package gpbackup.s3plugin.cli;

import gpbackup.s3plugin.config.PluginConfig;
import gpbackup.s3plugin.config.TransferSettings;
import gpbackup.s3plugin.log.PluginLog;
import gpbackup.s3plugin.s3.S3Client;
import gpbackup.s3plugin.transfer.MemoryBudget;
import gpbackup.s3plugin.transfer.RangedDownloader;
import gpbackup.s3plugin.transfer.StreamUploader;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.function.Function;

/**
 * What one command works with: its arguments, the config, the log, the data streams, and an
 * S3 client asked for on first use (commands that never talk to S3 never build one).
 */
final class PluginContext {
    private final List<String> args;
    private final PluginConfig config;
    private final PluginLog log;
    private final InputStream stdin;
    private final OutputStream stdout;
    private final S3ClientSource clients;
    private final int heapShares;
    private final Function<String, String> environment;
    private S3Client s3;

    /**
     * @param heapShares how many commands share this JVM's heap at most: 1 in a process of its
     *                   own, more in the host agent
     */
    PluginContext(List<String> args, PluginConfig config, PluginLog log, InputStream stdin, OutputStream stdout,
                  S3ClientSource clients, int heapShares, Function<String, String> environment) {
        this.args = List.copyOf(args);
        this.config = config;
        this.log = log;
        this.stdin = stdin;
        this.stdout = stdout;
        this.clients = clients;
        this.heapShares = heapShares;
        this.environment = environment;
    }

    /** The caller's environment variables. */
    String env(String name) {
        return environment.apply(name);
    }

    /** Argument {@code i}, counting the config path as 0, as gpbackup passes them. */
    String arg(int i) {
        return args.get(i);
    }

    int argCount() {
        return args.size();
    }

    PluginConfig config() {
        return config;
    }

    KeyLayout layout() {
        return new KeyLayout(config.folder());
    }

    PluginLog log() {
        return log;
    }

    InputStream stdin() {
        return stdin;
    }

    OutputStream stdout() {
        return stdout;
    }

    /** Synchronized: the directory commands' worker threads share the one client. */
    synchronized S3Client s3() {
        if (s3 == null) {
            s3 = clients.clientFor(config, log);
        }
        return s3;
    }

    StreamUploader uploader() {
        return uploader(1);
    }

    /** An uploader for one of {@code sharing} transfers running at once; it holds parts in flight plus one read ahead. */
    StreamUploader uploader(int sharing) {
        return new StreamUploader(s3(), withinHeap(config.backup(), 1, sharing, "backup"), log);
    }

    RangedDownloader downloader() {
        return downloader(1);
    }

    /** A downloader for one of {@code sharing} transfers running at once. */
    RangedDownloader downloader(int sharing) {
        return new RangedDownloader(s3(), withinHeap(config.restore(), 0, sharing, "restore"));
    }

    private TransferSettings withinHeap(TransferSettings wanted, int spareBuffers, int sharing, String direction) {
        TransferSettings fitted = new MemoryBudget(MemoryBudget.ofHeap().bytes() / sharing / heapShares).fit(wanted, spareBuffers);
        if (!fitted.equals(wanted)) {
            log.warn(direction + " concurrency lowered from " + wanted.concurrency() + " to " + fitted.concurrency()
                    + " so that parts of " + wanted.chunkSize() + " bytes fit the JVM heap of "
                    + Runtime.getRuntime().maxMemory() + " bytes; raise it with GPBACKUP_S3_PLUGIN_JAVA_OPTS=-Xmx...");
        }
        return fitted;
    }
}
