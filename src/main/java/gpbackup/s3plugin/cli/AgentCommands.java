package gpbackup.s3plugin.cli;

import gpbackup.s3plugin.agent.AgentControl;
import gpbackup.s3plugin.agent.AgentDirectory;
import gpbackup.s3plugin.agent.AgentServer;
import gpbackup.s3plugin.agent.CallHandler;
import gpbackup.s3plugin.agent.Caller;
import gpbackup.s3plugin.config.ConfigLoader;
import gpbackup.s3plugin.config.PluginConfig;
import gpbackup.s3plugin.log.PluginLog;
import gpbackup.s3plugin.transfer.DataOutput;
import gpbackup.s3plugin.transfer.MemoryBudget;
import gpbackup.s3plugin.transfer.StreamWait;
import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * The host agent from the commands' side (spec/agent.md): the segment-host setup hooks start
 * it, the matching cleanup hooks stop it, and {@code agent_serve}, which only the launcher runs,
 * is the agent itself.
 */
final class AgentCommands {
    static final String SERVE = "agent_serve";
    /** Set by the launcher for the hooks: the directory it derived for this user, config and environment. */
    static final String DIR_VARIABLE = "GPBACKUP_S3_PLUGIN_AGENT_DIR";
    /**
     * Set by the launcher for the hooks: the prefix shared by the directories of every agent of
     * this config path, user and environment, whatever the config's content or the jar (cleanup
     * stops them all: the config may have been edited, or the jar replaced, since the setup).
     */
    static final String FAMILY_VARIABLE = "GPBACKUP_S3_PLUGIN_AGENT_FAMILY";
    /** Set by the launcher for the hooks: itself, which knows how to start a JVM for the agent. */
    static final String LAUNCHER_VARIABLE = "GPBACKUP_S3_PLUGIN_LAUNCHER";
    /**
     * Set by the launcher for a per-table call it runs in a JVM of its own: why it was not relayed
     * (no agent for this environment, a stale pid, an agent that sent it back), for the call's log.
     */
    static final String NOT_RELAYED_VARIABLE = "GPBACKUP_S3_PLUGIN_NOT_RELAYED";
    /** Set by the launcher for the hooks when it could not derive the agent's directory: why. */
    static final String UNDERIVED_VARIABLE = "GPBACKUP_S3_PLUGIN_AGENT_UNDERIVED";
    /** Replaces {@code /tmp} as the directory under which the launcher derives every agent's. */
    static final String ROOT_VARIABLE = "GPBACKUP_S3_PLUGIN_AGENT_ROOT";
    private static final String NO_AGENT = "no host agent; each call runs on its own: ";
    /** The commands gpbackup and gprestore run once per table or per file; only these are relayed. */
    static final Set<String> RELAYED = Set.of("backup_data", "restore_data", "restore_data_subset",
            "backup_file", "restore_file");
    private static final Duration STOP_PATIENCE = Duration.ofSeconds(60);

    private AgentCommands() {
    }

    /** After a segment host's setup: starts its agent, unless the config or the launcher says no. */
    static void startFor(PluginContext context) {
        if (!context.config().agent().enabled()) {
            return;
        }
        String dir = context.env(DIR_VARIABLE);
        String launcher = context.env(LAUNCHER_VARIABLE);
        String underived = context.env(UNDERIVED_VARIABLE);
        if (isEmpty(dir) || isEmpty(launcher)) {
            // Run without the launcher (java -jar, the tests) there is nothing to say; the
            // launcher says why when it could not derive the directory.
            if (!isEmpty(underived)) {
                context.log().warn(NO_AGENT + oneLine(underived));
            }
            return;
        }
        try {
            if (AgentControl.start(new AgentDirectory(Path.of(dir)), Path.of(launcher), context.arg(0))) {
                context.log().info("started the host agent in " + dir);
            }
        } catch (IOException | RuntimeException e) {
            // Without an agent every call runs in its own process: slower, never wrong.
            context.log().warn(NO_AGENT + whyNoAgent(Path.of(dir), e));
        }
    }

    /**
     * Why the agent of {@code dir} could not start, naming what could not be used and the system's
     * reason: a NoSuchFileException or AccessDeniedException carries only a path, which says neither.
     */
    static String whyNoAgent(Path dir, Throwable e) {
        Path root = Optional.ofNullable(dir.getParent()).map(Path::getParent).orElse(dir);
        String where = " (the agent root " + root + ": " + ROOT_VARIABLE + ", else /tmp)";
        if (e instanceof NoSuchFileException missing && missing.getFile() != null) {
            Path file = Path.of(missing.getFile());
            return "cannot create " + file + ": " + Optional.ofNullable(file.getParent()).orElse(file)
                    + " does not exist" + where;
        }
        if (e instanceof AccessDeniedException denied && denied.getFile() != null) {
            return "cannot use " + denied.getFile() + ": permission denied" + where;
        }
        if (e instanceof FileSystemException failed && failed.getFile() != null) {
            return "cannot use " + failed.getFile() + ": "
                    + Optional.ofNullable(failed.getReason()).orElse(failed.getClass().getSimpleName()) + where;
        }
        // AgentDirectory's own refusals name the directory and what is wrong with it; a failed
        // start names the program.
        return Optional.ofNullable(e.getMessage()).map(AgentCommands::oneLine).orElse(CommandRunner.oneLine(e));
    }

    /** At a segment host's cleanup: stops its agent once the calls in flight are done. */
    static void stopFor(PluginContext context) {
        String family = context.env(FAMILY_VARIABLE);
        if (isEmpty(family)) {
            context.log().info("no host agent to stop: the launcher named none");
            return;
        }
        try {
            AgentControl.stopFamily(Path.of(family), STOP_PATIENCE, context.log()::info);
        } catch (IOException | RuntimeException e) {
            context.log().warn("host agent " + family + "*: " + e.getMessage());
        }
    }

    /** {@code agent_serve CONFIG DIR}: serves relayed calls until stopped or idle. */
    static int serve(List<String> args, Function<String, String> environment, Clock clock, PrintStream stderr) {
        if (args.size() != 2) {
            stderr.println(Main.PROGRAM + ": " + SERVE + " is run by the launcher only");
            return 1;
        }
        PrintStream nowhere = new PrintStream(OutputStream.nullOutputStream());
        PluginLog log = CommandRunner.openLog(environment, clock, nowhere, ProcessHandle.current().pid());
        // The agent has no stderr anyone reads: what goes wrong must reach the log.
        Thread.setDefaultUncaughtExceptionHandler((thread, e) ->
                log.warn("host agent thread " + thread.getName() + " failed: " + CommandRunner.oneLine(e)));
        try (log; AgentResources resources = new AgentResources(environment, clock, log)) {
            PluginConfig config = new ConfigLoader(environment).load(Path.of(args.get(0)));
            long heap = Runtime.getRuntime().maxMemory();
            CallShares shares = CallShares.forBudget(MemoryBudget.within(config.memoryBudget(), heap).bytes(), heap);
            log.info("host agent runs up to " + shares.callsAtOnce() + " calls at once, each with "
                    + (shares.share() >> 20) + " MiB of part buffers");
            CallHandler handler = (argv, caller, queued, clientGone) -> {
                if (!RELAYED.contains(argv.get(0))) {
                    return Optional.of(refused(argv.get(0)));
                }
                log.debug("relayed " + argv.get(0) + " from pid " + caller.pid());
                Optional<CallShares.Share> share = shares.acquire(queued, clientGone);
                if (share.isEmpty()) {
                    log.info(clientGone.getAsBoolean()
                            ? "pid " + caller.pid() + " exited while its " + argv.get(0) + " waited for a place"
                            : "pid " + caller.pid() + " runs " + argv.get(0) + " on its own: every call the host agent"
                                    + " runs has waited " + CallShares.STALLED.toSeconds() + " s or more on its client");
                    return Optional.empty();
                }
                return Optional.of(placed(share.get(), argv, caller, environment, clock, resources));
            };
            AgentServer server = new AgentServer(new AgentDirectory(Path.of(args.get(1))), handler,
                    config.agent().idleTimeout(), runningJar(), log::info, log::warn);
            SignalStop stop = SignalStop.install(() -> server.shutdown(SignalStop.PATIENCE), Duration.ZERO);
            server.serve();
            stop.finished();
            return 0;
        } catch (Exception e) {
            log.warn("host agent failed: " + CommandRunner.oneLine(e));
            stderr.println(Main.PROGRAM + ": host agent: " + CommandRunner.oneLine(e));
            return 1;
        }
    }

    /** A relayed call in its place: runs as in a process of its own, with its share's part buffers. */
    private static CallHandler.Placed placed(CallShares.Share share, List<String> argv, Caller caller,
                                             Function<String, String> environment, Clock clock,
                                             AgentResources resources) {
        return new CallHandler.Placed() {
            @Override
            public int run(InputStream in, OutputStream out, PrintStream err) {
                // The client's streams are timed: a call that waits on them long is stalled (CallShares).
                StreamWait streams = share.streams();
                OutputStream data = out instanceof FileOutputStream file
                        ? new DataOutput(file.getChannel(), streams) : streams.watch(out);
                CommandRunner runner = new CommandRunner(environment, clock, resources.forCall(share.pool()));
                return runner.run(argv, streams.watch(in), data, err, caller.pid(), caller.umask());
            }

            @Override
            public void close() {
                share.close();
            }
        };
    }

    private static CallHandler.Placed refused(String command) {
        return new CallHandler.Placed() {
            @Override
            public int run(InputStream in, OutputStream out, PrintStream err) {
                err.println(Main.PROGRAM + ": the host agent does not run " + command);
                return 1;
            }

            @Override
            public void close() {
            }
        };
    }

    /** The jar this JVM runs ({@code java -jar}), which the agent watches for a replacement. */
    private static Optional<Path> runningJar() {
        String classPath = System.getProperty("java.class.path", "");
        return classPath.endsWith(".jar") && !classPath.contains(File.pathSeparator)
                ? Optional.of(Path.of(classPath).toAbsolutePath()) : Optional.empty();
    }

    private static String oneLine(String text) {
        return text.replace('\n', ' ').replace('\r', ' ');
    }

    private static boolean isEmpty(String text) {
        return text == null || text.isEmpty();
    }
}
