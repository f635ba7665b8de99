package gpbackup.s3plugin.cli;

import gpbackup.s3plugin.auth.AwsConfigFiles;
import gpbackup.s3plugin.auth.AwsRegion;
import gpbackup.s3plugin.auth.CredentialsChain;
import gpbackup.s3plugin.auth.CredentialsProvider;
import gpbackup.s3plugin.auth.Credentials;
import gpbackup.s3plugin.auth.EnvironmentCredentialsProvider;
import gpbackup.s3plugin.auth.InstanceMetadataCredentialsProvider;
import gpbackup.s3plugin.auth.ProfileCredentialsProvider;
import gpbackup.s3plugin.auth.RefreshingCredentialsProvider;
import gpbackup.s3plugin.auth.StaticCredentialsProvider;
import gpbackup.s3plugin.config.PluginConfig;
import gpbackup.s3plugin.log.PluginLog;
import gpbackup.s3plugin.s3.S3Client;
import gpbackup.s3plugin.s3.S3ClientFactory;
import gpbackup.s3plugin.transfer.BufferPool;
import gpbackup.s3plugin.transfer.MemoryBudget;
import gpbackup.s3plugin.transfer.PartPlan;
import gpbackup.s3plugin.transfer.RangedDownloader;
import gpbackup.s3plugin.transfer.StreamUploader;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * What one command works with: its arguments, the config, the log, the data streams, and an
 * S3 client built on first use (commands that never talk to S3 never build one).
 */
final class PluginContext {
    private final List<String> args;
    private final PluginConfig config;
    private final PluginLog log;
    private final InputStream stdin;
    private final OutputStream stdout;
    private final Function<String, String> environment;
    private final Clock clock;
    private S3Client s3;
    private BufferPool buffers;

    PluginContext(List<String> args, PluginConfig config, PluginLog log, InputStream stdin, OutputStream stdout,
                  Function<String, String> environment, Clock clock) {
        this.args = List.copyOf(args);
        this.config = config;
        this.log = log;
        this.stdin = stdin;
        this.stdout = stdout;
        this.environment = environment;
        this.clock = clock;
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
            AwsConfigFiles awsFiles = AwsConfigFiles.from(environment);
            String region = AwsRegion.resolve(config.region(), environment, awsFiles);
            s3 = S3ClientFactory.create(config, region, credentials(awsFiles), environment, clock, log);
        }
        return s3;
    }

    /** Uploads with parts planned within the memory budget; the chunk size and concurrency are upper bounds. */
    StreamUploader uploader() {
        BufferPool pool = buffers();
        return new StreamUploader(s3(), PartPlan.forUpload(config.backup().chunkSize(), pool.limit()),
                config.backup().concurrency(), pool, log);
    }

    /** Downloads with pieces within the memory budget; the chunk size and concurrency are upper bounds. */
    RangedDownloader downloader() {
        return new RangedDownloader(s3(), RangedDownloader.pieceSize(config.restore().chunkSize()),
                config.restore().concurrency(), buffers());
    }

    /** The one pool of part buffers of this process, shared by all its transfers (directory commands run several). */
    private synchronized BufferPool buffers() {
        if (buffers == null) {
            long maxHeap = Runtime.getRuntime().maxMemory();
            MemoryBudget budget = MemoryBudget.within(config.memoryBudget(), maxHeap);
            if (budget.bytes() < config.memoryBudget()) {
                log.warn("memory_budget lowered from " + config.memoryBudget() + " to " + budget.bytes()
                        + " bytes to fit the JVM heap of " + maxHeap + " bytes; raise it with"
                        + " GPBACKUP_S3_PLUGIN_JAVA_OPTS=-Xmx...");
            }
            buffers = new BufferPool(budget.bytes());
        }
        return buffers;
    }

    /**
     * The credential chain: config keys, the AWS_* environment, the shared profile files, the EC2
     * instance role. The first complete source wins and is refreshed before its keys expire.
     */
    private CredentialsProvider credentials(AwsConfigFiles awsFiles) {
        List<CredentialsProvider> sources = new ArrayList<>();
        if (config.accessKeyId().isPresent() && config.secretAccessKey().isPresent()) {
            sources.add(new StaticCredentialsProvider(
                    Credentials.of(config.accessKeyId().get(), config.secretAccessKey().get(), null)));
        }
        sources.add(new EnvironmentCredentialsProvider(environment));
        sources.add(new ProfileCredentialsProvider(awsFiles));
        sources.add(new InstanceMetadataCredentialsProvider(environment, clock));
        return new RefreshingCredentialsProvider(new CredentialsChain(sources), clock, log::warn);
    }
}
