package gpbackup.s3plugin.cli;

import gpbackup.s3plugin.PluginException;
import gpbackup.s3plugin.Program;
import gpbackup.s3plugin.UsageException;
import gpbackup.s3plugin.command.audit.AuditSummaryCommand;
import gpbackup.s3plugin.progress.ProgressDisplay;
import gpbackup.s3plugin.serving.AgentServing;
import gpbackup.s3plugin.serving.SignalStop;
import gpbackup.s3plugin.transfer.DescriptorOutput;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;
import java.util.function.Function;

/**
 * Entry point: {@code gpbackup_s3_plugin COMMAND CONFIG [ARGS...]}. Parses argv, loads the
 * config once, runs the command, and turns every failure into one stderr line and exit code 1.
 */
public final class Main {
    static final String API_VERSION = "0.5.0";
    private static final String PROGRAM = Program.NAME;

    private final Function<String, String> environment;
    private final InputStream stdin;
    private final OutputStream stdout;
    private final PrintStream stderr;
    private final Clock clock;
    private final boolean stderrIsTerminal;

    /** @param stderrIsTerminal whether {@code stderr} is a terminal, where a person may watch progress */
    Main(Function<String, String> environment, InputStream stdin, OutputStream stdout, PrintStream stderr,
         Clock clock, boolean stderrIsTerminal) {
        this.stderrIsTerminal = stderrIsTerminal;
        this.environment = environment;
        this.stdin = stdin;
        this.stdout = stdout;
        this.stderr = stderr;
        this.clock = clock;
    }

    public static void main(String[] args) {
        // Raw file descriptors: stdout and stdin carry backup data, in large blocks.
        OutputStream stdout = new DescriptorOutput(new FileOutputStream(FileDescriptor.out).getChannel());
        // Through its channel: a read that waits for data then ends when the thread is interrupted.
        InputStream stdin = Channels.newInputStream(new FileInputStream(FileDescriptor.in).getChannel());
        // On a signal the command is interrupted: an upload aborts, and its one line is printed
        // before the JVM exits (the agent_serve command installs its own stop).
        Thread command = Thread.currentThread();
        boolean serving = args.length > 0 && args[0].equals(AgentServing.SERVE);
        SignalStop stop = serving ? null : SignalStop.install(command::interrupt, SignalStop.PATIENCE);
        int status = new Main(System::getenv, stdin, stdout, System.err, Clock.systemDefaultZone(),
                StderrTerminal.isTerminal(StderrTerminal.STDERR)).run(args);
        if (stop != null) {
            stop.finished();
        }
        System.exit(status);
    }

    /** Runs one command; returns the process exit status. Whatever fails, stderr gets one line. */
    int run(String[] argv) {
        try {
            return dispatch(argv);
        } catch (Throwable t) {
            stderr.println(PROGRAM + ": " + (CommandRunner.outOfMemory(t) ? CommandRunner.OUT_OF_MEMORY
                    : "failed unexpectedly: " + Program.oneLine(t)));
            return 1;
        }
    }

    private int dispatch(String[] argv) {
        if (argv.length == 0) {
            stderr.println(PROGRAM + ": no command given; this plugin is run by gpbackup and gprestore"
                    + " as: " + PROGRAM + " COMMAND CONFIG_FILE [ARGS...]; " + PROGRAM + " --help lists the commands");
            return 1;
        }
        String name = argv[0];
        List<String> args = Arrays.asList(argv).subList(1, argv.length);
        try {
            if (Help.ASKED.contains(name)) {
                print(Help.text(args));
                return 0;
            }
            if (name.equals("--version") || name.equals("-version")) {
                print(PROGRAM + " version " + Program.version() + "\n");
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
        if (name.equals(AuditSummaryCommand.NAME)) {
            return AuditSummaryCommand.run(args, stdout, stderr);
        }
        if (name.equals(AgentServing.SERVE)) {
            // No progress: the host agent's stderr is not the caller's terminal.
            return AgentServing.serve(args, environment, clock, stderr, (call, in, out, err, caller, resources) ->
                    new CommandRunner(environment, clock, resources, ProgressDisplay.none())
                            .run(call, in, out, err, caller.pid(), caller.umask()));
        }
        try (ProcessResources resources = new ProcessResources(environment, clock)) {
            ProgressDisplay progress = stderrIsTerminal ? ProgressDisplay.terminal(stderr, clock)
                    : ProgressDisplay.none();
            return new CommandRunner(environment, clock, resources, progress)
                    .run(Arrays.asList(argv), stdin, stdout, stderr, ProcessHandle.current().pid(),
                            OptionalInt.empty());
        }
    }

    private void print(String text) {
        try {
            stdout.write(text.getBytes(StandardCharsets.UTF_8));
            stdout.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
