package gpbackup.s3plugin.config;

/** Shows text from a config file inside a one-line error message. */
final class SafeText {

    /** Enough to recognise a value; the rest of a runaway value only hides the message. */
    private static final int MAX_SHOWN = 64;

    private SafeText() {
    }

    /** The text in double quotes, escaped so that it cannot break the message's single line. */
    static String quoted(String text) {
        return "\"" + shown(text) + "\"";
    }

    /** The text escaped and shortened, without quotes: for names that are shown in single quotes. */
    static String shown(String text) {
        StringBuilder out = new StringBuilder();
        int limit = Math.min(text.length(), MAX_SHOWN);
        for (int i = 0; i < limit; i++) {
            char c = text.charAt(i);
            switch (c) {
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                default -> {
                    if (Character.isISOControl(c) || Character.getType(c) == Character.LINE_SEPARATOR
                            || Character.getType(c) == Character.PARAGRAPH_SEPARATOR) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        if (text.length() > limit) {
            out.append("...");
        }
        return out.toString();
    }

    /** Any message folded onto one line, for texts we do not write ourselves (I/O and YAML errors). */
    static String oneLine(String message) {
        if (message == null || message.isBlank()) {
            return "unknown error";
        }
        return message.strip().replaceAll("\\s*[\\r\\n\\u2028\\u2029]+\\s*", " ");
    }
}
