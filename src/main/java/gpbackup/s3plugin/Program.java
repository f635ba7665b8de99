package gpbackup.s3plugin;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.function.Function;

/** What the plugin says of itself and its host in its lines: its name, its version, the host's name. */
public final class Program {
    /** The executable's name, which starts every line it prints on stderr. */
    public static final String NAME = "gpbackup_s3_plugin";

    private Program() {
    }

    /** The version the build recorded, or "unknown" when run from classes without it. */
    public static String version() {
        Properties properties = new Properties();
        try (InputStream in = Program.class.getResourceAsStream("/gpbackup_s3_plugin.properties")) {
            if (in != null) {
                properties.load(in);
            }
        } catch (IOException e) {
            // fall through to "unknown"
        }
        return properties.getProperty("version", "unknown");
    }

    /** This host's name, from {@code HOSTNAME} when the caller's environment sets it. */
    public static String hostName(Function<String, String> environment) {
        String fromEnv = environment.apply("HOSTNAME");
        if (fromEnv != null && !fromEnv.isEmpty()) {
            return fromEnv;
        }
        try {
            // Cheaper than a DNS round trip through InetAddress, which can stall on a broken resolver.
            return Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
        } catch (IOException e) {
            return "localhost";
        }
    }

    /** A throwable as one line, for a message that must stay one stderr line. */
    public static String oneLine(Throwable t) {
        return String.valueOf(t).replace('\n', ' ').replace('\r', ' ');
    }
}
