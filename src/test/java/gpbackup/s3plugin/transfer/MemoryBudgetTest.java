package gpbackup.s3plugin.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import gpbackup.s3plugin.config.TransferSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Concurrency is lowered only as far as the heap needs, and never below one part. */
class MemoryBudgetTest {
    private static final long MIB = 1024 * 1024;

    @ParameterizedTest(name = "budget {0} MiB, parts of {1} MiB, {2} wanted, {3} spare -> {4}")
    @CsvSource({
        "4000, 500, 6, 1, 6",   // 7 parts fit: unchanged
        "3000, 500, 6, 1, 5",   // 6 buffers fit, one is the read-ahead
        "3000, 500, 6, 0, 6",
        "1200, 500, 6, 1, 1",   // two buffers: one in flight, one read ahead
        " 100, 500, 6, 1, 1",   // even one part does not fit: one in flight is the least
        "1000,   5, 64, 1, 64"})
    void lowersConcurrencyToFitTheBudget(long budgetMib, long partMib, int wanted, int spare, int expected) {
        TransferSettings fitted = new MemoryBudget(budgetMib * MIB).fit(new TransferSettings(partMib * MIB, wanted), spare);
        assertEquals(expected, fitted.concurrency());
        assertEquals(partMib * MIB, fitted.chunkSize(), "the part size is the user's choice and stays");
    }

    @Test
    void settingsThatFitAreReturnedAsTheyAre() {
        TransferSettings settings = new TransferSettings(8 * MIB, 4);
        assertSame(settings, new MemoryBudget(1024 * MIB).fit(settings, 1));
    }
}
