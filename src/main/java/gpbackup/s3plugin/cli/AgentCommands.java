package gpbackup.s3plugin.cli;

import gpbackup.s3plugin.agent.AgentControl;
import gpbackup.s3plugin.agent.AgentDirectory;
import gpbackup.s3plugin.agent.AgentServer;
import gpbackup.s3plugin.agent.CallHandler;
import gpbackup.s3plugin.config.ConfigLoader;
import gpbackup.s3plugin.config.PluginConfig;
import gpbackup.s3plugin.log.PluginLog;
import gpbackup.s3plugin.transfer.DataOutput;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Semaphore;
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
    /** Set by the launcher for the hooks: itself, which knows how to start a JVM for the agent. */
    static final String LAUNCHER_VARIABLE = "GPBACKUP_S3_PLUGIN_LAUNCHER";
    /** The commands gpbackup and gprestore run once per table or per file; only these are relayed. */
    static final Set<String> RELAYED = Set.of("backup_data", "restore_data", "restore_data_subset",
            "backup_file", "restore_file");
    /**
     * Commands running at once in one agent; later ones wait their turn. Their part buffers come
     * from one pool, so this bounds threads and connections, not memory.
     */
    static final int CALLS_AT_ONCE = 16;
    private static final Duration STOP_PATIENCE = Duration.ofSeconds(60);

    private AgentCommands() {
    }

    /** After a segment host's setup: starts its agent, unless the config or the launcher says no. */
    static void startFor(PluginContext context) {
        String dir = context.env(DIR_VARIABLE);
        String launcher = context.env(LAUNCHER_VARIABLE);
        if (!context.config().agent().enabled() || isEmpty(dir) || isEmpty(launcher)) {
            return;
        }
        try {
            if (AgentControl.start(new AgentDirectory(Path.of(dir)), Path.of(launcher), context.arg(0))) {
                context.log().info("started the host agent in " + dir);
            }
        } catch (IOException | RuntimeException e) {
            // Without an agent every call runs in its own process: slower, never wrong.
            context.log().warn("no host agent; each call runs on its own: " + e.getMessage());
        }
    }

    /** At a segment host's cleanup: stops its agent once the calls in flight are done. */
    static void stopFor(PluginContext context) {
        String dir = context.env(DIR_VARIABLE);
        if (isEmpty(dir)) {
            return;
        }
        try {
            if (AgentControl.stop(new AgentDirectory(Path.of(dir)), STOP_PATIENCE)) {
                context.log().info("stopped the host agent in " + dir);
            }
        } catch (IOException | RuntimeException e) {
            context.log().warn("host agent in " + dir + ": " + e.getMessage());
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
            CommandRunner runner = new CommandRunner(environment, clock, resources);
            Semaphore running = new Semaphore(CALLS_AT_ONCE, true);
            CallHandler handler = (argv, in, out, err, caller) -> {
                if (!RELAYED.contains(argv.get(0))) {
                    err.println(Main.PROGRAM + ": the host agent does not run " + argv.get(0));
                    return 1;
                }
                log.debug("relayed " + argv.get(0) + " from pid " + caller.pid());
                running.acquireUninterruptibly();
                try {
                    return runner.run(argv, in,
                            out instanceof FileOutputStream file ? new DataOutput(file.getChannel()) : out, err, caller.pid(),
                            caller.umask());
                } finally {
                    running.release();
                }
            };
            new AgentServer(new AgentDirectory(Path.of(args.get(1))), handler, config.agent().idleTimeout(), log::info,
                    log::warn)
                    .serve();
            return 0;
        } catch (Exception e) {
            log.warn("host agent failed: " + CommandRunner.oneLine(e));
            stderr.println(Main.PROGRAM + ": host agent: " + CommandRunner.oneLine(e));
            return 1;
        }
    }

    private static boolean isEmpty(String text) {
        return text == null || text.isEmpty();
    }
}
