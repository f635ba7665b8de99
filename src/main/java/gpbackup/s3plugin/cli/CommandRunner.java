package gpbackup.s3plugin.cli;

import gpbackup.s3plugin.PluginException;
import gpbackup.s3plugin.Program;
import gpbackup.s3plugin.audit.CallAudit;
import gpbackup.s3plugin.audit.CallIdentity;
import gpbackup.s3plugin.backup.BackupTimestamps;
import gpbackup.s3plugin.command.PluginContext;
import gpbackup.s3plugin.wiring.TransferResources;
import gpbackup.s3plugin.config.ConfigException;
import gpbackup.s3plugin.config.ConfigLoader;
import gpbackup.s3plugin.config.PluginConfig;
import gpbackup.s3plugin.log.PluginLog;
import gpbackup.s3plugin.progress.ProgressDisplay;
import gpbackup.s3plugin.s3.RequestObserver;
import gpbackup.s3plugin.serving.AgentServing;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.OptionalInt;
import java.util.function.Function;

/**
 * Runs one command of the table from its argv: checks the arguments, loads the config, opens the
 * log, runs the command and turns any failure into one stderr line and status 1. {@link Main} runs
 * it once per process; the host agent once per relayed call, with its warm S3 client.
 */
final class CommandRunner {
    private final Function<String, String> environment;
    private final Clock clock;
    private final TransferResources resources;
    private final ProgressDisplay progress;

    CommandRunner(Function<String, String> environment, Clock clock, TransferResources resources,
                  ProgressDisplay progress) {
        this.environment = environment;
        this.clock = clock;
        this.resources = resources;
        this.progress = progress;
    }

    /**
     * @param argv  the command name and its arguments
     * @param pid   the process id the log lines carry: the caller's, so a DBA can match them
     * @param umask the caller's umask where it differs from this process's (a relayed call), to be
     *              applied to the files and directories the command creates; empty when it is this process's
     */
    int run(List<String> argv, InputStream stdin, OutputStream stdout, PrintStream stderr, long pid,
            OptionalInt umask) {
        String name = argv.get(0);
        CommandSpec spec = CommandTable.find(name).orElse(null);
        if (spec == null) {
            stderr.println(Program.NAME + ": " + Help.unknownCommand(name));
            return 1;
        }
        List<String> args = argv.subList(1, argv.size());
        try (PluginLog log = PluginLog.forCaller(environment, clock, stderr, pid)) {
            try {
                spec.checkArgCount(args.size());
                PluginConfig config;
                try {
                    config = new ConfigLoader(environment).load(Path.of(args.get(0)));
                } catch (ConfigException e) {
                    spec.command().configRejected(e, stdout);
                    stdout.flush();
                    throw e;
                }
                log.debug(spec.name() + " " + String.join(" ", args));
                String notRelayed = environment.apply(AgentServing.NOT_RELAYED_VARIABLE);
                if (notRelayed != null && !notRelayed.isEmpty()) {
                    log.debug(spec.name() + " runs in a process of its own: " + notRelayed);
                }
                try (CallAudit audit = config.auditLog().map(path -> audit(Path.of(path), spec, args, pid, log))
                        .orElse(null)) {
                    spec.command().run(new PluginContext(args, spec.command().configFor(config), log, stdin, stdout,
                            resources, environment, umask, clock, progress,
                            audit == null ? RequestObserver.NONE : audit));
                }
                stdout.flush();
                return 0;
            } catch (Throwable t) {
                log.error(describe(spec, t));
                if (!outOfMemory(t)) {
                    log.debug(stackTrace(t));
                }
                return 1;
            }
        }
    }

    /** The one line a failure prints. */
    private static String describe(CommandSpec spec, Throwable t) {
        if (outOfMemory(t)) {
            return spec.name() + " " + OUT_OF_MEMORY;
        }
        if (interrupted(t)) {
            return spec.name() + " stopped: the plugin was told to stop (SIGTERM, SIGINT or SIGHUP); an upload in"
                    + " progress was aborted";
        }
        if (t instanceof PluginException) {
            return t.getMessage();
        }
        if (t instanceof IOException || t instanceof UncheckedIOException) {
            return spec.name() + " failed: " + t.getMessage();
        }
        return spec.name() + " failed unexpectedly: " + Program.oneLine(t);
    }

    /** The call's audit trail: its requests carry this host, the caller's pid, and the backup its arguments name. */
    private CallAudit audit(Path file, CommandSpec spec, List<String> args, long pid, PluginLog log) {
        CallIdentity call = new CallIdentity(Program.hostName(environment), pid, spec.name(),
                BackupTimestamps.inArguments(args.subList(1, args.size())));
        return CallAudit.to(file, call, log::warn);
    }

    /** memory_budget bounds every part and piece buffer, so it, not the part sizes, is the DBA's lever. */
    static final String OUT_OF_MEMORY = "ran out of memory; lower memory_budget (it bounds the part and piece"
            + " buffers) or raise the heap with GPBACKUP_S3_PLUGIN_JAVA_OPTS=-Xmx...";

    /** An OutOfMemoryError, possibly wrapped by the worker thread it happened in. */
    static boolean outOfMemory(Throwable t) {
        for (Throwable cause = t; cause != null; cause = cause.getCause()) {
            if (cause instanceof OutOfMemoryError) {
                return true;
            }
        }
        return false;
    }

    /** The command was interrupted: the process (or the host agent) is stopping on a signal. */
    private static boolean interrupted(Throwable t) {
        if (Thread.currentThread().isInterrupted()) {
            return true;
        }
        for (Throwable cause = t; cause != null; cause = cause.getCause()) {
            if (cause instanceof InterruptedException || cause instanceof java.io.InterruptedIOException
                    || cause instanceof java.nio.channels.ClosedByInterruptException) {
                return true;
            }
        }
        return false;
    }

    private static String stackTrace(Throwable t) {
        StringWriter text = new StringWriter();
        t.printStackTrace(new PrintWriter(text));
        return text.toString().replace(System.lineSeparator(), " | ");
    }
}
