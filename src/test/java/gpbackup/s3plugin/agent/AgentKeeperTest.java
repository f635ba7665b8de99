package gpbackup.s3plugin.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A serving agent's keeper, one tick at a time (spec/agent.md, "Lifecycle"). */
class AgentKeeperTest {
    private static final long HOUR = AgentKeeper.TOUCH_EVERY.toMillis();
    private static final FileTime LONG_AGO = FileTime.fromMillis(86_400_000L);

    private final List<String> log = new ArrayList<>();

    private AgentDirectory served(Path root) throws IOException {
        AgentDirectory dir = new AgentDirectory(root.resolve("base").resolve("key")).createPrivate();
        Files.createFile(dir.lockFile());
        Fifos.make(dir.requests());
        AgentServer.publishPid(dir);
        return dir;
    }

    private static void age(AgentDirectory dir) throws IOException {
        for (Path file : List.of(dir.lockFile(), dir.pidFile(), dir.requests(), dir.path())) {
            Files.setLastModifiedTime(file, LONG_AGO);
        }
    }

    private static void assertAll(AgentDirectory dir, boolean touched) throws IOException {
        for (Path file : List.of(dir.lockFile(), dir.pidFile(), dir.requests(), dir.path())) {
            assertEquals(touched, !Files.getLastModifiedTime(file).equals(LONG_AGO), file + " touched: " + touched);
        }
    }

    @Test
    void theFilesAreTouchedOnceAnHourNotEveryTick(@TempDir Path root) throws IOException {
        AgentDirectory dir = served(root);
        // The agent holds its FIFO open both ways: touching a FIFO opens it, which waits for a writer.
        try (java.io.RandomAccessFile requests = new java.io.RandomAccessFile(dir.requests().toFile(), "rw")) {
            AgentKeeper keeper = new AgentKeeper(dir, Optional.empty(), log::add);
            long start = System.currentTimeMillis();
            age(dir);
            keeper.keep(start + 1000);
            assertAll(dir, false);
            keeper.keep(start + HOUR);
            assertAll(dir, true);
            age(dir);
            keeper.keep(start + HOUR + 1000);
            assertAll(dir, false);
            keeper.keep(start + 2 * HOUR);
            assertAll(dir, true);
        }
    }

    @Test
    void aRemovedPidFileIsPublishedAgainAtTheNextTick(@TempDir Path root) throws IOException {
        AgentDirectory dir = served(root);
        AgentKeeper keeper = new AgentKeeper(dir, Optional.empty(), log::add);
        Files.delete(dir.pidFile());
        keeper.keep(System.currentTimeMillis() + 1000);
        assertEquals(ProcessHandle.current().pid() + "", Files.readString(dir.pidFile()).strip());
        assertTrue(log.toString().contains("its pid file was removed"), log.toString());
        keeper.closeLocks();
    }
}
