package gpbackup.s3plugin.json;

/**
 * JSON string literals, both ways: the one quoting every JSON line and document we write uses, and
 * the escape decoding our small readers share. Quoting escapes {@code "}, {@code \}, control
 * characters, DEL, U+2028/9 and unpaired surrogates, so a value holding a newline never splits a
 * line and the output is valid UTF-8 whatever the value held.
 */
public final class JsonText {
    private JsonText() {
    }

    /** {@code text} as a JSON string literal. */
    public static String quote(String text) {
        StringBuilder out = new StringBuilder(text.length() + 2);
        quote(out, text);
        return out.toString();
    }

    /** Appends {@code text} as a JSON string literal to {@code out}. */
    public static void quote(StringBuilder out, String text) {
        out.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f || c == '\u2028' || c == '\u2029') {
                        unicodeEscape(out, c);
                    } else if (Character.isHighSurrogate(c) && i + 1 < text.length()
                            && Character.isLowSurrogate(text.charAt(i + 1))) {
                        out.append(c).append(text.charAt(++i));
                    } else if (Character.isSurrogate(c)) {
                        // Alone it has no UTF-8 form; escaped, the text stays valid JSON and says what was there.
                        unicodeEscape(out, c);
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    /**
     * Decodes the escape whose backslash is just before {@code pos} in {@code text}, appending the
     * character it stands for to {@code out}. Returns the position after the escape, or -1 when it is
     * not a JSON escape; callers word their own error (some texts hold secrets and must not be quoted).
     */
    public static int unescape(String text, int pos, StringBuilder out) {
        if (pos >= text.length()) {
            return -1;
        }
        char escaped = text.charAt(pos);
        switch (escaped) {
            case '"', '\\', '/' -> out.append(escaped);
            case 'b' -> out.append('\b');
            case 'f' -> out.append('\f');
            case 'n' -> out.append('\n');
            case 'r' -> out.append('\r');
            case 't' -> out.append('\t');
            case 'u' -> {
                int code = 0;
                for (int i = pos + 1; i < pos + 5; i++) {
                    int digit = i < text.length() ? hexDigit(text.charAt(i)) : -1;
                    if (digit < 0) {
                        return -1;
                    }
                    code = code * 16 + digit;
                }
                out.append((char) code);
                return pos + 5;
            }
            default -> {
                return -1;
            }
        }
        return pos + 1;
    }

    private static int hexDigit(char c) {
        return c < 0x80 ? Character.digit(c, 16) : -1;
    }

    private static void unicodeEscape(StringBuilder out, char c) {
        out.append(String.format("\\u%04x", (int) c));
    }
}
