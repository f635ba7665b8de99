package gpbackup.s3plugin.audit;

import gpbackup.s3plugin.json.JsonText;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict RFC 8259 reader for tests, written apart from the plugin's own: a line the audit trail
 * writes must pass it whole (objects, arrays, strings with only valid escapes, numbers, literals).
 * Throws {@link IllegalArgumentException} naming the offset of the first fault.
 */
public final class StrictJson {
    private final String text;
    private int pos;

    private StrictJson(String text) {
        this.text = text;
    }

    /** The one JSON value of {@code text}: a Map, List, String, Double/Long, Boolean or null. */
    public static Object parse(String text) {
        StrictJson json = new StrictJson(text);
        json.space();
        Object value = json.value();
        json.space();
        if (json.pos != text.length()) {
            throw json.fault("text after the value");
        }
        return value;
    }

    /** {@link #parse} of a text that must be an object. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> object(String text) {
        Object value = parse(text);
        if (!(value instanceof Map)) {
            throw new IllegalArgumentException("not an object: " + text);
        }
        return (Map<String, Object>) value;
    }

    private Object value() {
        char c = peek();
        switch (c) {
            case '{':
                return objectValue();
            case '[':
                return array();
            case '"':
                return string();
            case 't':
                return literal("true", Boolean.TRUE);
            case 'f':
                return literal("false", Boolean.FALSE);
            case 'n':
                return literal("null", null);
            default:
                return number();
        }
    }

    private Map<String, Object> objectValue() {
        Map<String, Object> members = new LinkedHashMap<>();
        pos++;
        space();
        if (peek() == '}') {
            pos++;
            return members;
        }
        while (true) {
            space();
            if (peek() != '"') {
                throw fault("expected a member name");
            }
            String name = string();
            if (members.containsKey(name)) {
                throw fault("member '" + name + "' twice");
            }
            space();
            expect(':');
            space();
            members.put(name, value());
            space();
            char c = next();
            if (c == '}') {
                return members;
            }
            if (c != ',') {
                throw fault("expected ',' or '}'");
            }
        }
    }

    private List<Object> array() {
        List<Object> items = new ArrayList<>();
        pos++;
        space();
        if (peek() == ']') {
            pos++;
            return items;
        }
        while (true) {
            space();
            items.add(value());
            space();
            char c = next();
            if (c == ']') {
                return items;
            }
            if (c != ',') {
                throw fault("expected ',' or ']'");
            }
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
                throw fault("unescaped control character");
            }
            if (c != '\\') {
                out.append(c);
                continue;
            }
            int at = pos;
            pos = JsonText.unescape(text, pos, out);
            if (pos < 0) {
                throw fault(at < text.length() ? "bad escape \\" + text.charAt(at) : "text ends early");
            }
        }
    }

    private Object number() {
        int start = pos;
        if (pos < text.length() && text.charAt(pos) == '-') {
            pos++;
        }
        if (pos < text.length() && text.charAt(pos) == '0') {
            pos++;
        } else {
            digits();
        }
        boolean integral = true;
        if (pos < text.length() && text.charAt(pos) == '.') {
            pos++;
            digits();
            integral = false;
        }
        if (pos < text.length() && (text.charAt(pos) == 'e' || text.charAt(pos) == 'E')) {
            pos++;
            if (pos < text.length() && (text.charAt(pos) == '+' || text.charAt(pos) == '-')) {
                pos++;
            }
            digits();
            integral = false;
        }
        String n = text.substring(start, pos);
        return integral ? (Object) Long.parseLong(n) : (Object) Double.parseDouble(n);
    }

    private void digits() {
        int start = pos;
        while (pos < text.length() && text.charAt(pos) >= '0' && text.charAt(pos) <= '9') {
            pos++;
        }
        if (pos == start) {
            throw fault("expected a digit");
        }
    }

    private Object literal(String word, Object value) {
        if (!text.startsWith(word, pos)) {
            throw fault("expected " + word);
        }
        pos += word.length();
        return value;
    }

    private void space() {
        while (pos < text.length() && " \t\r\n".indexOf(text.charAt(pos)) >= 0) {
            pos++;
        }
    }

    private char peek() {
        if (pos >= text.length()) {
            throw fault("text ends early");
        }
        return text.charAt(pos);
    }

    private char next() {
        char c = peek();
        pos++;
        return c;
    }

    private void expect(char c) {
        if (next() != c) {
            throw fault("expected '" + c + "'");
        }
    }

    private IllegalArgumentException fault(String what) {
        return new IllegalArgumentException(what + " at offset " + pos + " of: " + text);
    }
}
