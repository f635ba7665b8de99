package gpbackup.s3plugin.config;

import java.util.regex.Pattern;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.reader.ReaderException;

/**
 * Turns a snakeyaml error into one line: what is wrong and where, without the multi-line
 * snippet snakeyaml draws and without any input the error might quote.
 */
final class YamlErrorMessage {

    private static final Pattern LINE_BREAK = Pattern.compile("\r\n|[\n\r\u0085\u2028\u2029]");

    // Some snakeyaml errors quote the input that broke them, and that input may be a secret key
    // (an unquoted secret starting with '*' reads as an alias, for one), so the quoted part is cut
    // off. Text naming a token type, such as "but found '<scalar>'", is kept whole.
    private static final Pattern ECHO_AFTER_BUT_FOUND =
            Pattern.compile(",?\\s*but found(?!\\s*'<[^'<>]*>'\\s*$|\\s*another document).*", Pattern.DOTALL);
    private static final Pattern ECHO_AFTER_PHRASE = Pattern.compile(
            "(found undefined alias|found undefined tag handle|Global tag is not allowed"
                    + "|expected URI in UTF-8|found unknown escape character"
                    + "|cannot represent a valid version|found duplicate anchor).*",
            Pattern.DOTALL);

    private YamlErrorMessage() {
    }

    static String describe(YAMLException error, String yamlText) {
        if (error instanceof MarkedYAMLException marked) {
            return describeMarked(marked, yamlText);
        }
        if (error instanceof ReaderException unreadable) {
            return String.format("the file contains the control character U+%04X, which YAML does not allow (line %d)",
                    unreadable.getCodePoint(), lineAt(yamlText, unreadable.getPosition()));
        }
        // Limits of LoaderOptions: code points, nesting depth, aliases.
        return "not valid YAML: " + withoutEchoedInput(SafeText.oneLine(error.getMessage()));
    }

    private static String describeMarked(MarkedYAMLException error, String yamlText) {
        Mark mark = error.getProblemMark() != null ? error.getProblemMark() : error.getContextMark();
        String where = mark == null ? "" : " " + position(mark);
        String problem = withoutEchoedInput(SafeText.oneLine(error.getProblem()));
        if (mark != null && indentedWithTab(yamlText, mark.getLine())) {
            return "tabs are not allowed for indentation, use spaces" + where;
        }
        if (problem.contains("(TAB)")) {
            return "a tab is not allowed here, use spaces" + where;
        }
        // snakeyaml blames indentation for any character that cannot start a token; that is
        // only true of tabs, handled above.
        problem = problem.replaceFirst("\\.?\\s*\\(Do not use .* for indentation\\)", "");
        String context = error.getContext() == null ? "" : SafeText.oneLine(error.getContext());
        if (context.startsWith("while ")) {
            // "while scanning a quoted scalar" at the line where the scalar began helps find it.
            Mark contextMark = error.getContextMark();
            String contextWhere = contextMark == null ? "" : " that starts at " + position(contextMark).replaceAll("[()]", "");
            return "not valid YAML: " + problem + where + " " + context + contextWhere;
        }
        if (!context.isEmpty()) {
            return "not valid YAML: " + context + ", " + problem + where;
        }
        return "not valid YAML: " + problem + where;
    }

    private static String position(Mark mark) {
        return "(line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1) + ")";
    }

    private static boolean indentedWithTab(String yamlText, int lineIndex) {
        String[] lines = LINE_BREAK.split(yamlText, -1);
        if (lineIndex < 0 || lineIndex >= lines.length) {
            return false;
        }
        String line = lines[lineIndex];
        String indentation = line.substring(0, line.length() - line.stripLeading().length());
        return indentation.indexOf('\t') >= 0;
    }

    private static int lineAt(String yamlText, int position) {
        int end = Math.min(Math.max(position, 0), yamlText.length());
        return LINE_BREAK.split(yamlText.substring(0, end), -1).length;
    }

    private static String withoutEchoedInput(String problem) {
        String cut = ECHO_AFTER_BUT_FOUND.matcher(problem).replaceFirst("");
        return ECHO_AFTER_PHRASE.matcher(cut).replaceFirst("$1");
    }
}
