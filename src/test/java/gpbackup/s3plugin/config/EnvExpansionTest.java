package gpbackup.s3plugin.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The cases follow Go's os.ExpandEnv, which gpbackup applies to executablepath. */
class EnvExpansionTest {

    private static final Map<String, String> ENV = Map.of(
            "HOME", "/home/gpadmin", "GPHOME", "/usr/local/gp", "A_1", "x", "1", "one");

    @ParameterizedTest(name = "\"{0}\" expands to \"{1}\"")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            "/usr/bin/plugin"         | "/usr/bin/plugin"
            "$HOME/bin/p"             | "/home/gpadmin/bin/p"
            "${HOME}/bin/p"           | "/home/gpadmin/bin/p"
            "$GPHOME/bin/$A_1"        | "/usr/local/gp/bin/x"
            "${GPHOME}x"              | "/usr/local/gpx"
            "$GPHOMEx"                | ""
            "$UNSET/p"                | "/p"
            "${UNSET}"                | ""
            "p$"                      | "p$"
            "a$/b"                    | "a$/b"
            "a${}b"                   | "ab"
            "a${HOME"                 | "aHOME"
            "$1/p"                    | "one/p"
            "${1}/p"                  | "one/p"
            "$$"                      | ""
            """)
    void expandsLikeGoExpandEnv(String text, String expanded) {
        assertEquals(expanded, EnvExpansion.expand(text, ENV::get));
    }
}
