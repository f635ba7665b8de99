package gpbackup.s3plugin.cli;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gpbackup.s3plugin.cli.Usage.Group;
import gpbackup.s3plugin.cli.Usage.Option;
import gpbackup.s3plugin.serving.AgentServing;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** --help, -h, help and help COMMAND: written from the command table, on stdout, exit 0; a wrong name names the nearest. */
class HelpTest {
    private final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();

    private int run(String... argv) {
        return new Main(Map.<String, String>of()::get, InputStream.nullInputStream(), stdout,
                new PrintStream(stderr, true, StandardCharsets.UTF_8), Clock.systemUTC(), false).run(argv);
    }

    private String out() {
        return stdout.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return stderr.toString(StandardCharsets.UTF_8);
    }

    private String helpText() {
        assertEquals(0, run("--help"), err());
        return out();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"--help", "-h", "help"})
    void eachWayOfAskingPrintsTheListOnStdoutAndExitsZero(String asked) {
        String expected = helpText();
        stdout.reset();
        assertEquals(0, run(asked));
        assertEquals(expected, out());
        assertEquals("", err());
        assertTrue(expected.startsWith("usage: gpbackup_s3_plugin COMMAND CONFIG_FILE [ARGS...]\n"), expected);
    }

    @Test
    void everyCommandOfTheTableIsListedOnceWithItsSummaryUnderItsGroup() {
        String text = helpText();
        int gpbackup = text.indexOf(Help.GPBACKUP_HEADING);
        int people = text.indexOf(Help.PEOPLE_HEADING);
        assertTrue(0 < gpbackup && gpbackup < people, text);
        for (CommandSpec spec : CommandTable.all()) {
            Usage usage = spec.usage();
            if (usage.group() == Group.HIDDEN) {
                continue;
            }
            String line = String.format("\n  %-26s  %s\n", usage.name(), usage.summary());
            int at = text.indexOf(line);
            assertAll(usage.name(),
                    () -> assertTrue(at > 0, "listed: " + line + " in\n" + text),
                    () -> assertEquals(at, text.lastIndexOf(line), "listed once"),
                    () -> assertEquals(usage.group() == Group.PEOPLE, at > people, "under its group"));
        }
    }

    @Test
    void theCommandsMainAnswersItselfAreListedTooAndTheHiddenOnesAreNot() {
        String text = helpText();
        for (String name : List.of("--version", "plugin_api_version", "audit_summary", "help")) {
            assertTrue(text.contains("\n  " + name + " "), name + " in\n" + text);
        }
        for (String hidden : List.of("aot_training", AgentServing.SERVE)) {
            assertFalse(text.contains(hidden), hidden + " in\n" + text);
        }
    }

    static Stream<String> listedCommands() {
        return CommandTable.listed().stream().map(Usage::name);
    }

    @ParameterizedTest(name = "help {0}")
    @MethodSource("listedCommands")
    void helpOfACommandPrintsItsUsageSummaryAndOptions(String name) {
        Usage usage = CommandTable.listed().stream().filter(listed -> listed.name().equals(name)).findFirst()
                .orElseThrow();
        assertEquals(0, run("help", name), err());
        List<String> lines = out().lines().toList();
        assertEquals(("usage: gpbackup_s3_plugin " + name + " " + usage.arguments()).strip(), lines.get(0));
        assertEquals(usage.summary(), lines.get(1));
        assertEquals(2 + usage.options().size(), lines.size(), out());
        for (Option option : usage.options()) {
            assertTrue(usage.arguments().contains(option.flag()), option.flag() + " in the usage line");
            assertTrue(lines.stream().anyMatch(line -> line.matches("  \\Q" + option.flag() + "\\E +\\Q"
                    + option.meaning() + "\\E")), option + " in\n" + out());
        }
        assertEquals("", err());
    }

    @Test
    void helpOfPruneShowsItsRulesAndYes() {
        assertEquals(0, run("--help", "prune"));
        assertEquals("""
                usage: gpbackup_s3_plugin prune CONFIG (--keep-last N | --older-than DAYS) [--grace HOURS] [--yes]
                deletes old backups whole, report first; a dry run without --yes
                  --keep-last N      selects the backups older than the N-th newest successful one
                  --older-than DAYS  selects the backups older than DAYS days
                  --grace HOURS      an incomplete backup with an object younger than this may be running (default 24)
                  --yes              deletes; without it prune only says what it would delete
                """, out());
    }

    /** The usage line's words agree with the argument counts the table checks ("[X Y]" is optional). */
    @Test
    void eachUsageLineTakesTheArgumentCountsItsCommandChecks() {
        for (CommandSpec spec : CommandTable.all()) {
            String arguments = spec.usage().arguments();
            if (arguments.contains("(")) {
                continue; // prune: a choice of rules, its counts checked by the command
            }
            List<String> words = Arrays.asList(arguments.split(" "));
            int required = arguments.replaceAll("\\[[^]]*]", "").strip().split(" +").length;
            int min = spec.argCounts().stream().mapToInt(Integer::intValue).min().orElseThrow();
            int max = spec.argCounts().stream().mapToInt(Integer::intValue).max().orElseThrow();
            assertEquals(List.of(required, words.size()), List.of(min, max), spec.name() + ": " + arguments);
        }
    }

    @Test
    void helpOfNoSuchCommandIsOneStderrLineNamingTheNearest() {
        assertEquals(1, run("help", "lst_backups"));
        assertEquals("", out());
        assertEquals("gpbackup_s3_plugin: unknown command 'lst_backups'; did you mean 'list_backups'?"
                + " (gpbackup_s3_plugin --help lists them)\n", err());
    }

    @Test
    void helpOfAHiddenCommandIsNoHelp() {
        assertEquals(1, run("help", "aot_training"));
        assertEquals("", out());
        assertEquals("gpbackup_s3_plugin: unknown command 'aot_training' (gpbackup_s3_plugin --help lists them)\n",
                err());
    }

    @Test
    void anUnknownCommandNamesTheNearestListedOne() {
        assertEquals(1, run("prnue", "/nowhere/s3.yaml"));
        assertEquals("", out());
        assertEquals("gpbackup_s3_plugin: unknown command 'prnue'; did you mean 'prune'?"
                + " (gpbackup_s3_plugin --help lists them)\n", err());
    }

    @Test
    void theSpecShowsTheHelpAsItIs() throws IOException {
        String spec = Files.readString(Path.of("spec/commands.md"));
        assertTrue(spec.contains("$ gpbackup_s3_plugin --help\n" + helpText() + "$ gpbackup_s3_plugin help verify\n"),
                "spec/commands.md, Help: the --help output as it is now");
    }

    @Test
    void noCommandPointsToHelp() {
        assertEquals(1, run());
        assertTrue(err().strip().endsWith("gpbackup_s3_plugin --help lists the commands"), err());
    }
}
