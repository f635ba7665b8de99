package gpbackup.s3plugin.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import gpbackup.s3plugin.UsageException;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OperatorArgumentsTest {
    private static final Set<String> SWITCHES = Set.of("--json", "--yes");
    private static final Set<String> OPTIONS = Set.of("--keep-last", "--older-than");

    private static OperatorArguments parse(String... args) {
        return OperatorArguments.parse("prune", List.of(args), SWITCHES, OPTIONS);
    }

    @Test
    void separatesPositionalSwitchesAndValues() {
        OperatorArguments parsed = parse("20261204101010", "--json", "--keep-last", "7", "--older-than=30");
        assertEquals(List.of("20261204101010"), parsed.positional());
        assertTrue(parsed.has("--json"));
        assertFalse(parsed.has("--yes"));
        assertEquals(Optional.of(7), parsed.intValue("prune", "--keep-last", 1));
        assertEquals(Optional.of("30"), parsed.value("--older-than"));
    }

    @Test
    void namesTheUnknownOptionAndTheKnownOnes() {
        UsageException e = assertThrows(UsageException.class, () -> parse("--force"));
        assertEquals("prune: unknown option '--force'; it knows --json, --keep-last, --older-than, --yes",
                e.getMessage());
    }

    @Test
    void refusesAMissingValueARepeatAndASwitchWithAValue() {
        assertEquals("prune: --keep-last needs a value",
                assertThrows(UsageException.class, () -> parse("--keep-last")).getMessage());
        assertEquals("prune: --keep-last given twice",
                assertThrows(UsageException.class, () -> parse("--keep-last", "1", "--keep-last=2")).getMessage());
        assertThrows(UsageException.class, () -> parse("--json=yes"));
    }

    @Test
    void refusesANumberBelowTheMinimum() {
        assertEquals("prune: --keep-last needs a whole number of at least 1, got '0'",
                assertThrows(UsageException.class, () -> parse("--keep-last", "0").intValue("prune", "--keep-last", 1))
                        .getMessage());
        assertThrows(UsageException.class, () -> parse("--keep-last", "x").intValue("prune", "--keep-last", 1));
    }
}
