package gpbackup.s3plugin.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FlatJsonTest {

    @Test
    void scalarsAreKeptAndNestedValuesLeftOut() {
        Map<String, Object> expected = new HashMap<>();
        expected.put("s", "a\"b\n");
        expected.put("n", 42L);
        expected.put("x", 1.5);
        expected.put("t", true);
        expected.put("z", null);
        assertEquals(expected, FlatJson.strict(
                " {\"s\":\"a\\\"b\\n\", \"n\":42, \"x\":1.5, \"t\":true, \"z\":null, \"o\":{\"a\":[1,{\"b\":\"}\"}]}, \"e\":[]}\n"));
    }

    @Test
    void strictSaysWhereAndNeverQuotesTheText() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FlatJson.strict("{\"SecretAccessKey\":\"wJalrXUtnFEMI\" \"Token\":1}"));
        assertEquals("malformed JSON: expected ',' or '}' at offset 35", e.getMessage());
        assertFalse(e.getMessage().contains("wJalr"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "{", "{\"time\":\"2026-01-01T00:0", "not json", "{\"a\":1} trailing", "[1]",
            "{\"a\":01}", "{\"a\":\"\\x\"}", "{\"a\":\"raw\nnewline\"}", "{\"a\":tru}", "{\"a\":99999999999999999999}"})
    void lenientSkipsATornOrForeignLine(String line) {
        assertTrue(FlatJson.lenient(line).isEmpty(), line);
        assertThrows(IllegalArgumentException.class, () -> FlatJson.strict(line), line);
    }

    @Test
    void aHostileDepthIsRefusedNotAStackOverflow() {
        assertTrue(FlatJson.lenient("{\"a\":" + "[".repeat(100_000)).isEmpty());
    }
}
