package gpbackup.s3plugin.log;

import gpbackup.s3plugin.Program;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.function.Function;

/**
 * The plugin's log, in the shape of gpbackup's own utilities:
 * {@code ~/gpAdminLogs/gpbackup_s3_plugin_<YYYYMMDD>.log}, one line per event,
 * {@code <YYYYMMDD:HH:MM:SS> gpbackup_s3_plugin:<user>:<host>:<pid>-[LEVEL]:-<message>}.
 * Errors also go to stderr. Nothing ever goes to stdout, which carries backup data.
 */
public final class PluginLog implements AutoCloseable {
    private static final String PROGRAM = Program.NAME;
    private static final DateTimeFormatter LINE_TIME = DateTimeFormatter.ofPattern("yyyyMMdd:HH:mm:ss");
    private static final DateTimeFormatter FILE_DATE = DateTimeFormatter.ofPattern("yyyyMMdd");

    private final OutputStream file;
    private final PrintStream stderr;
    private final String prefix;
    private final Clock clock;

    /**
     * @param file   where lines are appended, or null to log to stderr only (errors)
     * @param stderr where error lines also go
     */
    public PluginLog(OutputStream file, PrintStream stderr, String user, String host, long pid, Clock clock) {
        this.file = file;
        this.stderr = stderr;
        this.prefix = PROGRAM + ":" + user + ":" + host + ":" + pid;
        this.clock = clock;
    }

    /**
     * Today's log under the caller's {@code $HOME/gpAdminLogs} (else the JVM's home); its lines
     * carry {@code pid}, the caller's, so a DBA can match them with gpbackup's. A log directory
     * that cannot be created must not fail a backup, so then the log is stderr-only.
     */
    public static PluginLog forCaller(Function<String, String> environment, Clock clock, PrintStream stderr,
                                      long pid) {
        String written = environment.apply("HOME");
        Path home = Path.of(written == null || written.isEmpty() ? System.getProperty("user.home") : written);
        OutputStream out = null;
        try {
            Path dir = home.resolve("gpAdminLogs");
            Files.createDirectories(dir);
            String name = PROGRAM + "_" + LocalDateTime.now(clock).format(FILE_DATE) + ".log";
            // Append mode: concurrent plugin processes on one host share the file, and each
            // line is one write, which O_APPEND keeps whole.
            out = new FileOutputStream(dir.resolve(name).toFile(), true);
        } catch (IOException | SecurityException e) {
            stderr.println(PROGRAM + ": cannot open log file under " + home + "/gpAdminLogs: " + e.getMessage());
        }
        return new PluginLog(out, stderr, System.getProperty("user.name"), Program.hostName(environment), pid, clock);
    }

    public void info(String message) {
        write("INFO", message, false);
    }

    public void debug(String message) {
        write("DEBUG", message, false);
    }

    public void warn(String message) {
        write("WARNING", message, false);
    }

    /** Logs an error and prints the same single line on stderr. */
    public void error(String message) {
        write("ERROR", message, true);
    }

    private synchronized void write(String level, String message, boolean alsoStderr) {
        String oneLine = message.replace('\n', ' ').replace('\r', ' ');
        String line = LocalDateTime.now(clock).format(LINE_TIME) + " " + prefix + "-[" + level + "]:-" + oneLine;
        if (file != null) {
            try {
                file.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                // A full disk must not turn a working transfer into a failed one.
            }
        }
        if (alsoStderr) {
            stderr.println(line);
            stderr.flush();
        }
    }

    @Override
    public synchronized void close() {
        if (file != null) {
            try {
                file.close();
            } catch (IOException ignored) {
                // Nothing useful to do: the lines already written are on disk.
            }
        }
    }
}
