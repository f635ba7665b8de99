package gpbackup.s3plugin.command;

import gpbackup.s3plugin.backup.KeyLayout;
import gpbackup.s3plugin.backup.SealedObjects;
import gpbackup.s3plugin.config.PluginConfig;
import gpbackup.s3plugin.log.PluginLog;
import gpbackup.s3plugin.progress.Progress;
import gpbackup.s3plugin.progress.ProgressDisplay;
import gpbackup.s3plugin.s3.RequestObserver;
import gpbackup.s3plugin.s3.S3Client;
import gpbackup.s3plugin.transfer.ObjectStorage;
import gpbackup.s3plugin.transfer.PacedStorage;
import gpbackup.s3plugin.transfer.RangedDownloader;
import gpbackup.s3plugin.transfer.S3Storage;
import gpbackup.s3plugin.transfer.StreamUploader;
import gpbackup.s3plugin.wiring.S3ClientFactory;
import gpbackup.s3plugin.wiring.TransferResources;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Clock;
import java.util.List;
import java.util.OptionalInt;
import java.util.function.Function;

/**
 * What one command works with: its arguments, the config, the log, the data streams, and the
 * S3 client and part buffers, asked for on first use (commands that never talk to S3 never
 * build them).
 */
public final class PluginContext {
    private final List<String> args;
    private final PluginConfig config;
    private final PluginLog log;
    private final InputStream stdin;
    private final OutputStream stdout;
    private final TransferResources resources;
    private final Function<String, String> environment;
    private final OptionalInt umask;
    private final Clock clock;
    private final ProgressDisplay progress;
    private final RequestObserver audit;
    private S3Client client;

    /** @param audit told of every S3 request the command makes (its audit trail), or {@link RequestObserver#NONE} */
    public PluginContext(List<String> args, PluginConfig config, PluginLog log, InputStream stdin, OutputStream stdout,
                  TransferResources resources, Function<String, String> environment, OptionalInt umask, Clock clock,
                  ProgressDisplay progress, RequestObserver audit) {
        this.umask = umask;
        this.clock = clock;
        this.progress = progress;
        this.audit = audit;
        this.args = List.copyOf(args);
        this.config = config;
        this.log = log;
        this.stdin = stdin;
        this.stdout = stdout;
        this.resources = resources;
        this.environment = environment;
    }

    /** The caller's environment variables. */
    public String env(String name) {
        return environment.apply(name);
    }

    /** Argument {@code i}, counting the config path as 0, as gpbackup passes them. */
    public String arg(int i) {
        return args.get(i);
    }

    public int argCount() {
        return args.size();
    }

    /** The caller's umask, when it is not this process's own (a call relayed to the host agent). */
    public OptionalInt umask() {
        return umask;
    }

    /** The time now, for commands that compare backup timestamps with it. */
    public Clock clock() {
        return clock;
    }

    public PluginConfig config() {
        return config;
    }

    public KeyLayout layout() {
        return new KeyLayout(config.folder());
    }

    /** How objects are sealed on upload and opened on download, by the config's client-side encryption keys. */
    public SealedObjects sealedObjects() {
        return new SealedObjects(config.sealingKeys());
    }

    public PluginLog log() {
        return log;
    }

    public InputStream stdin() {
        return stdin;
    }

    public OutputStream stdout() {
        return stdout;
    }

    /**
     * Progress of a task of {@code totalBytes} (negative when unknown), for a person watching: a
     * live line when stderr is a terminal (spec/commands.md, "Progress on a terminal"), else silent.
     */
    public Progress progress(String task, long totalBytes) {
        return progress.start(task, totalBytes);
    }

    /** Whether a person watches the progress; never under gpbackup, never through the host agent. */
    public boolean watched() {
        return progress.live();
    }

    /**
     * This command's client, built once on the shared connection with the command's audit trail
     * and the config's storage policy (S3ClientFactory#client).
     */
    public synchronized S3Client s3() {
        if (client == null) {
            client = S3ClientFactory.client(resources.connection(config, log), config, audit);
        }
        return client;
    }

    /** Told of every S3 request the command makes: its audit trail, or {@link RequestObserver#NONE}. */
    public RequestObserver audit() {
        return audit;
    }

    /** Uploads with parts planned within the memory budget; the configured part size and concurrency are upper bounds. */
    public StreamUploader uploader() {
        return StreamUploader.planned(storage(), config.backup().chunkSize(), config.backup().concurrency(),
                resources.buffers(config, log), log);
    }

    /** Downloads with pieces within the memory budget; the configured piece size and concurrency are upper bounds. */
    public RangedDownloader downloader() {
        return RangedDownloader.planned(storage(), config.restore().chunkSize(), config.restore().concurrency(),
                resources.buffers(config, log));
    }

    /** The store as the transfers see it: within max_bandwidth when the config sets one. */
    private ObjectStorage storage() {
        ObjectStorage store = new S3Storage(s3());
        return resources.bandwidth(config).<ObjectStorage>map(cap -> new PacedStorage(store, cap)).orElse(store);
    }
}
