package gpbackup.s3plugin.json;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JsonTextTest {

    @Test
    void quoteEscapesWhatWouldBreakALineOrTheEncoding() {
        assertEquals("\"a\\\"b\\\\c\\nd\\re\\tf\\u0000\\u007f\\u2028\\ud800 😀 ü\"",
                JsonText.quote("a\"b\\c\nd\re\tf\u0000\u007f\u2028\ud800 😀 ü"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"\\\"", "\\\\", "\\/", "\\b", "\\f", "\\n", "\\r", "\\t", "\\u00e9", "\\u00E9"})
    void unescapeDecodesEveryJsonEscape(String escape) {
        StringBuilder out = new StringBuilder();
        assertEquals(escape.length(), JsonText.unescape(escape, 1, out));
        assertEquals(1, out.length());
    }

    @ParameterizedTest
    @ValueSource(strings = {"\\x", "\\", "\\u12", "\\u12g4", "\\u+123", "\\u１２３４"})
    void unescapeRefusesWhatIsNotAnEscape(String text) {
        assertEquals(-1, JsonText.unescape(text, 1, new StringBuilder()));
    }
}
