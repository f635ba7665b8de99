package gpbackup.s3plugin.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * One of the INI files {@code aws configure} writes: {@code ~/.aws/credentials}, whose sections
 * are profile names, or {@code ~/.aws/config}, whose sections are {@code [default]} and
 * {@code [profile NAME]}. Full-line {@code #} and {@code ;} comments are allowed, and so are
 * indented sub-settings (such as {@code s3 =} blocks), which are skipped.
 */
final class ProfileFile {
    /** Which of the two files: they name their sections differently. */
    public enum Kind { CREDENTIALS, CONFIG }

    private final Map<String, Map<String, String>> profiles;

    private ProfileFile(Map<String, Map<String, String>> profiles) {
        this.profiles = profiles;
    }

    /** The file's profiles, or none when the file does not exist. */
    public static ProfileFile read(Path file, Kind kind) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return new ProfileFile(Map.of());
        } catch (IOException e) {
            throw new CredentialsException("cannot read " + file + ": " + e.getMessage());
        }
        return parse(text, file.toString(), kind);
    }

    /** Parses file text; {@code source} names the file in error messages. */
    public static ProfileFile parse(String text, String source, Kind kind) {
        Map<String, Map<String, String>> profiles = new LinkedHashMap<>();
        Map<String, String> current = null;
        boolean inSubSection = false;
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("#") || trimmed.startsWith(";")) {
                continue;
            }
            if (trimmed.startsWith("[")) {
                if (!trimmed.endsWith("]")) {
                    throw malformed(source, i, "a section header must end with ']'");
                }
                String name = sectionProfile(trimmed.substring(1, trimmed.length() - 1).strip(), kind);
                // Sections that are not profiles (e.g. [sso-session x]) are read and ignored.
                current = name == null ? new LinkedHashMap<>() : profiles.computeIfAbsent(name, n -> new LinkedHashMap<>());
                inSubSection = false;
                continue;
            }
            boolean indented = Character.isWhitespace(line.charAt(0));
            if (indented && inSubSection) {
                continue;
            }
            int eq = trimmed.indexOf('=');
            if (eq <= 0) {
                throw malformed(source, i, "expected 'name = value'");
            }
            if (current == null) {
                throw malformed(source, i, "a setting before any [section]");
            }
            String key = trimmed.substring(0, eq).strip().toLowerCase(Locale.ROOT);
            String value = stripInlineComment(trimmed.substring(eq + 1).strip());
            inSubSection = value.isEmpty();
            if (!inSubSection) {
                current.put(key, value);
            }
        }
        return new ProfileFile(profiles);
    }

    /** The settings of one profile, if the file has it. */
    public Optional<Map<String, String>> profile(String name) {
        return Optional.ofNullable(profiles.get(name)).map(Map::copyOf);
    }

    private static String sectionProfile(String section, Kind kind) {
        if (kind == Kind.CREDENTIALS) {
            return section;
        }
        if (section.equals("default")) {
            return "default";
        }
        if (section.startsWith("profile ") || section.startsWith("profile\t")) {
            return section.substring("profile".length()).strip();
        }
        return null;
    }

    // "value ; note" or "value # note": a comment needs white space before it, as in the AWS CLI.
    private static String stripInlineComment(String value) {
        for (int i = 1; i < value.length(); i++) {
            char c = value.charAt(i);
            if ((c == '#' || c == ';') && Character.isWhitespace(value.charAt(i - 1))) {
                return value.substring(0, i).strip();
            }
        }
        return value;
    }

    private static CredentialsException malformed(String source, int lineIndex, String problem) {
        // The line itself is not quoted: it may hold a secret key.
        return new MalformedProfileFileException(source + " line " + (lineIndex + 1) + " is malformed: " + problem);
    }
}
