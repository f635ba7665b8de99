package gpbackup.s3plugin.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The parser of ~/.aws/credentials and ~/.aws/config. */
class ProfileFileTest {

    static Stream<Arguments> wellFormedFiles() {
        return Stream.of(
                Arguments.of("plain credentials", ProfileFile.Kind.CREDENTIALS, "default",
                        "[default]\naws_access_key_id = AKID\naws_secret_access_key = SECRET\n",
                        Map.of("aws_access_key_id", "AKID", "aws_secret_access_key", "SECRET")),
                Arguments.of("comments of both kinds and blank lines", ProfileFile.Kind.CREDENTIALS, "default",
                        "# top\n; also a comment\n\n[default]\n  # indented comment\naws_access_key_id=AKID\n",
                        Map.of("aws_access_key_id", "AKID")),
                Arguments.of("inline comment after white space", ProfileFile.Kind.CONFIG, "default",
                        "[default]\nregion = eu-west-1 # Ireland\n", Map.of("region", "eu-west-1")),
                Arguments.of("a '#' inside a value is kept", ProfileFile.Kind.CREDENTIALS, "default",
                        "[default]\naws_secret_access_key = ab#cd\n", Map.of("aws_secret_access_key", "ab#cd")),
                Arguments.of("config file names profiles 'profile NAME'", ProfileFile.Kind.CONFIG, "backup",
                        "[default]\nregion = us-east-1\n[profile backup]\nregion = us-west-2\n",
                        Map.of("region", "us-west-2")),
                Arguments.of("credentials file names profiles plainly", ProfileFile.Kind.CREDENTIALS, "backup",
                        "[backup]\naws_session_token = TOKEN\n", Map.of("aws_session_token", "TOKEN")),
                Arguments.of("indented sub-settings are skipped", ProfileFile.Kind.CONFIG, "default",
                        "[default]\ns3 =\n  max_concurrent_requests = 20\n  multipart_chunksize = 16MB\nregion = ap-south-1\n",
                        Map.of("region", "ap-south-1")),
                Arguments.of("key names are case-insensitive", ProfileFile.Kind.CREDENTIALS, "default",
                        "[default]\nAWS_Access_Key_ID = AKID\n", Map.of("aws_access_key_id", "AKID")),
                Arguments.of("CRLF line ends", ProfileFile.Kind.CREDENTIALS, "default",
                        "[default]\r\naws_access_key_id = AKID\r\n", Map.of("aws_access_key_id", "AKID")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("wellFormedFiles")
    void readsProfiles(String name, ProfileFile.Kind kind, String profile, String text, Map<String, String> expected) {
        assertEquals(Optional.of(expected), ProfileFile.parse(text, "file", kind).profile(profile));
    }

    @Test
    void aConfigSectionWithoutTheProfileWordIsNotAProfile() {
        ProfileFile file = ProfileFile.parse("[backup]\nregion = x\n", "config", ProfileFile.Kind.CONFIG);
        assertEquals(Optional.empty(), file.profile("backup"));
    }

    static Stream<Arguments> malformedFiles() {
        return Stream.of(
                Arguments.of("[default]\naws_access_key_id AKID-SECRETISH\n", "line 2"),
                Arguments.of("[default\naws_access_key_id = A\n", "line 1"),
                Arguments.of("aws_access_key_id = A\n[default]\n", "line 1"),
                Arguments.of("[default]\n\n\n= value\n", "line 4"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("malformedFiles")
    void aMalformedFileIsAnErrorNamingFileAndLine(String text, String line) {
        CredentialsException e = assertThrows(CredentialsException.class,
                () -> ProfileFile.parse(text, "/home/gpadmin/.aws/credentials", ProfileFile.Kind.CREDENTIALS));
        assertTrue(e.getMessage().contains("/home/gpadmin/.aws/credentials " + line), e.getMessage());
        assertFalse(e.getMessage().contains("SECRETISH"), "the line's text is never quoted");
    }

    @Test
    void aMissingFileHasNoProfiles(@TempDir Path dir) {
        assertEquals(Optional.empty(),
                ProfileFile.read(dir.resolve("absent"), ProfileFile.Kind.CREDENTIALS).profile("default"));
    }

    @Test
    void readsFromDisk(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("credentials"), "[default]\naws_access_key_id = AKID\n");
        assertEquals(Optional.of(Map.of("aws_access_key_id", "AKID")),
                ProfileFile.read(file, ProfileFile.Kind.CREDENTIALS).profile("default"));
    }
}
