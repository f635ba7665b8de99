package gpbackup.s3plugin.config;

import java.util.function.Function;

/**
 * Replaces {@code $VAR} and {@code ${VAR}} the way Go's {@code os.ExpandEnv} does, because
 * gpbackup expands executablepath with it and both must find the same executable.
 */
final class EnvExpansion {

    private static final String SHELL_SPECIAL = "*#$@!?-0123456789";

    private EnvExpansion() {
    }

    /** The text with every variable replaced by its value; an unset variable becomes empty. */
    static String expand(String text, Function<String, String> environment) {
        StringBuilder out = new StringBuilder(text.length());
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c != '$' || i + 1 == text.length()) {
                out.append(c); // a '$' at the very end stays, as in Go
                i++;
                continue;
            }
            Reference ref = reference(text, i + 1);
            if (!ref.name().isEmpty()) {
                String value = environment.apply(ref.name());
                out.append(value == null ? "" : value);
            } else if (ref.width() == 0) {
                out.append('$'); // '$' followed by no name, such as "$/": kept
            }
            // A name of "" with a width is broken syntax such as "${}": Go drops it, so do we.
            i += 1 + ref.width();
        }
        return out.toString();
    }

    /** A variable name after a '$', and how many characters the reference takes. */
    private record Reference(String name, int width) {
    }

    private static Reference reference(String text, int start) {
        char first = text.charAt(start);
        if (first == '{') {
            if (start + 2 < text.length() && isSpecial(text.charAt(start + 1)) && text.charAt(start + 2) == '}') {
                return new Reference(text.substring(start + 1, start + 2), 3);
            }
            int close = text.indexOf('}', start + 1);
            if (close < 0) {
                return new Reference("", 1); // "${" never closed: Go drops the '{'
            }
            if (close == start + 1) {
                return new Reference("", 2);
            }
            return new Reference(text.substring(start + 1, close), close - start + 1);
        }
        if (isSpecial(first)) {
            return new Reference(String.valueOf(first), 1);
        }
        int end = start;
        while (end < text.length() && isNameChar(text.charAt(end))) {
            end++;
        }
        return new Reference(text.substring(start, end), end - start);
    }

    private static boolean isSpecial(char c) {
        return SHELL_SPECIAL.indexOf(c) >= 0;
    }

    private static boolean isNameChar(char c) {
        return c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }
}
