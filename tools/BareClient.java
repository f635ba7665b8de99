import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Flow;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The benchmark's floor for our transport: the JDK's HttpClient alone, with no signing and no
 * plugin code, fetching an object (a presigned URL) in ranges a few at a time and writing them
 * to stdout in order, as a restore does. Each run is timed in the same JVM, so the first run is
 * the cold figure and the later ones the warm figures.
 *
 * <p>The best consumer of the client we know: a body subscriber that copies each buffer the
 * client hands over straight into a direct block of the range's size, written in order to
 * stdout through the file's channel (no InputStream, no second copy, no native copy on write).
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
        // One direct block per range in flight and one being written, reused: no garbage per range.
        BlockingQueue<ByteBuffer> free = new ArrayBlockingQueue<>(connections + 1);
        for (int i = 0; i <= connections; i++) {
            free.add(ByteBuffer.allocateDirect(piece));
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
                    ByteBuffer into = free.take().clear();
                    window.add(fetchers.submit(() -> fetch(http, url, from, to, into)));
                }
                ByteBuffer bytes = window.poll().get();
                while (bytes.hasRemaining()) {
                    stdout.write(bytes);
                }
                free.add(bytes);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            double cpuPerGiB = (os.getProcessCpuTime() - cpu) / 1e9 / (size / (double) (1L << 30));
            System.err.printf("run %d %.0f %.2f%n", run, size / seconds / 1e6, cpuPerGiB);
        }
        fetchers.shutdown();
    }

    /** One range, each buffer the client delivers copied into {@code into} as it comes. */
    private static ByteBuffer fetch(HttpClient http, URI url, long from, long to, ByteBuffer into) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(url).header("Range", "bytes=" + from + "-" + (to - 1)).build();
        HttpResponse<ByteBuffer> response = http.send(request, info -> HttpResponse.BodySubscribers.fromSubscriber(
                new Landing(into), landing -> landing.into));
        if (response.statusCode() != 206) {
            throw new IOException("HTTP " + response.statusCode() + " for bytes " + from + "-" + (to - 1));
        }
        ByteBuffer body = response.body().flip();
        if (body.remaining() != to - from) {
            throw new IOException("short body: " + body.remaining() + " of " + (to - from));
        }
        return body;
    }

    /** Copies every delivered buffer into one block, asking for more at once. */
    private static final class Landing implements Flow.Subscriber<List<ByteBuffer>> {
        final ByteBuffer into;

        Landing(ByteBuffer into) {
            this.into = into;
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> buffers) {
            for (ByteBuffer buffer : buffers) {
                into.put(buffer);
            }
        }

        @Override
        public void onError(Throwable failure) {
        }

        @Override
        public void onComplete() {
        }
    }
}
