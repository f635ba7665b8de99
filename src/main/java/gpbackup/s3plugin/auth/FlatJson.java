package gpbackup.s3plugin.auth;

import gpbackup.s3plugin.json.JsonText;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads a flat JSON object's string and number members, which is all the instance metadata
 * credentials document has. Nested values are skipped. Errors never quote the text: it holds secrets.
 */
final class FlatJson {
    private final String text;
    private int pos;

    private FlatJson(String text) {
        this.text = text;
    }

    static Map<String, String> parse(String text) {
        return new FlatJson(text).object();
    }

    private Map<String, String> object() {
        Map<String, String> members = new LinkedHashMap<>();
        expect('{');
        skipSpace();
        if (peek() == '}') {
            pos++;
            return members;
        }
        while (true) {
            skipSpace();
            String name = string();
            skipSpace();
            expect(':');
            skipSpace();
            char c = peek();
            if (c == '"') {
                members.put(name, string());
            } else if (c == '{' || c == '[') {
                skipNested();
            } else {
                members.put(name, bareValue());
            }
            skipSpace();
            char next = next();
            if (next == '}') {
                return members;
            }
            if (next != ',') {
                throw invalid();
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
            if (c != '\\') {
                out.append(c);
                continue;
            }
            pos = JsonText.unescape(text, pos, out);
            if (pos < 0) {
                throw invalid();
            }
        }
    }

    private String bareValue() {
        int start = pos;
        while (pos < text.length() && ",}] \t\r\n".indexOf(text.charAt(pos)) < 0) {
            pos++;
        }
        return text.substring(start, pos);
    }

    private void skipNested() {
        int depth = 0;
        boolean inString = false;
        do {
            char c = next();
            if (inString) {
                if (c == '\\') {
                    next();
                } else if (c == '"') {
                    inString = false;
                }
            } else if (c == '"') {
                inString = true;
            } else if (c == '{' || c == '[') {
                depth++;
            } else if (c == '}' || c == ']') {
                depth--;
            }
        } while (depth > 0);
    }

    private void skipSpace() {
        while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
            pos++;
        }
    }

    private char peek() {
        if (pos >= text.length()) {
            throw invalid();
        }
        return text.charAt(pos);
    }

    private char next() {
        char c = peek();
        pos++;
        return c;
    }

    private void expect(char c) {
        skipSpace();
        if (next() != c) {
            throw invalid();
        }
    }

    private static CredentialsException invalid() {
        return new CredentialsException("instance metadata answered with malformed JSON");
    }
}
