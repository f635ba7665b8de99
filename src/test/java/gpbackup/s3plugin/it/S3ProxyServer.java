package gpbackup.s3plugin.it;

import gpbackup.s3plugin.leaks.TestSecrets;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * A real S3-compatible server for end-to-end tests: S3Proxy, run from its standalone jar as a
 * child process on a free loopback port, with SigV4 authorization enforced and an in-memory store.
 */
public final class S3ProxyServer implements AutoCloseable {
    public static final String ACCESS_KEY = "it-access-key";
    public static final String SECRET_KEY = TestSecrets.S3PROXY_SECRET_KEY;

    private final Process process;
    private final int port;
    private final Path logFile;
    private final boolean tls;

    private S3ProxyServer(Process process, int port, Path logFile, boolean tls) {
        this.process = process;
        this.port = port;
        this.logFile = logFile;
        this.tls = tls;
    }

    /** Starts S3Proxy on plain http and waits until it accepts connections. */
    public static S3ProxyServer start(Path workDir) throws IOException, InterruptedException {
        return start(workDir, null);
    }

    /** Starts S3Proxy on https with the given certificate, or on http when it is null. */
    public static S3ProxyServer start(Path workDir, TestCertificate certificate)
            throws IOException, InterruptedException {
        return start(workDir, certificate, freePort());
    }

    /**
     * Starts S3Proxy on plain http keeping objects in files under {@code workDir}, for objects
     * too large for the in-memory store (it holds an object's parts and the whole object at once).
     */
    public static S3ProxyServer startOnDisk(Path workDir) throws IOException, InterruptedException {
        Path data = Files.createDirectories(workDir.resolve("s3proxy-data"));
        return start(workDir, null, freePort(), "jclouds.provider=filesystem\njclouds.filesystem.basedir=" + data);
    }

    /** Stops this server and starts an empty one on the same port, as after a crash and restart. */
    public S3ProxyServer restart(Path workDir) throws IOException, InterruptedException {
        close();
        return start(workDir, null, port);
    }

    private static S3ProxyServer start(Path workDir, TestCertificate certificate, int port)
            throws IOException, InterruptedException {
        return start(workDir, certificate, port, "jclouds.provider=transient");
    }

    private static S3ProxyServer start(Path workDir, TestCertificate certificate, int port, String store)
            throws IOException, InterruptedException {
        String jar = System.getProperty("s3proxy.jar", "target/s3proxy/s3proxy.jar");
        if (!Files.isRegularFile(Path.of(jar))) {
            throw new IllegalStateException("S3Proxy jar not found at " + jar + "; run through 'mvn verify'");
        }
        Path properties = workDir.resolve("s3proxy.properties");
        String listen = certificate == null
                ? "s3proxy.endpoint=http://127.0.0.1:" + port
                : "s3proxy.secure-endpoint=https://127.0.0.1:" + port
                        + "\ns3proxy.keystore-path=" + certificate.keyStore()
                        + "\ns3proxy.keystore-password=" + certificate.password();
        Files.writeString(properties, String.join("\n",
                listen,
                "s3proxy.authorization=aws-v2-or-v4",
                "s3proxy.identity=" + ACCESS_KEY,
                "s3proxy.credential=" + SECRET_KEY,
                store,
                "jclouds.identity=unused",
                "jclouds.credential=unused",
                ""));
        Path logFile = workDir.resolve("s3proxy.log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(List.of(java, "-Xmx3g", "-jar", jar, "--properties", properties.toString()))
                .redirectErrorStream(true)
                .redirectOutput(logFile.toFile())
                .start();
        S3ProxyServer server = new S3ProxyServer(process, port, logFile, certificate != null);
        server.awaitListening(Duration.ofSeconds(60));
        return server;
    }

    public String endpoint() {
        return (tls ? "https" : "http") + "://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    private void awaitListening(Duration limit) throws IOException, InterruptedException {
        Instant deadline = Instant.now().plus(limit);
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("S3Proxy exited: " + Files.readString(logFile));
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                Thread.sleep(100);
            }
        }
        close();
        throw new IllegalStateException("S3Proxy did not start within " + limit);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
