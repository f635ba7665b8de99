package gpbackup.s3plugin.serving;

import gpbackup.s3plugin.Program;
import gpbackup.s3plugin.agent.AgentDirectory;
import gpbackup.s3plugin.agent.AgentServer;
import gpbackup.s3plugin.agent.CallHandler;
import gpbackup.s3plugin.agent.Caller;
import gpbackup.s3plugin.wiring.TransferResources;
import gpbackup.s3plugin.config.ConfigLoader;
import gpbackup.s3plugin.config.PluginConfig;
import gpbackup.s3plugin.log.PluginLog;
import gpbackup.s3plugin.transfer.DescriptorOutput;
import gpbackup.s3plugin.transfer.MemoryBudget;
import gpbackup.s3plugin.transfer.StreamWait;
import java.io.File;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * The host agent itself, {@code agent_serve}, which only the launcher runs (spec/agent.md): it
 * admits each relayed call to a place among the calls it runs, with a share of the memory budget,
 * and runs it on the agent's warm connection as the plugin would in a process of its own.
 */
public final class AgentServing {
    public static final String SERVE = "agent_serve";
    /**
     * Set by the launcher for a per-table call it runs in a JVM of its own: why it was not relayed
     * (no agent for this environment, a stale pid, an agent that sent it back), for the call's log.
     */
    public static final String NOT_RELAYED_VARIABLE = "GPBACKUP_S3_PLUGIN_NOT_RELAYED";
    /** The commands gpbackup and gprestore run once per table or per file; only these are relayed. */
    public static final Set<String> RELAYED = Set.of("backup_data", "restore_data", "restore_data_subset",
            "backup_file", "restore_file");

    /** Runs one relayed command, as the plugin's command runner does, with the call's resources. */
    @FunctionalInterface
    public interface CallRunner {
        /** @return the exit status the client is to end with */
        int run(List<String> argv, InputStream stdin, OutputStream stdout, PrintStream stderr, Caller caller,
                TransferResources resources);
    }

    private AgentServing() {
    }

    /** {@code agent_serve CONFIG DIR}: serves relayed calls until stopped or idle. */
    public static int serve(List<String> args, Function<String, String> environment, Clock clock, PrintStream stderr,
                            CallRunner runner) {
        if (args.size() != 2) {
            stderr.println(Program.NAME + ": " + SERVE + " is run by the launcher only");
            return 1;
        }
        PrintStream nowhere = new PrintStream(OutputStream.nullOutputStream());
        PluginLog log = PluginLog.forCaller(environment, clock, nowhere, ProcessHandle.current().pid());
        // The agent has no stderr anyone reads: what goes wrong must reach the log.
        Thread.setDefaultUncaughtExceptionHandler((thread, e) ->
                log.warn("host agent thread " + thread.getName() + " failed: " + Program.oneLine(e)));
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
                return Optional.of(placed(share.get(), argv, caller, resources, runner));
            };
            AgentServer server = new AgentServer(new AgentDirectory(Path.of(args.get(1))), handler,
                    config.agent().idleTimeout(), runningJar(), log::info, log::warn);
            SignalStop stop = SignalStop.install(() -> server.shutdown(SignalStop.PATIENCE), Duration.ZERO);
            server.serve();
            stop.finished();
            return 0;
        } catch (Exception e) {
            log.warn("host agent failed: " + Program.oneLine(e));
            stderr.println(Program.NAME + ": host agent: " + Program.oneLine(e));
            return 1;
        }
    }

    /** A relayed call in its place: runs as in a process of its own, with its share's part buffers. */
    private static CallHandler.Placed placed(CallShares.Share share, List<String> argv, Caller caller,
                                             AgentResources resources, CallRunner runner) {
        return new CallHandler.Placed() {
            @Override
            public int run(InputStream in, OutputStream out, PrintStream err) {
                // The client's streams are timed: a call that waits on them long is stalled (CallShares).
                StreamWait streams = share.streams();
                OutputStream data = out instanceof FileOutputStream file
                        ? new DescriptorOutput(file.getChannel(), streams) : streams.watch(out);
                return runner.run(argv, streams.watch(in), data, err, caller, resources.forCall(share.pool()));
            }

            @Override
            public void close() {
                share.close();
            }
        };
    }

    private static CallHandler.Placed refused(String command) {
        return (in, out, err) -> {
            err.println(Program.NAME + ": the host agent does not run " + command);
            return 1;
        };
    }

    /** The jar this JVM runs ({@code java -jar}), which the agent watches for a replacement. */
    private static Optional<Path> runningJar() {
        String classPath = System.getProperty("java.class.path", "");
        return classPath.endsWith(".jar") && !classPath.contains(File.pathSeparator)
                ? Optional.of(Path.of(classPath).toAbsolutePath()) : Optional.empty();
    }
}
