package gpbackup.s3plugin.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The configured budget holds unless the heap cannot carry it; never below the least that works. */
class MemoryBudgetTest {
    private static final long MIB = 1024 * 1024;

    @ParameterizedTest(name = "configured {0} MiB, heap {1} MiB -> {2} MiB")
    @CsvSource({
        " 128, 6000, 128",   // the default on an ordinary heap
        "4096, 1000,  600",  // 60% of the heap
        " 128,  100,   60",
        " 128,   10,   16"}) // never below two 5 MiB parts and some room
    void theBudgetIsTheConfiguredOneWithinTheHeap(long configuredMib, long heapMib, long expectedMib) {
        assertEquals(expectedMib * MIB, MemoryBudget.within(configuredMib * MIB, heapMib * MIB).bytes());
    }
}
