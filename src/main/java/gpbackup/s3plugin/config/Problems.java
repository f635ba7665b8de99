package gpbackup.s3plugin.config;

import java.util.ArrayList;
import java.util.List;

/** Everything wrong with one config file, gathered so the DBA can fix it all in one go. */
final class Problems {

    private final List<String> found = new ArrayList<>();

    void add(String problem) {
        found.add(problem);
    }

    void addAll(List<String> problems) {
        found.addAll(problems);
    }

    List<String> asList() {
        return List.copyOf(found);
    }

    /** Throws one exception naming every problem, if there is any. */
    void throwIfAny(String sourceName) {
        if (!found.isEmpty()) {
            throw invalid(sourceName, found);
        }
    }

    /** The exception for a config that cannot be used; its message is a single stderr line. */
    static ConfigException invalid(String sourceName, String problem) {
        return invalid(sourceName, List.of(problem));
    }

    private static ConfigException invalid(String sourceName, List<String> problems) {
        return new ConfigException("invalid plugin config " + sourceName + ": " + String.join("; ", problems),
                problems);
    }
}
