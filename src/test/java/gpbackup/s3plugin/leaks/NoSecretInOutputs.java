package gpbackup.s3plugin.leaks;

import static org.junit.jupiter.api.Assertions.assertTrue;

import gpbackup.s3plugin.leaks.SecretScan.Finding;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The last test of each phase: no secret the suite used appears in anything its runs printed or
 * logged. pom.xml runs it in executions of its own, after the unit tests and after the ITs, over
 * surefire's and failsafe's reports and output files and the plugin runs kept by {@link RunOutputs}.
 * Its name matches neither plugin's default includes, so the ordinary executions leave it out.
 */
class NoSecretInOutputs {
    static final List<Path> ROOTS = List.of(Path.of("target", "surefire-reports"),
            Path.of("target", "failsafe-reports"), RunOutputs.root());

    @Test
    void noSecretAppearsInAnyOutputOfTheSuite() throws IOException {
        assertNoSecretIn(ROOTS);
    }

    static void assertNoSecretIn(List<Path> roots) throws IOException {
        List<Finding> findings = new SecretScan(TestSecrets.all()).scan(roots);
        assertTrue(findings.isEmpty(), () -> findings.size() + " secret(s) in the suite's outputs:\n"
                + findings.stream().limit(50).map(Finding::toString).collect(Collectors.joining("\n")));
    }
}
