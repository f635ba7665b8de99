package gpbackup.s3plugin.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP relay in front of a server that breaks some connections on purpose: a reset or a stall at
 * a random byte offset, in the request or the response direction. Every choice comes from one
 * seeded {@link Random}, so the seed printed with a failure replays the same sequence of plans
 * (which connection draws which plan also depends on the order the plugin opens them).
 *
 * <p>A connection whose request starts with {@code DELETE } is left alone from then on: the
 * abort of a failed upload is the plugin's cleanup, and the test checks that cleanup happened.
 */
public final class FaultInjectingProxy implements AutoCloseable {
    /** What happens to one connection. */
    public enum Fault { NONE, RESET_REQUEST, RESET_RESPONSE, STALL_REQUEST, STALL_RESPONSE }

    private record Plan(Fault fault, long offset, long stallMillis) {
    }

    private final ServerSocket listener;
    private final int targetPort;
    private final Random random;
    private final double faultRate;
    private final long maxRequestOffset;
    private final long maxResponseOffset;
    private final Map<Fault, AtomicLong> fired = new EnumMap<>(Fault.class);
    private final AtomicLong bytesRelayed = new AtomicLong();

    /**
     * @param faultRate the share of connections that get a fault
     * @param maxRequestOffset faults in the request direction strike within this many bytes
     * @param maxResponseOffset faults in the response direction strike within this many bytes
     */
    public FaultInjectingProxy(int targetPort, long seed, double faultRate, long maxRequestOffset,
                               long maxResponseOffset) throws IOException {
        this.listener = new ServerSocket(0, 100, InetAddress.getLoopbackAddress());
        this.targetPort = targetPort;
        this.random = new Random(seed);
        this.faultRate = faultRate;
        this.maxRequestOffset = maxRequestOffset;
        this.maxResponseOffset = maxResponseOffset;
        for (Fault f : Fault.values()) {
            fired.put(f, new AtomicLong());
        }
        daemon(this::acceptLoop, "fault-proxy-accept").start();
    }

    public int port() {
        return listener.getLocalPort();
    }

    /** Faults that really struck (a plan whose offset lies past the connection's end never does). */
    public long faultsInjected() {
        return fired.entrySet().stream().filter(e -> e.getKey() != Fault.NONE).mapToLong(e -> e.getValue().get()).sum();
    }

    public long fired(Fault fault) {
        return fired.get(fault).get();
    }

    public long bytesRelayed() {
        return bytesRelayed.get();
    }

    private synchronized Plan nextPlan() {
        if (random.nextDouble() >= faultRate) {
            return new Plan(Fault.NONE, 0, 0);
        }
        // Resets twice as often as stalls: a reset is what makes a request fail and a backup abort.
        Fault fault = switch (random.nextInt(6)) {
            case 0, 1 -> Fault.RESET_REQUEST;
            case 2, 3 -> Fault.RESET_RESPONSE;
            case 4 -> Fault.STALL_REQUEST;
            default -> Fault.STALL_RESPONSE;
        };
        boolean request = fault == Fault.RESET_REQUEST || fault == Fault.STALL_REQUEST;
        long offset = (long) (random.nextDouble() * (request ? maxRequestOffset : maxResponseOffset));
        return new Plan(fault, offset, 200 + random.nextInt(1800));
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                Socket server = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                Connection connection = new Connection(client, server, nextPlan());
                daemon(() -> connection.pump(true), "fault-proxy-up").start();
                daemon(() -> connection.pump(false), "fault-proxy-down").start();
            } catch (IOException e) {
                if (listener.isClosed()) {
                    return;
                }
            }
        }
    }

    private final class Connection {
        private final Socket client;
        private final Socket server;
        private final Plan plan;
        private final AtomicBoolean spared = new AtomicBoolean();
        private final AtomicBoolean struck = new AtomicBoolean();

        Connection(Socket client, Socket server, Plan plan) {
            this.client = client;
            this.server = server;
            this.plan = plan;
        }

        void pump(boolean requestDirection) {
            Socket from = requestDirection ? client : server;
            Socket to = requestDirection ? server : client;
            Fault reset = requestDirection ? Fault.RESET_REQUEST : Fault.RESET_RESPONSE;
            Fault stall = requestDirection ? Fault.STALL_REQUEST : Fault.STALL_RESPONSE;
            boolean mine = plan.fault() == reset || plan.fault() == stall;
            byte[] buffer = new byte[16 * 1024];
            long position = 0;
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buffer)) > 0) {
                    if (requestDirection && startsWith(buffer, n, "DELETE ")) {
                        spared.set(true);
                    }
                    int cut = n;
                    boolean strike = mine && !spared.get() && !struck.get()
                            && position <= plan.offset() && plan.offset() < position + n;
                    if (strike) {
                        cut = (int) (plan.offset() - position);
                    }
                    out.write(buffer, 0, cut);
                    if (strike) {
                        out.flush();
                        struck.set(true);
                        fired.get(plan.fault()).incrementAndGet();
                        if (plan.fault() == reset) {
                            resetBoth();
                            return;
                        }
                        Thread.sleep(plan.stallMillis());
                        out.write(buffer, cut, n - cut);
                    }
                    out.flush();
                    position += n;
                    bytesRelayed.addAndGet(n);
                }
                // A clean end: pass the half-close on so HTTP keep-alive and EOF framing behave.
                to.shutdownOutput();
            } catch (IOException | InterruptedException e) {
                closeQuietly();
            }
        }

        private void resetBoth() {
            try {
                // Linger 0: close sends RST instead of FIN, a reset as a broken network shows it.
                client.setSoLinger(true, 0);
                server.setSoLinger(true, 0);
            } catch (IOException ignored) {
                // Already gone: closing below is all that is left.
            }
            closeQuietly();
        }

        private void closeQuietly() {
            try {
                client.close();
            } catch (IOException ignored) {
                // closing anyway
            }
            try {
                server.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    private static boolean startsWith(byte[] buffer, int length, String prefix) {
        byte[] p = prefix.getBytes(StandardCharsets.US_ASCII);
        if (length < p.length) {
            return false;
        }
        for (int i = 0; i < p.length; i++) {
            if (buffer[i] != p[i]) {
                return false;
            }
        }
        return true;
    }

    private static Thread daemon(Runnable body, String name) {
        Thread thread = new Thread(body, name);
        thread.setDaemon(true);
        return thread;
    }

    @Override
    public void close() throws IOException {
        listener.close();
    }
}
