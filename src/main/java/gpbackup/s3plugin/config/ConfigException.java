package gpbackup.s3plugin.config;

import gpbackup.s3plugin.PluginException;
import java.util.List;

/** The plugin config file is missing, unreadable, not YAML, or breaks a rule of the schema. */
public final class ConfigException extends PluginException {
    private static final long serialVersionUID = 1L;

    /** Each problem on its own, for {@code check}'s checklist; the message joins them in one line. */
    private final List<String> problems;

    public ConfigException(String message) {
        this(message, List.of());
    }

    /** @param problems every problem found, each a phrase the message joins */
    public ConfigException(String message, List<String> problems) {
        super(message);
        this.problems = List.copyOf(problems);
    }

    /** Every problem found, one each; the whole message when it is about the file rather than an option. */
    public List<String> problems() {
        return problems.isEmpty() ? List.of(getMessage()) : problems;
    }
}
