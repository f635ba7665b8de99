package gpbackup.s3plugin.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** How many HTTP clients (selector threads) the agent spreads its calls over, by the host's cores. */
class AgentResourcesTest {
    @ParameterizedTest(name = "{0} cores: {1}")
    @CsvSource({"1, 1", "2, 1", "7, 1", "8, 2", "12, 3", "16, 4", "32, 4", "128, 4"})
    void oneClientPerFourCoresAndAtMostFour(int cores, int clients) {
        assertEquals(clients, AgentResources.httpClients(cores));
    }
}
