package gpbackup.s3plugin.json;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads one JSON object and keeps its scalar members: strings, integers (as {@code Long}), other numbers
 * ({@code Double}), booleans and nulls; nested objects and arrays are checked and left out. Strict for a
 * document that must be right (a credentials answer), lenient for a line that may be torn or foreign (the
 * audit trail). Messages give a position, never the text: a credentials document holds secrets.
 */
public final class FlatJson {
    /** Deeper than any document we read; a hostile line cannot exhaust the stack. */
    private static final int MAX_DEPTH = 32;
    private static final Pattern NUMBER = Pattern.compile("-?(?:0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?");
    private static final Object NESTED = new Object();

    private final String text;
    private int pos;

    private FlatJson(String text) {
        this.text = text;
    }

    /**
     * The members of {@code text}, which must be one JSON object and nothing else.
     *
     * @throws IllegalArgumentException saying what is malformed and at which offset
     */
    public static Map<String, Object> strict(String text) {
        FlatJson json = new FlatJson(text);
        Map<String, Object> members = json.object(0);
        json.space();
        if (json.pos != text.length()) {
            throw json.malformed("text after the object");
        }
        return members;
    }

    /** The members of {@code line}, or empty when it is not one JSON object (torn by a full disk, or another program's). */
    public static Optional<Map<String, Object>> lenient(String line) {
        try {
            return Optional.of(strict(line));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private Map<String, Object> object(int depth) {
        Map<String, Object> members = new HashMap<>();
        expect('{');
        if (closes('}')) {
            return members;
        }
        do {
            space();
            String name = string();
            expect(':');
            Object value = value(depth);
            if (value != NESTED) {
                members.put(name, value);
            }
        } while (more('}'));
        return members;
    }

    private Object value(int depth) {
        if (depth > MAX_DEPTH) {
            throw malformed("values nested too deep");
        }
        space();
        char c = peek();
        if (c == '"') {
            return string();
        }
        if (c == '{') {
            object(depth + 1);
            return NESTED;
        }
        if (c == '[') {
            pos++;
            if (!closes(']')) {
                do {
                    value(depth + 1);
                } while (more(']'));
            }
            return NESTED;
        }
        for (String literal : new String[] {"true", "false", "null"}) {
            if (text.startsWith(literal, pos)) {
                pos += literal.length();
                return literal.equals("null") ? null : Boolean.valueOf(literal);
            }
        }
        Matcher number = NUMBER.matcher(text).region(pos, text.length());
        if (!number.lookingAt()) {
            throw malformed("not a JSON value");
        }
        pos = number.end();
        try {
            return number.group(1) == null && number.group(2) == null ? Long.valueOf(number.group())
                    : (Object) Double.valueOf(number.group());
        } catch (NumberFormatException e) {
            throw malformed("an integer out of range");
        }
    }

    private String string() {
        expect('"');
        StringBuilder out = new StringBuilder();
        while (true) {
            char c = next();
            if (c == '"') {
                return out.toString();
            }
            if (c < 0x20) {
                throw malformed("a control character in a string");
            }
            if (c != '\\') {
                out.append(c);
                continue;
            }
            int at = pos;
            pos = JsonText.unescape(text, pos, out);
            if (pos < 0) {
                pos = at;
                throw malformed("a bad escape");
            }
        }
    }

    /** After a member or element: true on a comma, false on {@code close}. */
    private boolean more(char close) {
        space();
        char c = next();
        if (c == ',' || c == close) {
            return c == ',';
        }
        pos--;
        throw malformed("expected ',' or '" + close + "'");
    }

    /** True, and past it, when the next character is {@code close}: an empty object or array. */
    private boolean closes(char close) {
        space();
        if (peek() == close) {
            pos++;
            return true;
        }
        return false;
    }

    private void space() {
        while (pos < text.length() && " \t\r\n".indexOf(text.charAt(pos)) >= 0) {
            pos++;
        }
    }

    private char peek() {
        if (pos >= text.length()) {
            throw malformed("the text ends early");
        }
        return text.charAt(pos);
    }

    private char next() {
        char c = peek();
        pos++;
        return c;
    }

    private void expect(char c) {
        space();
        if (peek() != c) {
            throw malformed("expected '" + c + "'");
        }
        pos++;
    }

    private IllegalArgumentException malformed(String what) {
        return new IllegalArgumentException("malformed JSON: " + what + " at offset " + pos);
    }
}
