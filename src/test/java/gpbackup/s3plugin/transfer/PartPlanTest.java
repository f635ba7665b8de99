package gpbackup.s3plugin.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Part sizes start small, grow with the part count, and never leave the bounds of the config and the budget. */
class PartPlanTest {
    private static final long MIB = 1L << 20;
    private static final long GIB = 1L << 30;
    private static final long TIB = 1L << 40;

    private final PartPlan defaults = PartPlan.forUpload(500 * MIB, 128 * MIB);

    @ParameterizedTest(name = "part {0} is {1} MiB")
    @CsvSource({"1, 8", "2, 8", "999, 8", "1000, 8", "1001, 16", "2000, 16", "2001, 32", "3001, 64", "9999, 64",
        "10000, 64"})
    void atTheDefaultsPartsStartAt8MiBAndDoubleEveryThousandUpToHalfTheBudget(int part, long mib) {
        assertEquals(mib * MIB, defaults.partSize(part));
    }

    @Test
    void atTheDefaultsTenThousandPartsCarryAboutHalfATebibyte() {
        long max = defaults.maxStreamSize(10_000);
        assertEquals((1000 * (8 + 16 + 32) + 7000 * 64) * MIB, max);
        assertTrue(max > 490 * GIB, "" + max);
    }

    @Test
    void withBudgetAndPartSizeRaisedTenThousandPartsReachS3sLargestObject() {
        PartPlan large = PartPlan.forUpload(5 * GIB, 12 * GIB);
        assertEquals(5 * GIB, large.largestPart());
        assertTrue(large.maxStreamSize(10_000) >= 5 * TIB, "" + large.maxStreamSize(10_000));
    }

    @ParameterizedTest(name = "part size bound {0} MiB, budget {1} MiB -> first {2} MiB, largest {3} MiB")
    @CsvSource({
        "500, 128,   8,  64",  // defaults: the budget bounds the growth
        "  5, 128,   5,   5",  // the configured size is an upper bound, even below 8 MiB
        " 16,  16,   8,   8",  // the least budget: two parts of half of it
        "500, 4096,  8, 500",  // a large budget: the configured size bounds the growth
        "5120, 20480, 8, 5120"})
    void thePartSizeBoundAndHalfTheBudgetAreUpperBounds(long partMib, long budgetMib, long firstMib, long largestMib) {
        PartPlan plan = PartPlan.forUpload(partMib * MIB, budgetMib * MIB);
        assertEquals(firstMib * MIB, plan.firstPart());
        assertEquals(largestMib * MIB, plan.largestPart());
        for (int part = 1; part <= 10_000; part += 333) {
            assertTrue(plan.partSize(part) >= PartPlan.MIN_PART && plan.partSize(part) <= largestMib * MIB);
            assertTrue(2 * plan.partSize(part) <= Math.max(budgetMib * MIB, 2 * PartPlan.MIN_PART), "two parts fit");
        }
    }

    @Test
    void partsNeverShrink() {
        for (int part = 1; part < 10_000; part++) {
            assertTrue(defaults.partSize(part + 1) >= defaults.partSize(part));
        }
    }

    @Test
    void aFixedPlanHasOneSize() {
        PartPlan fixed = Engines.fixedParts(1024);
        assertEquals(1024, fixed.partSize(1));
        assertEquals(1024, fixed.partSize(10_000));
        assertEquals(10_000L * 1024, fixed.maxStreamSize(10_000));
    }
}
