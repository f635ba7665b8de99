package gpbackup.s3plugin.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Hands every RGW end-to-end class the same Ceph gateway, started on first use (a start costs
 * seconds, so one per test JVM) and stopped when the whole run ends (the root store closes it).
 * Classes keep apart by using their own buckets.
 */
public final class SharedRgw implements ParameterResolver {

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == RgwServer.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
                .getOrComputeIfAbsent(SharedRgw.class, key -> Running.start(), Running.class)
                .server();
    }

    /** The gateway and its cluster's directory, removed together when JUnit closes the root store. */
    private record Running(RgwServer server, Path dir) implements ExtensionContext.Store.CloseableResource {
        static Running start() {
            try {
                // Left behind only when the start fails: it holds the daemons' logs the message names.
                Path dir = Files.createTempDirectory("rgw-shared");
                RgwServer server = RgwServer.start(dir);
                System.out.println("Ceph RGW started in " + server.startup().toMillis() + " ms at " + server.endpoint());
                return new Running(server, dir);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while starting Ceph RGW", e);
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }
}
