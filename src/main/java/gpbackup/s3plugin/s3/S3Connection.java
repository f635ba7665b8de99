package gpbackup.s3plugin.s3;

import gpbackup.s3plugin.auth.CredentialsProvider;
import gpbackup.s3plugin.auth.SigV4Signer;
import gpbackup.s3plugin.http.HttpTransport;
import gpbackup.s3plugin.log.PluginLog;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What every call to one store shares, and nothing a call chooses: the HTTP client (its pooled
 * connections and TLS sessions), the endpoint, how requests are signed and retried, and the idle
 * watchdog's thread. A process builds one for its command; the host agent keeps one per config for
 * all its calls. Each call then builds its own {@link RequestEngine} and {@link S3Client} on it,
 * with its own observer and storage policy, so nothing a call carries is ever copied or defaulted.
 */
public final class S3Connection implements AutoCloseable {
    /** Bodies above this are sent chunk-signed; see {@link AwsChunkedBody} for why. */
    public static final long DEFAULT_CHUNKED_THRESHOLD = 64L * 1024 * 1024;
    /** A request that makes no progress (sends, receives nothing) for this long is taken for a dead connection. */
    public static final Duration DEFAULT_IDLE_LIMIT = Duration.ofMinutes(2);

    /** How each attempt is authenticated: the signer, where credentials come from, the clock that dates it. */
    public record Signing(SigV4Signer signer, CredentialsProvider credentials, Clock clock) {
    }

    /**
     * How requests are sent and retried.
     *
     * @param chunkedThreshold bodies above this many bytes are sent aws-chunked, each frame signed
     * @param idleLimit        how long an attempt may make no progress (nothing sent, nothing received)
     *                         before it is given up and retried
     */
    public record Settings(RetryPolicy retry, long chunkedThreshold, Duration idleLimit) {
        /** The defaults, with {@code retries} retries of a failed request. */
        public static Settings withRetries(int retries) {
            return new Settings(RetryPolicy.withRetries(retries), DEFAULT_CHUNKED_THRESHOLD, DEFAULT_IDLE_LIMIT);
        }
    }

    private final List<HttpTransport> transports;
    private final AtomicInteger nextTransport = new AtomicInteger();
    private final S3Endpoint endpoint;
    private final Signing signing;
    private final Settings settings;
    private final PluginLog log;
    private final ScheduledExecutorService watchdogs;

    /** @param log where retries and set-up notes go: the process's, or the agent's (a connection outlives a call) */
    public S3Connection(HttpClient http, S3Endpoint endpoint, Signing signing,
                        Settings settings, PluginLog log) {
        this(HttpTransport.of(http), endpoint, signing, settings, log);
    }

    /** @param http the client and what every request through it carries (a proxy's credentials, a watcher) */
    public S3Connection(HttpTransport http, S3Endpoint endpoint, Signing signing,
                        Settings settings, PluginLog log) {
        this(List.of(http), endpoint, signing, settings, log);
    }

    /**
     * A connection whose calls are spread over several HTTP clients. Each client has one selector
     * thread, which reads every socket of its calls: one client caps a host agent that serves many
     * calls at what one core can read (spec/agent.md, "Selector threads").
     */
    public S3Connection(List<HttpTransport> transports, S3Endpoint endpoint, Signing signing,
                        Settings settings, PluginLog log) {
        this.transports = List.copyOf(transports);
        this.endpoint = endpoint;
        this.signing = signing;
        this.settings = settings;
        this.log = log;
        this.watchdogs = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "idle-watchdog");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Where every request on this connection goes. */
    public S3Endpoint endpoint() {
        return endpoint;
    }

    /** One of the HTTP clients, each in turn: a call takes one for all its requests, so its connections stay warm. */
    HttpTransport http() {
        return transports.get(Math.floorMod(nextTransport.getAndIncrement(), transports.size()));
    }

    Signing signing() {
        return signing;
    }

    Settings settings() {
        return settings;
    }

    PluginLog log() {
        return log;
    }

    ScheduledExecutorService watchdogs() {
        return watchdogs;
    }

    /** Stops the watchdog thread and the HTTP client's threads ({@link HttpTransport#close}). */
    @Override
    public void close() {
        watchdogs.shutdownNow();
        for (HttpTransport http : transports) {
            try {
                http.close();
            } catch (Exception e) {
                log.debug("closing the HTTP client: " + e);
            }
        }
    }
}
