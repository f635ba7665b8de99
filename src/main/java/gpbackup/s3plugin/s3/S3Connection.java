package gpbackup.s3plugin.s3;

import gpbackup.s3plugin.log.PluginLog;
import java.net.http.HttpClient;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * What every call to one store shares, and nothing a call chooses: the HTTP client (its pooled
 * connections and TLS sessions), the endpoint, how requests are signed and retried, and the idle
 * watchdog's thread. A process builds one for its command; the host agent keeps one per config for
 * all its calls. Each call then builds its own {@link RequestEngine} and {@link S3Client} on it,
 * with its own observer and storage policy, so nothing a call carries is ever copied or defaulted.
 */
public final class S3Connection implements AutoCloseable {
    private final HttpClient http;
    private final S3Endpoint endpoint;
    private final RequestEngine.Signing signing;
    private final RequestEngine.Settings settings;
    private final PluginLog log;
    private final ScheduledExecutorService watchdogs;

    /** @param log where retries and set-up notes go: the process's, or the agent's (a connection outlives a call) */
    public S3Connection(HttpClient http, S3Endpoint endpoint, RequestEngine.Signing signing,
                        RequestEngine.Settings settings, PluginLog log) {
        this.http = http;
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

    /** Which credential source signs the requests (see CredentialsProvider#source); no secret. */
    public String credentialsSource() {
        return signing.credentials().source();
    }

    HttpClient http() {
        return http;
    }

    RequestEngine.Signing signing() {
        return signing;
    }

    RequestEngine.Settings settings() {
        return settings;
    }

    PluginLog log() {
        return log;
    }

    ScheduledExecutorService watchdogs() {
        return watchdogs;
    }

    /**
     * Stops the watchdog thread and the HTTP client's threads where the JDK can (Java 21 made
     * {@link HttpClient} closeable; the check compiles on 17 without reflection). Its selector
     * thread sits in native code, and HotSpot's exit waits up to 300 ms for such threads.
     */
    @Override
    public void close() {
        watchdogs.shutdownNow();
        if (http instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                log.debug("closing the HTTP client: " + e);
            }
        }
    }
}
