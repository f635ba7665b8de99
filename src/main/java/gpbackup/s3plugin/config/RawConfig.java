package gpbackup.s3plugin.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A config file as text, before any rule is applied.
 *
 * @param executablePath  the executablepath value as written, empty if absent
 * @param options         every option with a single value, in file order, mapped to its text;
 *                        empty text means absent
 * @param rejectedOptions options that are present but whose value is a list or mapping; already
 *                        in {@code problems}, so the rules must not call them missing too
 * @param problems        what was already wrong with the file's shape
 */
record RawConfig(String executablePath, Map<String, String> options, Set<String> rejectedOptions,
        List<String> problems) {
    RawConfig {
        options = Collections.unmodifiableMap(new LinkedHashMap<>(options));
        rejectedOptions = Collections.unmodifiableSet(new LinkedHashSet<>(rejectedOptions));
        problems = List.copyOf(problems);
    }

    /** Names only: option values include the secret key and the proxy password. */
    @Override
    public String toString() {
        return "RawConfig[executablePath=" + executablePath + ", options=" + options.keySet()
                + ", rejectedOptions=" + rejectedOptions + ", problems=" + problems.size() + "]";
    }
}
