package gpbackup.s3plugin.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import gpbackup.s3plugin.UsageException;
import gpbackup.s3plugin.command.plugin.DataCommands;
import gpbackup.s3plugin.transfer.ByteRange;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** gprestore's offsets file for restore_data_subset: {@code N s1 e1 ... sN eN}, every range inside the object. */
class ReadOffsetsTest {
    private static final long SIZE = 100;

    @TempDir
    Path dir;

    private Path file(String text) throws IOException {
        return Files.writeString(dir.resolve("gpbackup_offsets"), text);
    }

    private UsageException refused(String text) throws IOException {
        Path file = file(text);
        UsageException e = assertThrows(UsageException.class, () -> DataCommands.readOffsets(file, SIZE));
        assertTrue(e.getMessage().startsWith("offsets file " + file), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        return e;
    }

    @Test
    void validFileGivesTheRangesInTheOrderListed() throws IOException {
        assertEquals(List.of(new ByteRange(50, 60), new ByteRange(0, 10), new ByteRange(90, 100)),
                DataCommands.readOffsets(file("3 50 60 0 10 90 100"), SIZE));
    }

    @Test
    void anyWhitespaceSeparatesTheNumbers() throws IOException {
        assertEquals(List.of(new ByteRange(0, 10), new ByteRange(10, 10)),
                DataCommands.readOffsets(file("  2\n0\t10\r\n10   10\n"), SIZE));
    }

    @ParameterizedTest(name = "''{0}''")
    @ValueSource(strings = {"3 0 10 20 30", "1 0 10 20 30", "2 0 10", "1"})
    void countThatDoesNotMatchTheNumbersIsRefused(String text) throws IOException {
        assertTrue(refused(text).getMessage().contains("announces"));
    }

    @Test
    void oddNumberOfOffsetsIsRefused() throws IOException {
        assertTrue(refused("1 0 10 20").getMessage().contains("holds 3 numbers"));
    }

    @ParameterizedTest(name = "''{0}''")
    @ValueSource(strings = {"1 -5 10", "1 0 -1", "-1 0 10"})
    void negativeNumberIsRefused(String text) throws IOException {
        assertTrue(refused(text).getMessage().contains("is not a byte offset"));
    }

    @ParameterizedTest(name = "''{0}''")
    @ValueSource(strings = {"1 0 ten", "one 0 10", "1 0 1.5", "1 0x0 10", "1 0 99999999999999999999", "1 0 1e3"})
    void nonNumericOffsetIsRefused(String text) throws IOException {
        assertTrue(refused(text).getMessage().contains("is not a byte offset"));
    }

    @Test
    void rangeEndingBeforeItStartsIsRefused() throws IOException {
        assertTrue(refused("1 20 10").getMessage().contains("range [20, 10) does not fit an object of 100 bytes"));
    }

    @Test
    void rangeEndingBeyondTheObjectIsRefused() throws IOException {
        assertTrue(refused("2 0 10 90 101").getMessage().contains("range [90, 101) does not fit"));
    }

    @Test
    void rangeEndingExactlyAtTheObjectsEndIsAccepted() throws IOException {
        assertEquals(List.of(new ByteRange(0, SIZE)), DataCommands.readOffsets(file("1 0 100"), SIZE));
    }

    @ParameterizedTest(name = "''{0}''")
    @ValueSource(strings = {"", " ", "\n\n"})
    void emptyFileIsRefused(String text) throws IOException {
        assertTrue(refused(text).getMessage().endsWith("is empty"));
    }

    @Test
    void missingFileIsAUsageErrorNamingIt() {
        Path missing = dir.resolve("no_such_offsets");
        UsageException e = assertThrows(UsageException.class, () -> DataCommands.readOffsets(missing, SIZE));
        assertEquals("offsets file " + missing + " does not exist", e.getMessage());
    }
}
