package gpbackup.s3plugin.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gpbackup.s3plugin.leaks.TestSecrets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** credential_process: a small shell script stands in for the credential helper. */
class ProcessCredentialsProviderTest {
    private static final String SECRET = TestSecrets.PROCESS_SECRET_KEY;
    private static final String TOKEN = TestSecrets.PROCESS_SESSION_TOKEN;
    @TempDir
    Path dir;

    private Path script(String name, String body) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwx------"));
        return file;
    }

    private static String json(String version) {
        return "{\"Version\": " + version + ", \"AccessKeyId\": \"ASIAPROC\", \"SecretAccessKey\": \"" + SECRET
                + "\", \"SessionToken\": \"" + TOKEN + "\", \"Expiration\": \"2026-03-01T11:00:00Z\"}";
    }

    @Test
    void theProgramsJsonBecomesCredentials() throws IOException {
        Path helper = script("helper", "cat <<'EOF'\n" + json("1") + "\nEOF");
        Credentials credentials = new ProcessCredentialsProvider(helper.toString(), "prod").credentials();
        assertEquals("ASIAPROC", credentials.accessKeyId());
        assertEquals(SECRET, credentials.secretAccessKey());
        assertEquals(Optional.of(TOKEN), credentials.sessionToken());
        assertEquals(Optional.of(Instant.parse("2026-03-01T11:00:00Z")), credentials.expiration());
    }

    @Test
    void withoutExpirationTheKeysAreLongLived() throws IOException {
        Path helper = script("helper", "echo '{\"Version\":1,\"AccessKeyId\":\"AKIA\",\"SecretAccessKey\":\"s\"}'");
        assertEquals(Optional.empty(), new ProcessCredentialsProvider(helper.toString(), "p").credentials().expiration());
    }

    @Test
    void theCommandIsSplitIntoWordsAndNothingIsExpanded() throws IOException {
        Path args = dir.resolve("args");
        Path helper = script("helper with space", "for a in \"$@\"; do echo \"$a\"; done > '" + args + "'\n"
                + "echo '" + json("1") + "'");
        new ProcessCredentialsProvider("'" + helper + "' --profile \"two words\" $HOME a\\ b", "p").credentials();
        assertEquals(List.of("--profile", "two words", "$HOME", "a b"), Files.readAllLines(args));
    }

    @Test
    void aFailingProgramIsOneLineWithItsExitCodeAndNothingItPrinted() throws IOException {
        Path helper = script("helper", "echo '" + json("1") + "'\necho 'error: token " + TOKEN + "' >&2\nexit 3");
        CredentialsException e = assertThrows(CredentialsException.class,
                () -> new ProcessCredentialsProvider(helper.toString(), "prod").credentials());
        assertEquals("credential_process of profile 'prod' exited with code 3", e.getMessage());
    }

    @Test
    void aProgramThatHangsIsStoppedAtTheTimeout() throws IOException {
        Path helper = script("helper", "sleep 30");
        CredentialsException e = assertThrows(CredentialsException.class,
                () -> new ProcessCredentialsProvider(helper.toString(), "p", Duration.ofSeconds(1)).credentials());
        assertEquals("credential_process of profile 'p' did not finish within 1 s", e.getMessage());
    }

    @Test
    void badOutputIsReportedWithoutQuotingIt() throws IOException {
        Path notJson = script("a", "echo 'AccessKeyId=AKIA SecretAccessKey=" + SECRET + "'");
        CredentialsException e = assertThrows(CredentialsException.class,
                () -> new ProcessCredentialsProvider(notJson.toString(), "p").credentials());
        assertEquals("credential_process of profile 'p' printed something that is not a JSON object", e.getMessage());
        Path version2 = script("b", "echo '" + json("2") + "'");
        assertEquals("credential_process of profile 'p' printed Version 2; 1 is required",
                assertThrows(CredentialsException.class,
                        () -> new ProcessCredentialsProvider(version2.toString(), "p").credentials()).getMessage());
        Path noSecret = script("c", "echo '{\"Version\":1,\"AccessKeyId\":\"AKIA\"}'");
        assertEquals("credential_process of profile 'p' printed no AccessKeyId or no SecretAccessKey",
                assertThrows(CredentialsException.class,
                        () -> new ProcessCredentialsProvider(noSecret.toString(), "p").credentials()).getMessage());
    }

    @Test
    void aMissingProgramOrAnUnclosedQuoteIsNamed() {
        assertTrue(assertThrows(CredentialsException.class, () -> new ProcessCredentialsProvider(
                dir.resolve("nothing-here").toString(), "p").credentials()).getMessage()
                .startsWith("credential_process of profile 'p' cannot run '" + dir.resolve("nothing-here") + "'"));
        assertEquals("credential_process has an unclosed ' quote", assertThrows(CredentialsException.class,
                () -> new ProcessCredentialsProvider("helper 'oops", "p").credentials()).getMessage());
    }

    @Test
    void splittingFollowsTheAwsCli() {
        assertEquals(List.of("a", "b c", "d\"e", "f'g", "h i"),
                ProcessCredentialsProvider.split("  a 'b c' \"d\\\"e\" \"f'g\" h\\ i  "));
        assertFalse(ProcessCredentialsProvider.split("x").isEmpty());
    }
}
