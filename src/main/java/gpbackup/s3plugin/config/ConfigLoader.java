package gpbackup.s3plugin.config;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.function.Function;

/** Loads the plugin config file that gpbackup and gprestore pass to every plugin command. */
public final class ConfigLoader {

    private static final long MAX_FILE_BYTES = RawConfigReader.MAX_CODE_POINTS;
    private static final char BYTE_ORDER_MARK = '\uFEFF';

    private final RawConfigReader reader = new RawConfigReader();
    private final ConfigRules rules;

    /**
     * @param environment looks up variables for {@code $VAR} in executablepath; returns null when unset
     */
    public ConfigLoader(Function<String, String> environment) {
        this.rules = new ConfigRules(Objects.requireNonNull(environment, "environment"));
    }

    /**
     * Reads and validates a config file.
     *
     * @throws ConfigException naming the file and, in one line, everything wrong with it
     */
    public PluginConfig load(Path file) {
        String sourceName = file.toString();
        return parse(readText(file, sourceName), sourceName);
    }

    /**
     * Validates config text.
     *
     * @param sourceName how the text is named in error messages, usually its file path
     * @throws ConfigException naming the source and, in one line, everything wrong with it
     */
    public PluginConfig parse(String yamlText, String sourceName) {
        String text = !yamlText.isEmpty() && yamlText.charAt(0) == BYTE_ORDER_MARK ? yamlText.substring(1) : yamlText;
        return rules.apply(reader.read(text, sourceName), sourceName);
    }

    private static String readText(Path file, String sourceName) {
        try {
            if (Files.isDirectory(file)) {
                throw cannotRead(sourceName, "it is a directory");
            }
            // Checked before reading so that a wrong path to a huge file fails fast.
            if (Files.size(file) > MAX_FILE_BYTES) {
                throw Problems.invalid(sourceName, "the file is larger than 1 MiB");
            }
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw cannotRead(sourceName, "the file does not exist");
        } catch (AccessDeniedException e) {
            throw cannotRead(sourceName, "permission denied");
        } catch (CharacterCodingException e) {
            throw Problems.invalid(sourceName, "the file is not UTF-8 text");
        } catch (IOException e) {
            String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            throw cannotRead(sourceName, SafeText.oneLine(reason));
        }
    }

    private static ConfigException cannotRead(String sourceName, String reason) {
        return new ConfigException("cannot read plugin config " + sourceName + ": " + reason);
    }
}
