package gpbackup.s3plugin.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A small HTTP proxy on loopback for tests: CONNECT tunnels for https and absolute-form
 * forwarding for http, optionally demanding Basic proxy credentials. It records the first
 * request line of every connection and every 407 it sent.
 */
public final class LoopbackProxy implements AutoCloseable {
    private final ServerSocket server;
    private final Optional<String> expectedAuthorization;
    private final List<String> requestLines = new CopyOnWriteArrayList<>();
    private final List<String> challenges = new CopyOnWriteArrayList<>();

    public LoopbackProxy(Optional<String> user, Optional<String> password) throws IOException {
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.expectedAuthorization = user.map(u -> "Basic " + Base64.getEncoder()
                .encodeToString((u + ":" + password.orElse("")).getBytes(StandardCharsets.UTF_8)));
        Thread acceptor = new Thread(this::acceptLoop, "test-proxy");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public int port() {
        return server.getLocalPort();
    }

    /** The first request line of every connection the proxy served. */
    public List<String> requestLines() {
        return List.copyOf(requestLines);
    }

    /** How many times the proxy asked for credentials. */
    public int challenges() {
        return challenges.size();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Thread handler = new Thread(() -> handle(client), "test-proxy-conn");
                handler.setDaemon(true);
                handler.start();
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void handle(Socket client) {
        try (client) {
            InputStream in = client.getInputStream();
            OutputStream out = client.getOutputStream();
            byte[] head = readHead(in);
            if (head == null) {
                return;
            }
            String text = new String(head, StandardCharsets.ISO_8859_1);
            String requestLine = text.substring(0, text.indexOf("\r\n"));
            if (expectedAuthorization.isPresent() && !text.contains("\r\nProxy-Authorization: "
                    + expectedAuthorization.get() + "\r\n") && !text.toLowerCase().contains(
                    "\r\nproxy-authorization: " + expectedAuthorization.get().toLowerCase() + "\r\n")) {
                challenges.add(requestLine);
                out.write(("HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"test\"\r\n"
                        + "Content-Length: 0\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                return;
            }
            requestLines.add(requestLine);
            String[] parts = requestLine.split(" ");
            try (Socket upstream = connect(parts[0], parts[1])) {
                if (parts[0].equals("CONNECT")) {
                    out.write("HTTP/1.1 200 Connection Established\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                } else {
                    upstream.getOutputStream().write(head);
                }
                Thread upload = new Thread(() -> pipe(in, quietly(upstream)), "test-proxy-up");
                upload.setDaemon(true);
                upload.start();
                pipe(upstream.getInputStream(), out);
            }
        } catch (IOException ignored) {
            // The client or server hung up: the connection ends.
        }
    }

    private static OutputStream quietly(Socket socket) {
        try {
            return socket.getOutputStream();
        } catch (IOException e) {
            return OutputStream.nullOutputStream();
        }
    }

    private static Socket connect(String method, String target) throws IOException {
        if (method.equals("CONNECT")) {
            int colon = target.lastIndexOf(':');
            return new Socket(target.substring(0, colon), Integer.parseInt(target.substring(colon + 1)));
        }
        URI uri = URI.create(target);
        return new Socket(uri.getHost(), uri.getPort() == -1 ? 80 : uri.getPort());
    }

    private static void pipe(InputStream from, OutputStream to) {
        byte[] buffer = new byte[64 * 1024];
        try {
            for (int n; (n = from.read(buffer)) > 0; ) {
                to.write(buffer, 0, n);
                to.flush();
            }
        } catch (IOException ignored) {
            // one side closed
        }
    }

    /** The request head up to and including the blank line, or null at end of stream. */
    private static byte[] readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        for (int b; (b = in.read()) != -1; ) {
            head.write(b);
            matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
            if (matched == 4) {
                return head.toByteArray();
            }
        }
        return null;
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
