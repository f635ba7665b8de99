package gpbackup.s3plugin.agent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Optional;

/**
 * Finds the agent process of a directory: by its {@code pid} file when it is there, else among
 * this user's processes, by the command line every agent has ({@code ... agent_serve CONFIG DIR}),
 * so a removed pid or lock file never hides a live agent.
 */
final class AgentProcesses {
    private AgentProcesses() {
    }

    /** The live agent serving {@code dir}, other than this process. */
    static Optional<ProcessHandle> find(AgentDirectory dir) {
        Optional<ProcessHandle> published = published(dir).filter(p -> serves(p, dir));
        if (published.isPresent()) {
            return published;
        }
        return ProcessHandle.allProcesses().filter(p -> serves(p, dir)).findFirst();
    }

    private static Optional<ProcessHandle> published(AgentDirectory dir) {
        try {
            return ProcessHandle.of(Long.parseLong(Files.readString(dir.pidFile(), StandardCharsets.US_ASCII).strip()));
        } catch (IOException | NumberFormatException unpublished) {
            return Optional.empty();
        }
    }

    /** Whether {@code process} is an agent of {@code dir}: the launcher's last two words are agent_serve's. */
    static boolean serves(ProcessHandle process, AgentDirectory dir) {
        if (process.pid() == ProcessHandle.current().pid() || !process.isAlive()) {
            return false;
        }
        // setsid, should it fork, briefly shows the same words before the agent it starts.
        if (process.info().command().filter(command -> command.endsWith("/setsid")).isPresent()) {
            return false;
        }
        List<String> args = process.info().arguments().map(List::of).orElse(List.of());
        int n = args.size();
        return n >= 3 && args.get(n - 3).equals("agent_serve") && args.get(n - 1).equals(dir.path().toString());
    }
}
