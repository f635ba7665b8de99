package gpbackup.s3plugin.cli;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import gpbackup.s3plugin.leaks.RunOutputs;
import gpbackup.s3plugin.leaks.TestSecrets;
import gpbackup.s3plugin.s3.WireMockS3;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The bad-input table (spec/reliability.md): broken configs, wrong command lines and hostile or
 * unhelpful server answers. Whatever the input, the plugin exits non-zero with exactly one stderr
 * line, prints no stack trace, and the secret key and session token appear in no output or log.
 */
class BadInputTest {
    private static final String SECRET = TestSecrets.BAD_INPUT_SECRET_KEY;
    private static final String TOKEN = TestSecrets.BAD_INPUT_SESSION_TOKEN;
    private static final String DATA_PATH = "/data/gpseg0/backups/20240101/20240101120000/gpbackup_0_20240101120000_1";
    private static final String ENTITY_PATH = "/entity.dtd";

    @RegisterExtension
    final WireMockExtension s3 = WireMockExtension.newInstance().options(WireMockS3.serverOptions()).build();

    /** Where a hostile DOCTYPE points its external entities: it must never be asked for anything. */
    @RegisterExtension
    final WireMockExtension entityHost = WireMockExtension.newInstance().options(WireMockS3.serverOptions()).build();

    @TempDir
    Path home;

    private final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();

    /** What this test's runs printed and logged, kept for the suite's scan for secrets (NoSecretInOutputs). */
    @AfterEach
    void keepOutputsForTheSecretScan(TestInfo test) {
        RunOutputs.keep(getClass().getSimpleName() + "." + test.getTestMethod().map(Method::getName).orElse("?"),
                stdout.toByteArray(), stderr.toString(StandardCharsets.UTF_8));
        RunOutputs.keepLogs(home);
    }

    private Path goodConfig;

    @BeforeEach
    void writeGoodConfig() throws IOException {
        goodConfig = config(goodOptions());
    }

    private String goodOptions() {
        return """
                  endpoint: http://127.0.0.1:%d
                  region: us-east-1
                  aws_access_key_id: AKIDBADINPUT
                  aws_secret_access_key: %s
                  bucket: bucket
                  folder: f
                  max_request_retries: 0
                """.formatted(s3.getPort(), SECRET);
    }

    private Path config(String options) throws IOException {
        return Files.writeString(home.resolve("s3_config.yaml"),
                "executablepath: /usr/local/greenplum-db/bin/gpbackup_s3_plugin\noptions:\n" + options);
    }

    private Path rawConfig(String text) throws IOException {
        return Files.writeString(home.resolve("s3_config.yaml"), text);
    }

    private int run(String... argv) {
        // Keys in the environment too, with a session token, so any leak of either would show.
        Map<String, String> environment = Map.of("HOME", home.toString(), "HOSTNAME", "sdw1",
                "AWS_ACCESS_KEY_ID", "AKIDENV", "AWS_SECRET_ACCESS_KEY", SECRET, "AWS_SESSION_TOKEN", TOKEN,
                "AWS_EC2_METADATA_DISABLED", "true");
        return new Main(environment::get, new ByteArrayInputStream(new byte[100]), stdout,
                new PrintStream(stderr, true, StandardCharsets.UTF_8), Clock.systemUTC(), false).run(argv);
    }

    private void assertFailedCleanly(String name, int status) throws IOException {
        String out = stdout.toString(StandardCharsets.UTF_8);
        String err = stderr.toString(StandardCharsets.UTF_8);
        String log = logText();
        assertAll(name,
                () -> assertNotEquals(0, status, "exit status; stderr: " + err),
                () -> assertEquals(1, err.lines().count(), "stderr lines: " + err),
                () -> assertFalse(err.isBlank(), "stderr says what went wrong"),
                () -> assertFalse(err.contains("\tat ") || err.contains("Exception:") || err.contains("Error:"),
                        "stack trace or raw exception on stderr: " + err),
                () -> assertFalse(out.contains(SECRET) || err.contains(SECRET) || log.contains(SECRET),
                        "the secret key leaked"),
                () -> assertFalse(out.contains(TOKEN) || err.contains(TOKEN) || log.contains(TOKEN),
                        "the session token leaked"));
    }

    /** Every file under HOME/gpAdminLogs, concatenated. */
    private String logText() throws IOException {
        Path logs = home.resolve("gpAdminLogs");
        if (!Files.isDirectory(logs)) {
            return "";
        }
        StringBuilder text = new StringBuilder();
        try (Stream<Path> files = Files.list(logs)) {
            for (Path f : files.toList()) {
                text.append(Files.readString(f));
            }
        }
        return text.toString();
    }

    static Stream<Arguments> badConfigs() {
        List<Arguments> rows = new ArrayList<>();
        String[] required = {"bucket", "folder"};
        rows.add(Arguments.of("empty file", "RAW:"));
        rows.add(Arguments.of("not YAML", "RAW:executablepath: [unclosed\noptions: {bucket: b\n"));
        rows.add(Arguments.of("tab indentation", "RAW:executablepath: /x\noptions:\n\tbucket: b\n\taws_secret_access_key: "
                + SECRET + "\n"));
        rows.add(Arguments.of("a list where the options map belongs", "RAW:executablepath: /x\noptions:\n  - bucket\n  - "
                + SECRET + "\n"));
        rows.add(Arguments.of("a list as the whole file", "RAW:- executablepath\n- options\n"));
        rows.add(Arguments.of("executablepath missing", "RAW:options:\n  bucket: b\n  folder: f\n  region: r\n"));
        rows.add(Arguments.of("executablepath empty", "RAW:executablepath: \"\"\noptions:\n  bucket: b\n  folder: f\n"
                + "  region: r\n"));
        rows.add(Arguments.of("options missing", "RAW:executablepath: /x\n"));
        for (String field : required) {
            rows.add(Arguments.of(field + " missing", "WITHOUT:" + field));
            rows.add(Arguments.of(field + " empty", "SET:" + field + ": \"\""));
        }
        rows.add(Arguments.of("region and endpoint both missing", "WITHOUT:endpoint,region"));
        rows.add(Arguments.of("unknown option", "SET:bukcet: other"));
        rows.add(Arguments.of("access key id without its secret", "WITHOUT:aws_secret_access_key"));
        rows.add(Arguments.of("secret without its access key id", "WITHOUT:aws_access_key_id"));
        for (String size : List.of("0", "-1", "5XB", "4MB", "5242879", "6GB", "5368709121")) {
            rows.add(Arguments.of("backup_multipart_chunksize " + size, "SET:backup_multipart_chunksize: \"" + size + "\""));
        }
        rows.add(Arguments.of("restore_multipart_chunksize 512KB", "SET:restore_multipart_chunksize: 512KB"));
        for (String count : List.of("0", "-3", "abc", "10000")) {
            rows.add(Arguments.of("backup_max_concurrent_requests " + count,
                    "SET:backup_max_concurrent_requests: \"" + count + "\""));
            rows.add(Arguments.of("restore_max_concurrent_requests " + count,
                    "SET:restore_max_concurrent_requests: \"" + count + "\""));
        }
        rows.add(Arguments.of("max_request_retries -3", "SET:max_request_retries: \"-3\""));
        rows.add(Arguments.of("max_request_retries abc", "SET:max_request_retries: abc"));
        rows.add(Arguments.of("max_request_retries 10000", "SET:max_request_retries: 10000"));
        for (String endpoint : List.of("ftp://host", "http://", "http://host:port", "http://host/with/path",
                "http://us er@host", "https://[::1")) {
            rows.add(Arguments.of("endpoint " + endpoint, "SET:endpoint: \"" + endpoint + "\""));
        }
        for (String proxy : List.of("socks5://proxy:1080", "http://", "http://proxy:99999", "proxy with spaces",
                "https://proxy:3128")) {
            rows.add(Arguments.of("http_proxy " + proxy, "SET:http_proxy: \"" + proxy + "\""));
        }
        rows.add(Arguments.of("encryption as a list", "SET:encryption: [on, off]"));
        rows.add(Arguments.of("restore_subset yes", "SET:restore_subset: maybe"));
        rows.add(Arguments.of("ca_cert missing file", "SET:ca_cert: /nonexistent/ca.pem"));
        // The JDK's refusal of a header value quotes the value: the token, or the signed Authorization.
        rows.add(Arguments.of("aws_session_token with a control character",
                "SET:aws_session_token: \"" + TOKEN + "\\x01\""));
        rows.add(Arguments.of("aws_session_token over two lines", "SET:aws_session_token: \"" + TOKEN + "\\nX: y\""));
        rows.add(Arguments.of("aws_access_key_id with a control character", "SET:aws_access_key_id: \"AKID\\x01\""));
        return rows.stream();
    }

    @ParameterizedTest(name = "config: {0}")
    @MethodSource("badConfigs")
    void aBadConfigFailsWithOneCleanLine(String name, String change) throws IOException {
        Path config = switch (change.substring(0, change.indexOf(':'))) {
            case "RAW" -> rawConfig(change.substring(4));
            case "WITHOUT" -> {
                List<String> dropped = List.of(change.substring(8).split(","));
                yield config(goodOptions().lines()
                        .filter(line -> !dropped.contains(line.strip().split(":")[0]))
                        .map(line -> line + "\n").reduce("", String::concat));
            }
            case "SET" -> {
                String line = change.substring(4);
                String key = line.split(":")[0];
                yield config(goodOptions().lines()
                        .filter(l -> !l.strip().startsWith(key + ":"))
                        .map(l -> l + "\n").reduce("", String::concat) + "  " + line + "\n");
            }
            default -> throw new IllegalArgumentException(change);
        };
        assertFailedCleanly(name, run("list_directory", config.toString()));
        assertEquals(0, s3.findAll(anyRequestedFor(anyUrl())).size(), "a bad config sends nothing");
    }

    @ParameterizedTest(name = "config: {0}")
    @MethodSource("missingConfigs")
    void aConfigThatCannotBeReadFailsWithOneCleanLine(String name, String relative) throws IOException {
        Files.createDirectories(home.resolve("a-directory"));
        Files.createSymbolicLink(home.resolve("loop-a"), home.resolve("loop-b"));
        Files.createSymbolicLink(home.resolve("loop-b"), home.resolve("loop-a"));
        assertFailedCleanly(name, run("list_directory", home.resolve(relative).toString()));
    }

    static Stream<Arguments> missingConfigs() {
        return Stream.of(
                Arguments.of("missing file", "no-such-config.yaml"),
                Arguments.of("a directory", "a-directory"),
                Arguments.of("unreadable (a symlink loop, unreadable even for root)", "loop-a"));
    }

    static Stream<Arguments> badCommandLines() {
        List<Arguments> rows = new ArrayList<>();
        rows.add(Arguments.of("no command", List.of()));
        rows.add(Arguments.of("unknown command", List.of("backup_everything", "{cfg}")));
        rows.add(Arguments.of("misspelt command", List.of("lst_backups", "{cfg}")));
        rows.add(Arguments.of("help for no such command", List.of("help", "backup_everything")));
        rows.add(Arguments.of("help with two arguments", List.of("help", "prune", "verify")));
        rows.add(Arguments.of("plugin_api_version with two arguments", List.of("plugin_api_version", "{cfg}", "x")));
        // name, fewest and most arguments after the command (CommandTable).
        Object[][] commands = {
            {"setup_plugin_for_backup", 3, 4}, {"setup_plugin_for_restore", 3, 4},
            {"cleanup_plugin_for_backup", 3, 4}, {"cleanup_plugin_for_restore", 3, 4},
            {"backup_file", 2, 2}, {"restore_file", 2, 2}, {"backup_data", 2, 2}, {"restore_data", 2, 2},
            {"restore_data_subset", 3, 3}, {"delete_backup", 2, 2}, {"list_directory", 1, 2},
            {"delete_directory", 2, 2}, {"backup_directory", 2, 3}, {"backup_directory_parallel", 2, 3},
            {"restore_directory", 2, 3}, {"restore_directory_parallel", 2, 3},
        };
        for (Object[] c : commands) {
            String command = (String) c[0];
            rows.add(Arguments.of(command + " with too few arguments", argv(command, (int) c[1] - 1)));
            rows.add(Arguments.of(command + " with too many arguments", argv(command, (int) c[2] + 1)));
        }
        rows.add(Arguments.of("a timestamp of 13 digits", List.of("delete_backup", "{cfg}", "2024010112000")));
        rows.add(Arguments.of("a timestamp with letters", List.of("delete_backup", "{cfg}", "2024010112000x")));
        rows.add(Arguments.of("a path of three parts", List.of("backup_data", "{cfg}", "20240101/20240101120000/f")));
        rows.add(Arguments.of("restore_data of a path of two parts", List.of("restore_data", "{cfg}", "a/b")));
        rows.add(Arguments.of("backup_file of a directory", List.of("backup_file", "{cfg}", "{dir}")));
        rows.add(Arguments.of("backup_file of a missing file", List.of("backup_file", "{cfg}", "{missing}")));
        rows.add(Arguments.of("backup_file of an unreadable file", List.of("backup_file", "{cfg}", "{unreadable}")));
        rows.add(Arguments.of("restore_data_subset with a directory as offsets",
                List.of("restore_data_subset", "{cfg}", DATA_PATH, "{dir}")));
        rows.add(Arguments.of("restore_data_subset with unreadable offsets",
                List.of("restore_data_subset", "{cfg}", DATA_PATH, "{unreadable}")));
        rows.add(Arguments.of("restore_data_subset with offsets that are not numbers",
                List.of("restore_data_subset", "{cfg}", DATA_PATH, "{garbage}")));
        return rows.stream();
    }

    private static List<String> argv(String command, int args) {
        List<String> argv = new ArrayList<>(List.of(command));
        for (int i = 0; i < args; i++) {
            argv.add(i == 0 ? "{cfg}" : i == 1 ? "{dir}" : "x" + i);
        }
        return argv;
    }

    @ParameterizedTest(name = "argv: {0}")
    @MethodSource("badCommandLines")
    void aBadCommandLineFailsWithOneCleanLine(String name, List<String> argv) throws IOException {
        Path dir = Files.createDirectories(home.resolve("backups/20240101/20240101120000/gpbackup_0_20240101120000_1"));
        Files.createSymbolicLink(home.resolve("loop-a"), home.resolve("loop-b"));
        Files.createSymbolicLink(home.resolve("loop-b"), home.resolve("loop-a"));
        Path garbage = Files.writeString(home.resolve("offsets"), "two 0 ten");
        String[] resolved = argv.stream().map(arg -> switch (arg) {
            case "{cfg}" -> goodConfig.toString();
            case "{dir}" -> dir.toString();
            case "{missing}" -> home.resolve("backups/20240101/20240101120000/missing").toString();
            case "{unreadable}" -> home.resolve("loop-a").toString();
            case "{garbage}" -> garbage.toString();
            default -> arg;
        }).toArray(String[]::new);
        assertFailedCleanly(name, run(resolved));
    }

    private static ResponseDefinitionBuilder s3Error(int status, String code, String message) {
        return aResponse().withStatus(status).withHeader("Content-Type", "application/xml")
                .withBody("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + code + "</Code><Message>"
                        + message + "</Message><RequestId>4442587FB7D0A2F9</RequestId></Error>");
    }

    static Stream<Arguments> badServerAnswers() {
        return Stream.of(
                Arguments.of("NoSuchBucket", s3Error(404, "NoSuchBucket", "The specified bucket does not exist")),
                Arguments.of("AccessDenied", s3Error(403, "AccessDenied", "Access Denied")),
                Arguments.of("InvalidAccessKeyId", s3Error(403, "InvalidAccessKeyId",
                        "The AWS Access Key Id you provided does not exist in our records.")),
                Arguments.of("SignatureDoesNotMatch", s3Error(403, "SignatureDoesNotMatch",
                        "The request signature we calculated does not match the signature you provided.")),
                Arguments.of("RequestTimeTooSkewed", s3Error(403, "RequestTimeTooSkewed",
                        "The difference between the request time and the current time is too large.")),
                Arguments.of("301 to another region", s3Error(301, "PermanentRedirect",
                        "The bucket you are attempting to access must be addressed using the specified endpoint.")
                        .withHeader("x-amz-bucket-region", "eu-west-1")),
                Arguments.of("HTML instead of XML", aResponse().withStatus(502).withHeader("Content-Type", "text/html")
                        .withBody("<html><head><title>502 Bad Gateway</title></head>\n<body><h1>Bad Gateway</h1>"
                                + "</body></html>\n")),
                Arguments.of("a 200 HTML page instead of a listing", aResponse().withStatus(200)
                        .withHeader("Content-Type", "text/html")
                        .withBody("<!DOCTYPE html>\n<html><head><title>Sign in</title></head>\n"
                                + "<body><p>Please sign in to continue.</p></body></html>\n")),
                Arguments.of("an empty 500", aResponse().withStatus(500)),
                Arguments.of("a DOCTYPE with an external entity", "ENTITY"),
                Arguments.of("a DOCTYPE with an external DTD", "DTD"),
                Arguments.of("a listing with an external entity", "LISTING"),
                Arguments.of("a connection reset", aResponse().withFault(
                        com.github.tomakehurst.wiremock.http.Fault.CONNECTION_RESET_BY_PEER)),
                Arguments.of("garbage instead of HTTP", aResponse().withFault(
                        com.github.tomakehurst.wiremock.http.Fault.RANDOM_DATA_THEN_CLOSE)));
    }

    private ResponseDefinitionBuilder hostile(String kind) {
        String url = "http://127.0.0.1:" + entityHost.getPort() + ENTITY_PATH;
        return switch (kind) {
            case "ENTITY" -> aResponse().withStatus(403).withBody("<?xml version=\"1.0\"?>\n<!DOCTYPE Error [\n"
                    + "  <!ENTITY leak SYSTEM \"" + url + "\">\n  <!ENTITY local SYSTEM \"file:///etc/passwd\">\n]>\n"
                    + "<Error><Code>&leak;</Code><Message>&local;</Message></Error>");
            case "DTD" -> aResponse().withStatus(403).withBody("<?xml version=\"1.0\"?>\n<!DOCTYPE Error SYSTEM \""
                    + url + "\">\n<Error><Code>AccessDenied</Code><Message>&x;</Message></Error>");
            case "LISTING" -> aResponse().withStatus(200).withBody("<?xml version=\"1.0\"?>\n"
                    + "<!DOCTYPE ListBucketResult [<!ENTITY leak SYSTEM \"" + url + "\">]>\n"
                    + "<ListBucketResult><IsTruncated>&leak;</IsTruncated><Contents><Key>&leak;</Key>"
                    + "<Size>1</Size></Contents></ListBucketResult>");
            default -> throw new IllegalArgumentException(kind);
        };
    }

    @ParameterizedTest(name = "server: {0}")
    @MethodSource("badServerAnswers")
    void aBadServerAnswerFailsWithOneCleanLine(String name, Object answer) throws IOException {
        ResponseDefinitionBuilder response = answer instanceof String kind ? hostile(kind)
                : (ResponseDefinitionBuilder) answer;
        s3.stubFor(any(anyUrl()).willReturn(response));
        entityHost.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(200).withBody("<!ENTITY x \"pwned\">")));
        for (String[] argv : List.of(
                new String[] {"list_directory", goodConfig.toString()},
                new String[] {"backup_data", goodConfig.toString(), DATA_PATH})) {
            stdout.reset();
            stderr.reset();
            assertFailedCleanly(name + " to " + argv[0], run(argv));
            assertFalse(stderr.toString(StandardCharsets.UTF_8).contains("pwned")
                    || stderr.toString(StandardCharsets.UTF_8).contains("root:x:0"), "an entity was expanded");
        }
        assertEquals(0, entityHost.findAll(anyRequestedFor(anyUrl())).size(), "an external entity or DTD was fetched");
    }
}
