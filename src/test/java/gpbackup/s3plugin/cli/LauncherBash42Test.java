package gpbackup.s3plugin.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The launcher must run on bash 4.2 (RHEL 7), which cannot be had here: bash 5.2's BASH_COMPAT=42
 * (LauncherTest) changes only what the compatibility levels cover, not which constructs parse. So
 * the script is read for every construct newer than 4.2 (spec/agent.md, "The launcher").
 */
class LauncherBash42Test {
    private static final Path LAUNCHER = Path.of("bin/gpbackup_s3_plugin");

    /** A construct bash 4.2 lacks, the version that brought it, and how to find it in a line. */
    private record Newer(String construct, String since, Pattern pattern) {
        Newer(String construct, String since, String regex) {
            this(construct, since, Pattern.compile(regex));
        }
    }

    private static final List<Newer> NEWER = List.of(
            new Newer("${var@Q} and the other @ transformations", "4.4", "\\$\\{[^}]*@[QEPAKaUuLk]\\}"),
            new Newer("a nameref (declare/local/typeset -n)", "4.3", "\\b(declare|local|typeset)\\s+-[a-zA-Z]*n"),
            new Newer("wait -n, -f or -p", "4.3", "\\bwait\\s+-[a-z]*[nfp]"),
            new Newer("a negative array subscript", "4.3", "\\w\\[\\s*-[0-9]"),
            new Newer("mapfile -d / readarray -d", "4.4", "\\b(mapfile|readarray)\\s+(-\\w+\\s+)*-[a-zA-Z]*d"),
            new Newer("local - (scoped set options)", "4.4", "\\blocal\\s+-(\\s|;|$)"),
            new Newer("$EPOCHSECONDS / $EPOCHREALTIME", "5.0", "EPOCH(SECONDS|REALTIME)"),
            new Newer("BASH_ARGV0", "5.0", "BASH_ARGV0"),
            new Newer("$SRANDOM", "5.1", "SRANDOM"),
            new Newer("[[ -v name[index] ]]", "4.3", "-v\\s+\\w+\\["),
            new Newer("a shopt option newer than 4.2", "4.3+",
                    "\\bshopt\\s+-[su]\\s+.*\\b(inherit_errexit|globasciiranges|localvar_inherit|localvar_unset"
                            + "|assoc_expand_once|patsub_replacement|noexpand_translation|varredir_close)"),
            new Newer("an empty array expanded bare (4.2 calls it unbound under set -u)", "4.4",
                    "(?<!\\+)\"\\$\\{(?!(flags|files)\\[)\\w+\\[@\\]\\}\""));

    /** Arrays that are never empty where they are expanded: {@code flags} (the JVM's), {@code files} (a call's FIFOs). */
    private static final Set<String> NEVER_EMPTY = Set.of("flags", "files");

    private static List<String> findings(List<String> lines) {
        List<String> found = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.strip().startsWith("#")) {
                continue;
            }
            for (Newer newer : NEWER) {
                Matcher matcher = newer.pattern().matcher(line);
                if (matcher.find()) {
                    found.add("line " + (i + 1) + ": " + newer.construct() + " (bash " + newer.since() + "): "
                            + line.strip());
                }
            }
        }
        return found;
    }

    @Test
    void theLauncherUsesNothingNewerThanBash42() throws IOException {
        assertEquals(List.of(), findings(Files.readAllLines(LAUNCHER)));
    }

    @Test
    void theArraysTakenForNeverEmptyAreFilledWhereTheyAreMade() throws IOException {
        String script = Files.readString(LAUNCHER);
        for (String array : NEVER_EMPTY) {
            Matcher made = Pattern.compile("(?m)^\\s*(local\\s+)?" + array + "=\\((.*)$").matcher(script);
            while (made.find()) {
                assertTrue(!made.group(2).startsWith(")"), array + " is made empty: " + made.group());
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "echo ${name@Q}",
        "local -n ref=$1",
        "declare -n ref=x",
        "wait -n",
        "echo ${a[-1]}",
        "mapfile -t -d '' lines",
        "readarray -d : parts",
        "local -",
        "start=$EPOCHREALTIME",
        "BASH_ARGV0=x",
        "echo $SRANDOM",
        "[[ -v a[1] ]]",
        "shopt -s inherit_errexit",
        "exec \"$java\" \"${java_opts[@]}\" -jar x",
    })
    void eachNewerConstructIsFound(String line) {
        assertEquals(1, findings(List.of(line)).size(), line);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "echo ${name^^}",
        "exec {fd}>file",
        "exec \"$java\" \"${flags[@]}\" ${java_opts[@]+\"${java_opts[@]}\"} -jar x",
        "for name in $KEYED_VARIABLES \"${!AWS_@}\"; do",
        "read -r -t 1 -u 9 line",
        "local word last=\"\"",
        "echo ${#a[@]} ${a[1]} ${s:0:20}",
    })
    void whatBash42HasPasses(String line) {
        assertEquals(List.of(), findings(List.of(line)), line);
    }
}
