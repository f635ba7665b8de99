package gpbackup.s3plugin.it;

import gpbackup.s3plugin.auth.Credentials;
import gpbackup.s3plugin.leaks.TestSecrets;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real Ceph RADOS Gateway (RGW 16, Debian 12's packages) for end-to-end tests of what S3Proxy
 * refuses: SSE-C, SSE-KMS and Object Lock. A one-host cluster on 127.0.0.1: one monitor, one OSD
 * on the memstore backend (no disk), pools of size 1, no cephx, everything under one directory.
 *
 * <p>The daemons run in the foreground as children of this JVM ({@code -f}), not through a script
 * that forks them away: the JVM then holds each one's pid, stops exactly those, and needs no pid
 * file or name lookup (other runs may share the machine). The setup commands are run the same way.
 */
public final class RgwServer implements AutoCloseable {
    public static final String ACCESS_KEY = "rgw-it-access-key";
    public static final String SECRET_KEY = TestSecrets.RGW_SECRET_KEY;

    /** A key name of the gateway's testing KMS in a shape the plugin's config accepts today. */
    public static final String KMS_KEY_ALIAS = "alias/gpbackup-it";
    /** A key name of the gateway's testing KMS that is not AWS-shaped, as RGW key names may be. */
    public static final String KMS_KEY_NAME = "gpbackup-it-key";

    /** The Debian packages the fixture needs, as apt-get takes them. */
    static final String PACKAGES = "radosgw ceph-mon ceph-osd ceph-common";
    private static final List<String> COMMANDS =
            List.of("ceph-mon", "ceph-osd", "radosgw", "radosgw-admin", "ceph", "monmaptool", "rados");
    private static final Duration STEP_LIMIT = Duration.ofSeconds(60);
    private static final Duration START_LIMIT = Duration.ofSeconds(120);

    private final Path dir;
    private final int port;
    private final List<Process> daemons = new ArrayList<>();
    private final Thread stopAtExit = new Thread(this::stopDaemons, "rgw-stop-at-exit");
    private Duration startup = Duration.ZERO;

    private RgwServer(Path dir, int port) {
        this.dir = dir;
        this.port = port;
    }

    /**
     * Starts the cluster and the gateway in {@code dir} (an empty directory of the caller's) and
     * waits until the gateway answers and the test user exists. Fails, never skips, when the Ceph
     * binaries are missing.
     */
    public static RgwServer start(Path dir) throws IOException, InterruptedException {
        requireCephBinaries();
        RgwServer server = new RgwServer(dir, freePort());
        Runtime.getRuntime().addShutdownHook(server.stopAtExit);
        Instant began = Instant.now();
        try {
            server.startCluster(freePort());
        } catch (IOException | InterruptedException | RuntimeException e) {
            server.close();
            throw e;
        }
        server.startup = Duration.between(began, Instant.now());
        return server;
    }

    private static void requireCephBinaries() {
        List<String> missing = COMMANDS.stream().filter(command -> !onPath(command)).toList();
        if (!missing.isEmpty()) {
            throw new IllegalStateException("The Ceph RGW tests need Debian 12's packages " + PACKAGES + " (missing "
                    + String.join(", ", missing) + "): apt-get install -y " + PACKAGES
                    + "; .ci/run installs them");
        }
    }

    private static boolean onPath(String command) {
        String path = System.getenv().getOrDefault("PATH", "");
        for (String entry : path.split(File.pathSeparator)) {
            if (!entry.isEmpty() && Files.isExecutable(Path.of(entry, command))) {
                return true;
            }
        }
        return false;
    }

    private void startCluster(int monPort) throws IOException, InterruptedException {
        for (String sub : List.of("mon", "osd", "run", "log", "crash")) {
            Files.createDirectories(dir.resolve(sub));
        }
        String fsid = UUID.randomUUID().toString();
        Path conf = Files.writeString(dir.resolve("ceph.conf"), cephConf(fsid, monPort));
        run("monmaptool", "--create", "--fsid", fsid, "--addv", "a", "[v2:127.0.0.1:" + monPort + "]",
                dir.resolve("monmap").toString());
        run("ceph-mon", "-c", conf.toString(), "-i", "a", "--mkfs", "--monmap", dir.resolve("monmap").toString());
        daemon("mon", "ceph-mon", "-c", conf.toString(), "-i", "a", "-f");

        // `ceph osd new` waits for the monitor's quorum, so it is also the monitor's readiness check.
        String osdUuid = UUID.randomUUID().toString();
        run("ceph", "-c", conf.toString(), "--connect-timeout", "60", "osd", "new", osdUuid);
        run("ceph-osd", "-c", conf.toString(), "-i", "0", "--mkfs", "--osd-uuid", osdUuid);
        daemon("osd", "ceph-osd", "-c", conf.toString(), "-i", "0", "-f");

        // The gateway creates its pools, then opens its port: its first answer means it can serve.
        daemon("rgw", "radosgw", "-c", conf.toString(), "-n", "client.rgw", "-f");
        awaitGateway();
        run("radosgw-admin", "-c", conf.toString(), "-n", "client.admin", "user", "create", "--uid=gpbackup-it",
                "--display-name=gpbackup plugin tests", "--access-key=" + ACCESS_KEY, "--secret-key=" + SECRET_KEY);
    }

    private String cephConf(String fsid, int monPort) {
        return String.join("\n",
                "[global]",
                "fsid = " + fsid,
                "mon host = v2:127.0.0.1:" + monPort,
                "public addr = 127.0.0.1",
                "ms bind msgr1 = false",
                "auth cluster required = none",
                "auth service required = none",
                "auth client required = none",
                // Daemons want a "secure" session with the monitor by default, which needs cephx.
                "ms mon client mode = crc",
                "keyring = /dev/null",
                "osd pool default size = 1",
                "osd pool default min size = 1",
                "osd pool default pg num = 8",
                "osd pool default pgp num = 8",
                "osd pool default pg autoscale mode = off",
                "mon allow pool size one = true",
                "osd crush chooseleaf type = 0",
                // Each pool the gateway creates is a monitor proposal; the default 1 s wait between
                // proposals made a start take 17 s instead of 8.
                "paxos propose interval = 0.1",
                // A full /tmp must not make the monitor shut itself down in the middle of a run.
                "mon data avail crit = 0",
                "osd objectstore = memstore",
                "memstore device bytes = " + (1L << 30),
                "mon data = " + dir.resolve("mon"),
                "osd data = " + dir.resolve("osd"),
                "run dir = " + dir.resolve("run"),
                "admin socket = " + dir.resolve("run") + "/$name.asok",
                "log file = " + dir.resolve("log") + "/$name.log",
                "crash dir = " + dir.resolve("crash"),
                "",
                "[client.rgw]",
                "rgw frontends = beast endpoint=127.0.0.1:" + port,
                // SSE-C and SSE-KMS over plain http, as the tests talk to it.
                "rgw crypt require ssl = false",
                "rgw crypt s3 kms backend = testing",
                "rgw crypt s3 kms encryption keys = " + KMS_KEY_ALIAS + "=" + kmsKey(1) + " " + KMS_KEY_NAME + "="
                        + kmsKey(2),
                "");
    }

    /** A fixed 256-bit key of the testing KMS, base64 as RGW wants it. */
    private static String kmsKey(int number) {
        return Base64.getEncoder().encodeToString(
                ("gpbackup-rgw-it-kms-key-number-" + number).getBytes(StandardCharsets.US_ASCII));
    }

    /** Runs one setup command to its end; its output goes to a log file, as it may hold the user's keys. */
    private void run(String... command) throws IOException, InterruptedException {
        Path log = dir.resolve("log").resolve(command[0] + ".out");
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        if (!process.waitFor(STEP_LIMIT.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException(command[0] + " did not finish within " + STEP_LIMIT + "; see " + log);
        }
        if (process.exitValue() != 0) {
            // Only the command's name: its arguments may hold the secret key.
            throw new IllegalStateException(command[0] + " failed with exit code " + process.exitValue() + "; see "
                    + log + " and " + dir.resolve("log"));
        }
    }

    private void daemon(String name, String... command) throws IOException {
        Path log = dir.resolve("log").resolve(name + ".out");
        daemons.add(new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start());
    }

    private void awaitGateway() throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        HttpRequest listing = HttpRequest.newBuilder(URI.create(endpoint() + "/")).timeout(Duration.ofSeconds(5)).build();
        Instant deadline = Instant.now().plus(START_LIMIT);
        while (Instant.now().isBefore(deadline)) {
            for (Process daemon : daemons) {
                if (!daemon.isAlive()) {
                    throw new IllegalStateException(daemon.info().command().orElse("a Ceph daemon") + " exited with "
                            + daemon.exitValue() + " during start; its logs are in " + dir.resolve("log"));
                }
            }
            try {
                if (http.send(listing, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // Not listening yet: the gateway opens its port once its pools exist.
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("the Ceph gateway did not answer within " + START_LIMIT + "; its logs are in "
                + dir.resolve("log"));
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** The gateway's URL, plain http on 127.0.0.1. */
    public String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    /** How long {@link #start} took, from the first command to a gateway with its user. */
    public Duration startup() {
        return startup;
    }

    public Credentials credentials() {
        return Credentials.of(ACCESS_KEY, SECRET_KEY, null);
    }

    /** A client of this gateway that signs with the test user's keys. */
    public RawS3Client client() {
        return new RawS3Client(endpoint(), credentials());
    }

    /** Plugin options for this gateway (as {@link PluginConfigFile#options} gives for S3Proxy), plus any extra. */
    public Map<String, String> pluginOptions(String bucket, String folder, Map<String, String> extra) {
        return PluginConfigFile.options(endpoint(), ACCESS_KEY, SECRET_KEY, bucket, folder, extra);
    }

    public void createBucket(String bucket) throws IOException, InterruptedException {
        expectOk("create bucket " + bucket, client().exchange("PUT", "/" + bucket, "", List.of(), new byte[0]));
    }

    /** A bucket created with Object Lock enabled (RGW turns its versioning on with it). */
    public void createBucketWithObjectLock(String bucket) throws IOException, InterruptedException {
        expectOk("create bucket " + bucket + " with Object Lock", client().exchange("PUT", "/" + bucket, "",
                List.of(Map.entry("x-amz-bucket-object-lock-enabled", "true")), new byte[0]));
    }

    /** A bucket with versioning enabled. */
    public void createVersionedBucket(String bucket) throws IOException, InterruptedException {
        createBucket(bucket);
        byte[] enabled = "<VersioningConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
                .concat("<Status>Enabled</Status></VersioningConfiguration>").getBytes(StandardCharsets.UTF_8);
        expectOk("enable versioning on " + bucket, client().exchange("PUT", "/" + bucket, "versioning=", List.of(),
                enabled));
    }

    /**
     * The bytes RGW keeps in RADOS for a small object (its head object, up to 4 MiB) of an
     * unversioned bucket, read past the gateway: what proves whether it encrypted the data at rest.
     */
    public byte[] storedBytes(String bucket, String key) throws IOException, InterruptedException {
        Path stats = dir.resolve("log").resolve("bucket-stats.json");
        Files.deleteIfExists(stats);
        Process process = new ProcessBuilder("radosgw-admin", "-c", conf().toString(), "-n", "client.admin",
                "bucket", "stats", "--bucket=" + bucket).redirectOutput(stats.toFile())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        if (!process.waitFor(STEP_LIMIT.toSeconds(), TimeUnit.SECONDS) || process.exitValue() != 0) {
            process.destroyForcibly();
            throw new IOException("radosgw-admin bucket stats --bucket=" + bucket + " failed");
        }
        Matcher marker = Pattern.compile("\"marker\": \"([^\"]+)\"")
                .matcher(Files.readString(stats));
        if (!marker.find()) {
            throw new IOException("no marker in the stats of bucket " + bucket + ": " + stats);
        }
        Path object = dir.resolve("log").resolve("stored-object");
        Files.deleteIfExists(object);
        run("rados", "-c", conf().toString(), "-p", "default.rgw.buckets.data", "get", marker.group(1) + "_" + key,
                object.toString());
        return Files.readAllBytes(object);
    }

    private Path conf() {
        return dir.resolve("ceph.conf");
    }

    private static void expectOk(String what, HttpResponse<String> response) throws IOException {
        if (response.statusCode() != 200) {
            throw new IOException(what + ": HTTP " + response.statusCode() + " " + response.body());
        }
    }

    /** Stops the gateway, then the OSD, then the monitor, each by its own process. */
    @Override
    public void close() {
        stopDaemons();
        try {
            Runtime.getRuntime().removeShutdownHook(stopAtExit);
        } catch (IllegalStateException exiting) {
            // Called from the JVM's shutdown: the hook runs or has run anyway.
        }
    }

    private synchronized void stopDaemons() {
        for (int i = daemons.size() - 1; i >= 0; i--) {
            Process daemon = daemons.remove(i);
            daemon.destroy();
            try {
                if (!daemon.waitFor(10, TimeUnit.SECONDS)) {
                    daemon.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                daemon.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}
