package gpbackup.s3plugin.command.plugin;

import gpbackup.s3plugin.Program;
import gpbackup.s3plugin.agent.AgentControl;
import gpbackup.s3plugin.agent.AgentDirectory;
import gpbackup.s3plugin.command.PluginContext;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * The host agent from the hooks' side (spec/agent.md): a segment host's setup starts it, the
 * matching cleanup stops it. The launcher names the agent's directory in the variables below.
 */
public final class AgentHooks {
    /** Set by the launcher for the hooks: the directory it derived for this user, config and environment. */
    public static final String DIR_VARIABLE = "GPBACKUP_S3_PLUGIN_AGENT_DIR";
    /**
     * Set by the launcher for the hooks: the prefix shared by the directories of every agent of
     * this config path, user and environment, whatever the config's content or the jar (cleanup
     * stops them all: the config may have been edited, or the jar replaced, since the setup).
     */
    public static final String FAMILY_VARIABLE = "GPBACKUP_S3_PLUGIN_AGENT_FAMILY";
    /** Set by the launcher for the hooks: itself, which knows how to start a JVM for the agent. */
    public static final String LAUNCHER_VARIABLE = "GPBACKUP_S3_PLUGIN_LAUNCHER";
    /** Set by the launcher for the hooks when it could not derive the agent's directory: why. */
    public static final String UNDERIVED_VARIABLE = "GPBACKUP_S3_PLUGIN_AGENT_UNDERIVED";
    /** Replaces {@code /tmp} as the directory under which the launcher derives every agent's. */
    public static final String ROOT_VARIABLE = "GPBACKUP_S3_PLUGIN_AGENT_ROOT";
    private static final String NO_AGENT = "no host agent; each call runs on its own: ";
    private static final Duration STOP_PATIENCE = Duration.ofSeconds(60);

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
        return Optional.ofNullable(e.getMessage()).map(AgentHooks::oneLine).orElse(Program.oneLine(e));
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

    private AgentHooks() {
    }

    private static String oneLine(String text) {
        return text.replace('\n', ' ').replace('\r', ' ');
    }

    private static boolean isEmpty(String text) {
        return text == null || text.isEmpty();
    }
}
