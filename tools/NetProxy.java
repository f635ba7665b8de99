import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A network you can dial: a loopback TCP proxy that puts a round trip, a per-connection rate
 * and a shared link rate between a client and a server, so a benchmark on one host sees
 * something like a real S3 endpoint instead of loopback, where nothing waits.
 *
 *   java tools/NetProxy.java --listen PORT --target HOST:PORT [--profile NAME]
 *                            [--rtt-ms MS] [--conn-mbps MB/s] [--link-mbps MB/s] [--stats SECONDS]
 *
 * Profiles (MB = 10^6 bytes; every cap holds in each direction separately, as on a full-duplex link):
 *   region  RTT 4 ms,   90 MB/s per connection, link 1,000 MB/s   (S3 in the same region)
 *   far     RTT 40 ms,  40 MB/s per connection, link 500 MB/s     (another region, or on premises)
 *   lan     RTT 0.3 ms, no per-connection cap,  link 117 MB/s     (a MinIO behind 1 GbE)
 * The explicit options override the profile's values; 0 means no cap. --listen 0 picks a free
 * port. It prints "listening on 127.0.0.1:PORT (...)" on stdout once bound and runs until killed.
 * --stats prints, every SECONDS, the open and busy connections and the rate each way on stderr.
 *
 * Each direction of a connection is a delay line: a reader stamps every chunk it receives with
 * its arrival time into a bounded ring, and a writer releases it at arrival + RTT/2, paced by
 * the connection's token bucket and the link's (shared by all connections in that direction).
 * So the delay is a pipeline delay: a connection carries its full rate however long the round
 * trip, as a TCP connection with a large enough window does, and the rings' bound is what gives
 * the sender back-pressure. A new connection also pays the round trip of the TCP handshake,
 * which loopback completes at once: its first request byte leaves after 1.5 RTT, not 0.5.
 * A FIN is released after the data before it, like the data; a reset or a failed write aborts
 * the connection at once on both sides.
 */
public final class NetProxy {
    /** The largest burst a bucket grants at once, and the largest write: small enough that the rate is smooth. */
    static final int BURST = 64 * 1024;
    /** How far back a late writer may claim the time its bytes were waiting: longer than a scheduler's hiccup. */
    static final long CATCH_UP = 20_000_000;

    /** A network to emulate; a rate of 0 is no cap. Rates in bytes per second. */
    record Profile(String name, double rttMs, double connRate, double linkRate) {
        static Profile named(String name) {
            return switch (name) {
                case "region" -> new Profile(name, 4, 90e6, 1000e6);
                case "far" -> new Profile(name, 40, 40e6, 500e6);
                case "lan" -> new Profile(name, 0.3, 0, 117e6);
                default -> null;
            };
        }

        String describe() {
            return String.format(Locale.ROOT, "profile %s: RTT %s ms, %s, %s", name, number(rttMs),
                    connRate > 0 ? number(connRate / 1e6) + " MB/s per connection" : "no per-connection cap",
                    linkRate > 0 ? "link " + number(linkRate / 1e6) + " MB/s" : "no link cap");
        }

        private static String number(double value) {
            return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
        }
    }

    public static void main(String[] args) throws IOException {
        Integer listen = null;
        String target = null;
        Profile profile = new Profile("custom", 0, 0, 0);
        Double rtt = null, conn = null, link = null;
        double stats = 0;
        try {
            for (int i = 0; i < args.length; i++) {
                String option = args[i];
                if (i + 1 == args.length) {
                    throw new IllegalArgumentException(option + " needs a value");
                }
                String value = args[++i];
                switch (option) {
                    case "--listen" -> listen = Integer.parseInt(value);
                    case "--target" -> target = value;
                    case "--profile" -> {
                        profile = Profile.named(value);
                        if (profile == null) {
                            throw new IllegalArgumentException("no profile " + value + " (region, far, lan)");
                        }
                    }
                    case "--rtt-ms" -> rtt = nonNegative(option, value);
                    case "--conn-mbps" -> conn = nonNegative(option, value) * 1e6;
                    case "--link-mbps" -> link = nonNegative(option, value) * 1e6;
                    case "--stats" -> stats = nonNegative(option, value);
                    default -> throw new IllegalArgumentException("unknown option " + option);
                }
            }
            if (listen == null || target == null || target.lastIndexOf(':') < 1) {
                throw new IllegalArgumentException("--listen PORT and --target HOST:PORT are required");
            }
        } catch (IllegalArgumentException e) {
            System.err.println("NetProxy: " + e.getMessage());
            System.err.println("usage: java tools/NetProxy.java --listen PORT --target HOST:PORT [--profile region|far|lan]"
                    + " [--rtt-ms MS] [--conn-mbps MB/s] [--link-mbps MB/s] [--stats SECONDS]");
            System.exit(2);
            return;
        }
        profile = new Profile(profile.name(), rtt != null ? rtt : profile.rttMs(),
                conn != null ? conn : profile.connRate(), link != null ? link : profile.linkRate());
        int colon = target.lastIndexOf(':');
        InetSocketAddress upstream = new InetSocketAddress(target.substring(0, colon),
                Integer.parseInt(target.substring(colon + 1)));

        NetProxy proxy = new NetProxy(profile, upstream);
        ServerSocketChannel server = ServerSocketChannel.open();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), listen), 256);
        int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
        System.out.println("listening on 127.0.0.1:" + port + " (" + profile.describe() + ")");
        System.out.flush();
        if (stats > 0) {
            proxy.reportEvery(stats);
        }
        while (true) {
            SocketChannel client = server.accept();
            long acceptedAt = System.nanoTime();
            thread("connect", () -> proxy.open(client, acceptedAt));
        }
    }

    private static double nonNegative(String option, String value) {
        double parsed = Double.parseDouble(value);
        if (!(parsed >= 0) || Double.isInfinite(parsed)) {
            throw new IllegalArgumentException(option + " must be a number >= 0, not " + value);
        }
        return parsed;
    }

    private final Profile profile;
    private final InetSocketAddress upstream;
    private final long halfRtt;
    private final Bucket linkUp, linkDown;
    private final int ringSize;
    /** Rings of connections gone, for the next: a direct buffer is costly to make and freed only by a GC. */
    private final ConcurrentLinkedQueue<ByteBuffer> rings = new ConcurrentLinkedQueue<>();
    private final Set<Connection> open = ConcurrentHashMap.newKeySet();
    private final AtomicLong sentUp = new AtomicLong(), sentDown = new AtomicLong();

    private NetProxy(Profile profile, InetSocketAddress upstream) {
        this.profile = profile;
        this.upstream = upstream;
        this.halfRtt = Math.round(profile.rttMs() * 1e6 / 2);
        this.linkUp = Bucket.of(profile.linkRate());
        this.linkDown = Bucket.of(profile.linkRate());
        // A ring must hold what is in flight for half a round trip at the fastest a connection
        // may go, with as much again for the writer to be behind; with no caps, assume 2.5 GB/s.
        double fastest = profile.connRate() > 0 ? profile.connRate() : profile.linkRate() > 0 ? profile.linkRate() : 2.5e9;
        long inFlight = (long) (2 * fastest * halfRtt / 1e9);
        this.ringSize = (int) Math.min(256L << 20, Math.max(2L << 20, (inFlight + BURST - 1) / BURST * BURST));
    }

    private void open(SocketChannel client, long acceptedAt) {
        SocketChannel server;
        try {
            server = SocketChannel.open();
            server.connect(upstream);
        } catch (IOException e) {
            System.err.println("NetProxy: cannot connect to " + upstream + ": " + e.getMessage());
            abort(client);
            return;
        }
        Connection connection = new Connection(client, server);
        open.add(connection);
        try {
            for (SocketChannel channel : new SocketChannel[] {client, server}) {
                // Nagle would hold back the small writes (request and response heads) by a round trip of its own.
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            }
        } catch (IOException e) {
            connection.abort();
            return;
        }
        Bucket connUp = Bucket.of(profile.connRate()), connDown = Bucket.of(profile.connRate());
        // The request's first byte waits for the handshake's round trip, which loopback skipped.
        Pipe up = new Pipe(connection, client, server, acceptedAt + 2 * halfRtt + halfRtt, connUp, linkUp, sentUp);
        Pipe down = new Pipe(connection, server, client, 0, connDown, linkDown, sentDown);
        connection.pipes = new Pipe[] {up, down};
        thread("up-send", up::send);
        thread("down-receive", down::receive);
        thread("down-send", down::send);
        up.receive();
    }

    /** Closes a channel with a reset rather than a FIN, so the peer knows the connection failed. */
    private static void abort(SocketChannel channel) {
        try {
            if (channel.isOpen()) {
                channel.setOption(StandardSocketOptions.SO_LINGER, 0);
            }
        } catch (IOException ignored) {
            // Closed under us: the close below is all that is left to do.
        }
        try {
            channel.close();
        } catch (IOException ignored) {
            // Nothing more can be done for a channel that fails to close.
        }
    }

    private static void thread(String name, Runnable body) {
        // Small stacks: the threads only move buffers, and a busy benchmark opens hundreds.
        Thread thread = new Thread(null, body, "netproxy-" + name, 256 * 1024);
        thread.setDaemon(true);
        thread.start();
    }

    private void reportEvery(double seconds) {
        thread("stats", () -> {
            long start = System.nanoTime(), up = 0, down = 0;
            Map<Connection, Long> moved = new ConcurrentHashMap<>();
            while (true) {
                LockSupport.parkNanos((long) (seconds * 1e9));
                long nowUp = sentUp.get(), nowDown = sentDown.get();
                int busy = 0;
                for (Connection connection : open) {
                    long total = connection.moved.get();
                    Long before = moved.put(connection, total);
                    if (before == null ? total > 0 : total > before) {
                        busy++;
                    }
                }
                moved.keySet().retainAll(open);
                System.err.printf(Locale.ROOT, "NetProxy %.1f s: %d open, %d busy, down %.1f MB/s, up %.1f MB/s%n",
                        (System.nanoTime() - start) / 1e9, open.size(), busy,
                        (nowDown - down) / seconds / 1e6, (nowUp - up) / seconds / 1e6);
                up = nowUp;
                down = nowDown;
            }
        });
    }

    /** Parks until System.nanoTime() reaches deadline: parkNanos, unlike Thread.sleep on Java 17, is finer than a millisecond. */
    static void waitUntil(long deadline) {
        for (long left; (left = deadline - System.nanoTime()) > 0; ) {
            LockSupport.parkNanos(left);
        }
    }

    /**
     * A token bucket of BURST bytes as a schedule: {@code empty} is the time at which the bucket
     * would hold no tokens. A reservation may run it into debt, and its caller waits until the
     * debt is paid; so callers are served in the order they ask, and none is starved.
     *
     * The bucket fills from when the caller's bytes were ready, not from now: a writer that
     * woke late (on a busy host the scheduler runs it milliseconds after its deadline) had its
     * bytes waiting all along, and a wire would have carried them meanwhile, so it may catch up
     * on that time (at most CATCH_UP) instead of losing it. Idle time still earns only BURST.
     */
    static final class Bucket {
        private final double nanosPerByte;
        private final long burstNanos;
        private long empty = Long.MIN_VALUE / 2;

        private Bucket(double rate) {
            this.nanosPerByte = 1e9 / rate;
            this.burstNanos = (long) (BURST * nanosPerByte);
        }

        /** No bucket for no cap: the writers skip it. */
        static Bucket of(double rate) {
            return rate > 0 ? new Bucket(rate) : null;
        }

        /** Takes bytes, ready to go since {@code ready}, from the bucket; returns when they may be sent. */
        synchronized long reserve(int bytes, long ready) {
            empty = Math.max(empty, ready - burstNanos) + (long) (bytes * nanosPerByte);
            return empty;
        }
    }

    /** The two directions of one proxied connection, closed when both have finished, or aborted together. */
    private final class Connection {
        final SocketChannel client, server;
        final AtomicLong moved = new AtomicLong();
        final AtomicInteger finished = new AtomicInteger();
        final AtomicBoolean closed = new AtomicBoolean();
        volatile Pipe[] pipes = new Pipe[0];

        Connection(SocketChannel client, SocketChannel server) {
            this.client = client;
            this.server = server;
        }

        /** One direction has delivered its FIN; the second closes the connection. */
        void finish() {
            if (finished.incrementAndGet() == 2 && closed.compareAndSet(false, true)) {
                open.remove(this);
                for (SocketChannel channel : new SocketChannel[] {client, server}) {
                    try {
                        channel.close();
                    } catch (IOException ignored) {
                        // Both FINs are through: nothing is lost.
                    }
                }
            }
        }

        /** A read or write failed: reset both sides at once and wake the threads waiting on the rings. */
        void abort() {
            if (closed.compareAndSet(false, true)) {
                open.remove(this);
                NetProxy.abort(client);
                NetProxy.abort(server);
                for (Pipe pipe : pipes) {
                    pipe.wake();
                }
            }
        }
    }

    /**
     * One direction of a connection: the bytes read from {@code from} wait in a ring until their
     * time comes and then are written to {@code to} at the rate the buckets allow. The ring's
     * offsets are the running totals {@code received} and {@code sent} modulo its size; each read
     * leaves a mark (its end and its arrival time) so the writer knows what it may release when.
     */
    private final class Pipe {
        /** Marks a ring holds at most: a reader of many tiny reads waits, rather than grow a list. */
        private static final int MARKS = 4096;
        /** The largest read: a ring's worth at once would release in lumps. */
        private static final int MAX_READ = 512 * 1024;
        /**
         * The free space a full ring waits for before the reader reads again: refilling each
         * 64 KiB the writer frees would cost a wake-up and a read per write, which is most of
         * a busy proxy's CPU (the time goes to system calls, hardly any to Java code).
         */
        private static final int REFILL = 256 * 1024;

        private final Connection connection;
        private final SocketChannel from, to;
        private final long notBefore;
        private final Bucket conn, link;
        private final AtomicLong counter;
        private final ByteBuffer ring, in, out;
        private final AtomicInteger running = new AtomicInteger(2);
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition spaceFreed = lock.newCondition(), dataArrived = lock.newCondition();
        private final long[] markEnds = new long[MARKS], markTimes = new long[MARKS];
        private int markHead, markCount;
        private long received, sent, eofAt = -1;

        Pipe(Connection connection, SocketChannel from, SocketChannel to, long notBefore, Bucket conn, Bucket link, AtomicLong counter) {
            this.connection = connection;
            this.from = from;
            this.to = to;
            this.notBefore = notBefore;
            this.conn = conn;
            this.link = link;
            this.counter = counter;
            ByteBuffer reused = rings.poll();
            this.ring = reused != null ? reused : ByteBuffer.allocateDirect(ringSize);
            // The reader and the writer each have a view of their own: their positions are their own.
            this.in = ring.duplicate();
            this.out = ring.duplicate();
        }

        void receive() {
            try {
                while (true) {
                    int at, length;
                    lock.lock();
                    try {
                        while (ringSize - (received - sent) < REFILL || markCount == MARKS) {
                            if (connection.closed.get()) {
                                return;
                            }
                            spaceFreed.await();
                        }
                        at = (int) (received % ringSize);
                        length = (int) Math.min(Math.min(ringSize - at, ringSize - (received - sent)), MAX_READ);
                    } finally {
                        lock.unlock();
                    }
                    in.clear().position(at).limit(at + length);
                    int read = from.read(in);
                    long now = System.nanoTime();
                    lock.lock();
                    try {
                        if (read < 0) {
                            eofAt = now;
                        } else {
                            int tail = (markHead + markCount) % MARKS;
                            markEnds[tail] = received + read;
                            markTimes[tail] = now;
                            markCount++;
                            received += read;
                        }
                        dataArrived.signal();
                    } finally {
                        lock.unlock();
                    }
                    if (read < 0) {
                        return;
                    }
                }
            } catch (IOException | InterruptedException e) {
                fail(e);
            } finally {
                exit();
            }
        }

        void send() {
            try {
                while (true) {
                    long due;
                    boolean fin;
                    lock.lock();
                    try {
                        while (markCount == 0 && eofAt < 0) {
                            if (connection.closed.get()) {
                                return;
                            }
                            dataArrived.await();
                        }
                        fin = markCount == 0;
                        due = (fin ? eofAt : markTimes[markHead]) + halfRtt;
                    } finally {
                        lock.unlock();
                    }
                    waitUntil(Math.max(due, notBefore));
                    if (fin) {
                        to.shutdownOutput();
                        connection.finish();
                        return;
                    }
                    // Release every read whose time has come, not only the first: many small
                    // reads then leave in one paced run of writes.
                    long until, ready;
                    lock.lock();
                    try {
                        long now = System.nanoTime();
                        do {
                            until = markEnds[markHead];
                            ready = Math.max(markTimes[markHead] + halfRtt, notBefore);
                            markHead = (markHead + 1) % MARKS;
                            markCount--;
                        } while (markCount > 0 && markTimes[markHead] + halfRtt <= now);
                    } finally {
                        lock.unlock();
                    }
                    while (sent < until) {
                        int at = (int) (sent % ringSize);
                        int length = (int) Math.min(Math.min(until - sent, ringSize - at), BURST);
                        pace(length, ready);
                        out.clear().position(at).limit(at + length);
                        while (out.hasRemaining()) {
                            to.write(out);
                        }
                        counter.addAndGet(length);
                        connection.moved.addAndGet(length);
                        lock.lock();
                        try {
                            sent += length;
                            spaceFreed.signal();
                        } finally {
                            lock.unlock();
                        }
                    }
                }
            } catch (IOException | InterruptedException e) {
                fail(e);
            } finally {
                exit();
            }
        }

        /** Waits for both buckets: each books the bytes now, and the later of the two says when they go. */
        private void pace(int bytes, long ready) {
            long now = System.nanoTime();
            long since = Math.max(ready, now - CATCH_UP);
            long at = now;
            if (conn != null) {
                at = Math.max(at, conn.reserve(bytes, since));
            }
            if (link != null) {
                at = Math.max(at, link.reserve(bytes, since));
            }
            waitUntil(at);
        }

        private void fail(Exception e) {
            // A channel closed by the other direction's abort is no failure of its own.
            if (!(e instanceof ClosedChannelException) && !connection.closed.get()) {
                String message = e.getMessage();
                if (message == null || !(message.contains("reset") || message.contains("Broken pipe"))) {
                    System.err.println("NetProxy: " + e);
                }
            }
            connection.abort();
        }

        void wake() {
            lock.lock();
            try {
                spaceFreed.signalAll();
                dataArrived.signalAll();
            } finally {
                lock.unlock();
            }
        }

        /** The last of the pipe's two threads out gives the ring back for another connection. */
        private void exit() {
            if (running.decrementAndGet() == 0) {
                rings.add(ring);
            }
        }
    }
}
