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

    private static final List<String> FILES = List.of("lock", "pid", "requests", "");

    private static void setTimes(AgentDirectory dir, FileTime time) throws IOException {
        for (String name : FILES) {
            Files.setLastModifiedTime(dir.path().resolve(name), time);
        }
    }

    private static void assertTimes(AgentDirectory dir, FileTime time) throws IOException {
        for (String name : FILES) {
            assertEquals(time, Files.getLastModifiedTime(dir.path().resolve(name)), "the time of '" + name + "'");
        }
    }

    @Test
    void aFileIsTouchedOnceItsTimeIsAnHourOldNotEveryTick(@TempDir Path root) throws IOException {
        AgentDirectory dir = served(root);
        // The agent holds its FIFO open both ways: touching a FIFO opens it, which waits for a writer.
        try (java.io.RandomAccessFile requests = new java.io.RandomAccessFile(dir.requests().toFile(), "rw")) {
            AgentKeeper keeper = new AgentKeeper(dir, Optional.empty(), log::add);
            long now = System.currentTimeMillis();
            FileTime recent = FileTime.fromMillis(now - HOUR + 60_000);
            setTimes(dir, recent);
            keeper.keep(now);
            assertTimes(dir, recent);
            FileTime aged = FileTime.fromMillis(now - HOUR);
            setTimes(dir, aged);
            keeper.keep(now);
            assertTimes(dir, FileTime.fromMillis(now));
            setTimes(dir, LONG_AGO);
            keeper.keep(now);
            assertTimes(dir, FileTime.fromMillis(now));
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
