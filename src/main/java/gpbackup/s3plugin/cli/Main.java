package gpbackup.s3plugin.cli;

import gpbackup.s3plugin.PluginException;
import gpbackup.s3plugin.config.ConfigLoader;
import gpbackup.s3plugin.config.PluginConfig;
import gpbackup.s3plugin.log.PluginLog;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.function.Function;

/**
 * Entry point: {@code gpbackup_s3_plugin COMMAND CONFIG [ARGS...]}. Parses argv, loads the
 * config once, runs the command, and turns every failure into one stderr line and exit code 1.
 */
public final class Main {
    static final String API_VERSION = "0.5.0";
    static final String PROGRAM = "gpbackup_s3_plugin";

    private final Function<String, String> environment;
    private final InputStream stdin;
    private final OutputStream stdout;
    private final PrintStream stderr;
    private final Clock clock;

    Main(Function<String, String> environment, InputStream stdin, OutputStream stdout, PrintStream stderr,
         Clock clock) {
        this.environment = environment;
        this.stdin = stdin;
        this.stdout = stdout;
        this.stderr = stderr;
        this.clock = clock;
    }

    public static void main(String[] args) {
        // Raw file descriptors: stdout and stdin carry backup data, in large blocks.
        OutputStream stdout = new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16);
        InputStream stdin = new FileInputStream(FileDescriptor.in);
        int status = new Main(System::getenv, stdin, stdout, System.err, Clock.systemDefaultZone()).run(args);
        System.exit(status);
    }

    /** Runs one command; returns the process exit status. Whatever fails, stderr gets one line. */
    int run(String[] argv) {
        try {
            return dispatch(argv);
        } catch (Throwable t) {
            stderr.println(PROGRAM + ": " + (outOfMemory(t) ? OUT_OF_MEMORY : "failed unexpectedly: " + oneLine(t)));
            return 1;
        }
    }

    private int dispatch(String[] argv) {
        if (argv.length == 0) {
            stderr.println(PROGRAM + ": no command given; this plugin is run by gpbackup and gprestore"
                    + " as: " + PROGRAM + " COMMAND CONFIG_FILE [ARGS...]");
            return 1;
        }
        String name = argv[0];
        List<String> args = Arrays.asList(argv).subList(1, argv.length);
        try {
            if (name.equals("--version") || name.equals("-version")) {
                print(PROGRAM + " version " + version() + "\n");
                return 0;
            }
            if (name.equals("plugin_api_version")) {
                // gpbackup passes no config here; a config path is tolerated and ignored.
                if (args.size() > 1) {
                    throw new UsageException("invalid number of arguments to plugin_api_version: expected 0, got "
                            + args.size());
                }
                print(API_VERSION + "\n");
                return 0;
            }
        } catch (PluginException e) {
            stderr.println(PROGRAM + ": " + e.getMessage());
            return 1;
        }
        CommandSpec spec = CommandTable.find(name).orElse(null);
        if (spec == null) {
            stderr.println(PROGRAM + ": unknown command '" + name + "'");
            return 1;
        }
        try (PluginLog log = openLog()) {
            return runLogged(spec, args, log);
        }
    }

    private int runLogged(CommandSpec spec, List<String> args, PluginLog log) {
        try {
            spec.checkArgCount(args.size());
            PluginConfig config = new ConfigLoader(environment).load(Path.of(args.get(0)));
            log.debug(spec.name() + " " + String.join(" ", args));
            spec.command().run(new PluginContext(args, config, log, stdin, stdout, environment, clock));
            stdout.flush();
            return 0;
        } catch (Throwable t) {
            log.error(describe(spec, t));
            if (!outOfMemory(t)) {
                log.debug(stackTrace(t));
            }
        }
        return 1;
    }

    /** The one line a failure prints. */
    private static String describe(CommandSpec spec, Throwable t) {
        if (outOfMemory(t)) {
            return spec.name() + " " + OUT_OF_MEMORY;
        }
        if (t instanceof PluginException) {
            return t.getMessage();
        }
        if (t instanceof IOException || t instanceof UncheckedIOException) {
            return spec.name() + " failed: " + t.getMessage();
        }
        return spec.name() + " failed unexpectedly: " + oneLine(t);
    }

    private void print(String text) {
        try {
            stdout.write(text.getBytes(StandardCharsets.UTF_8));
            stdout.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private PluginLog openLog() {
        String home = environment.apply("HOME");
        Path homeDir = Path.of(home == null || home.isEmpty() ? System.getProperty("user.home") : home);
        return PluginLog.open(homeDir, stderr, System.getProperty("user.name"), hostName(),
                ProcessHandle.current().pid(), clock);
    }

    private String hostName() {
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

    static String version() {
        Properties properties = new Properties();
        try (InputStream in = Main.class.getResourceAsStream("/gpbackup_s3_plugin.properties")) {
            if (in != null) {
                properties.load(in);
            }
        } catch (IOException e) {
            // fall through to "unknown"
        }
        return properties.getProperty("version", "unknown");
    }

    private static final String OUT_OF_MEMORY = "ran out of memory; lower backup_multipart_chunksize,"
            + " restore_multipart_chunksize or the *_max_concurrent_requests options, or raise the heap with"
            + " GPBACKUP_S3_PLUGIN_JAVA_OPTS=-Xmx...";

    /** An OutOfMemoryError, possibly wrapped by the worker thread it happened in. */
    private static boolean outOfMemory(Throwable t) {
        for (Throwable cause = t; cause != null; cause = cause.getCause()) {
            if (cause instanceof OutOfMemoryError) {
                return true;
            }
        }
        return false;
    }

    private static String oneLine(Throwable t) {
        return String.valueOf(t).replace('\n', ' ').replace('\r', ' ');
    }

    private static String stackTrace(Throwable t) {
        StringWriter text = new StringWriter();
        t.printStackTrace(new PrintWriter(text));
        return text.toString().replace(System.lineSeparator(), " | ");
    }
}
