package gpbackup.s3plugin.audit;

import gpbackup.s3plugin.json.JsonText;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads one audit line: a flat JSON object of strings, integers and nulls, as {@link AuditLine}
 * writes it. Anything else (a torn line, another program's text) is refused whole.
 */
final class AuditJson {
    private final String text;
    private int pos;

    private AuditJson(String text) {
        this.text = text;
    }

    /** The line's members: String, Long, or null values. */
    static Map<String, Object> parse(String line) {
        AuditJson json = new AuditJson(line);
        Map<String, Object> members = json.object();
        json.space();
        if (json.pos != line.length()) {
            throw new IllegalArgumentException("text after the object");
        }
        return members;
    }

    private Map<String, Object> object() {
        Map<String, Object> members = new HashMap<>();
        space();
        expect('{');
        space();
        if (peek() == '}') {
            pos++;
            return members;
        }
        while (true) {
            space();
            String name = string();
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
                throw new IllegalArgumentException("expected ',' or '}' at " + (pos - 1));
            }
        }
    }

    private Object value() {
        char c = peek();
        if (c == '"') {
            return string();
        }
        if (text.startsWith("null", pos)) {
            pos += 4;
            return null;
        }
        int start = pos;
        if (c == '-') {
            pos++;
        }
        while (pos < text.length() && Character.isDigit(text.charAt(pos))) {
            pos++;
        }
        if (pos == start || text.charAt(start) == '-' && pos == start + 1) {
            throw new IllegalArgumentException("not a string, integer or null at " + start);
        }
        return Long.parseLong(text.substring(start, pos));
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
                throw new IllegalArgumentException("control character in a string");
            }
            if (c != '\\') {
                out.append(c);
                continue;
            }
            pos = JsonText.unescape(text, pos, out);
            if (pos < 0) {
                throw new IllegalArgumentException("bad escape");
            }
        }
    }

    private void space() {
        while (pos < text.length() && " \t\r\n".indexOf(text.charAt(pos)) >= 0) {
            pos++;
        }
    }

    private char peek() {
        if (pos >= text.length()) {
            throw new IllegalArgumentException("line ends early");
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
            throw new IllegalArgumentException("expected '" + c + "' at " + (pos - 1));
        }
    }
}
