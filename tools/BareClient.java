import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The benchmark's floor for our transport: the JDK's HttpClient alone, with no signing and no
 * plugin code, fetching an object (a presigned URL) in ranges a few at a time and writing them
 * to stdout in order, as a restore does. Each run is timed in the same JVM, so the first run is
 * the cold figure and the later ones the warm figures.
 *
 *   java BareClient.java URL SIZE PIECE CONNECTIONS RUNS > /dev/null
 *
 * Prints one line per run on stderr: "run N MB/s CPU-s/GiB".
 */
public final class BareClient {
    public static void main(String[] args) throws Exception {
        URI url = URI.create(args[0]);
        long size = Long.parseLong(args[1]);
        int piece = Integer.parseInt(args[2]);
        int connections = Integer.parseInt(args[3]);
        int runs = Integer.parseInt(args[4]);
        if (System.getProperty("jdk.httpclient.bufsize") == null) {
            System.setProperty("jdk.httpclient.bufsize", Integer.toString(256 * 1024));
        }
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        FileChannel stdout = new FileOutputStream(FileDescriptor.out).getChannel();
        ExecutorService fetchers = Executors.newFixedThreadPool(connections);
        // One array per range in flight and one being written, reused: no garbage per range.
        BlockingQueue<byte[]> free = new ArrayBlockingQueue<>(connections + 1);
        for (int i = 0; i <= connections; i++) {
            free.add(new byte[piece]);
        }
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        for (int run = 1; run <= runs; run++) {
            long start = System.nanoTime();
            long cpu = os.getProcessCpuTime();
            Deque<Future<ByteBuffer>> window = new ArrayDeque<>();
            long next = 0;
            while (next < size || !window.isEmpty()) {
                while (next < size && window.size() < connections) {
                    long from = next;
                    long to = Math.min(size, from + piece);
                    next = to;
                    byte[] into = free.take();
                    window.add(fetchers.submit(() -> fetch(http, url, from, to, into)));
                }
                ByteBuffer bytes = window.poll().get();
                while (bytes.hasRemaining()) {
                    stdout.write(bytes);
                }
                free.add(bytes.array());
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            double cpuPerGiB = (os.getProcessCpuTime() - cpu) / 1e9 / (size / (double) (1L << 30));
            System.err.printf("run %d %.0f %.2f%n", run, size / seconds / 1e6, cpuPerGiB);
        }
        fetchers.shutdown();
    }

    /** One range, read through the client's InputStream into an array of its own: the plain way to use it. */
    private static ByteBuffer fetch(HttpClient http, URI url, long from, long to, byte[] into) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(url).header("Range", "bytes=" + from + "-" + (to - 1)).build();
        HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = response.body()) {
            if (response.statusCode() != 206) {
                throw new IOException("HTTP " + response.statusCode() + " for bytes " + from + "-" + (to - 1));
            }
            int length = (int) (to - from);
            int got = 0;
            for (int n; got < length && (n = body.read(into, got, length - got)) > 0; ) {
                got += n;
            }
            if (got != length) {
                throw new IOException("short body: " + got + " of " + length);
            }
            return ByteBuffer.wrap(into, 0, length);
        }
    }
}
