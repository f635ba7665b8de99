package gpbackup.s3plugin.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which descriptor links are terminals: links made here stand for /proc/self/fd/2. */
class StderrTerminalTest {
    @TempDir
    Path dir;

    private Path fdLinkedTo(String target) throws IOException {
        return Files.createSymbolicLink(dir.resolve("fd"), Path.of(target));
    }

    @Test
    void aPseudoTerminalIsOne() throws IOException {
        assertTrue(StderrTerminal.isTerminal(fdLinkedTo("/dev/pts/3")));
    }

    @Test
    void aConsoleIsOne() throws IOException {
        assertTrue(StderrTerminal.isTerminal(fdLinkedTo("/dev/tty1")));
    }

    @Test
    void aPipeIsNot() throws IOException {
        assertFalse(StderrTerminal.isTerminal(fdLinkedTo("pipe:[81234]")));
    }

    @Test
    void aFileOrDevNullIsNot() throws IOException {
        assertFalse(StderrTerminal.isTerminal(fdLinkedTo("/home/gpadmin/gpAdminLogs/helper.log")));
        Files.delete(dir.resolve("fd"));
        assertFalse(StderrTerminal.isTerminal(fdLinkedTo("/dev/null")));
    }

    @Test
    void aLinkThatCannotBeReadIsNot() throws IOException {
        assertFalse(StderrTerminal.isTerminal(dir.resolve("missing")));
        assertFalse(StderrTerminal.isTerminal(Files.writeString(dir.resolve("plain"), "")));
    }
}
