package gpbackup.s3plugin.config;

import java.io.StringReader;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Reads the YAML of a plugin config into text: {@code executablepath} and the {@code options}
 * mapping, each value exactly as written.
 *
 * <p>The YAML is composed into nodes and never constructed into Java objects: construction
 * would apply YAML 1.1 typing and turn {@code encryption: off} into a boolean, {@code 6} into
 * an integer and {@code 010} into 8, while gpbackup hands every value to the plugin as a string.
 */
final class RawConfigReader {

    static final String EXECUTABLE_PATH = "executablepath";
    static final String OPTIONS = "options";

    /** A plugin config is a dozen lines; a megabyte is a mistake, not a config. */
    static final int MAX_CODE_POINTS = 1024 * 1024;

    // gpbackup unmarshals the file strictly into exactly these two fields.
    private static final List<String> TOP_LEVEL_KEYS = List.of(EXECUTABLE_PATH, OPTIONS);

    /**
     * Reads the config text.
     *
     * @throws ConfigException when the text is not YAML, is empty or is not a mapping; every
     *     other problem is returned in {@link RawConfig#problems()} so that it is reported
     *     together with the rest
     */
    RawConfig read(String yamlText, String sourceName) {
        Node root = compose(yamlText, sourceName);
        if (root == null || isNull(root)) {
            throw Problems.invalid(sourceName, "the file is empty");
        }
        if (!(root instanceof MappingNode top)) {
            throw Problems.invalid(sourceName,
                    "the file must be a mapping with executablepath and options, not " + kind(root));
        }
        Problems problems = new Problems();
        Node executablePath = null;
        Map<String, String> options = new LinkedHashMap<>();
        Set<String> rejectedOptions = new LinkedHashSet<>();
        for (NodeTuple entry : uniqueEntries(top, "top-level key", problems)) {
            String key = ((ScalarNode) entry.getKeyNode()).getValue();
            switch (key) {
                case EXECUTABLE_PATH -> executablePath = entry.getValueNode();
                case OPTIONS -> readOptions(entry.getValueNode(), options, rejectedOptions, problems);
                default -> problems.add("unknown top-level key '" + SafeText.shown(key) + "'"
                        + NameSuggestion.didYouMean(key, TOP_LEVEL_KEYS)
                        + " (only executablepath and options are allowed)");
            }
        }
        return new RawConfig(readExecutablePath(executablePath, problems), options, rejectedOptions,
                problems.asList());
    }

    private static String readExecutablePath(Node value, Problems problems) {
        if (value != null && !(value instanceof ScalarNode)) {
            problems.add("executablepath must be a single value, not " + kind(value));
            return "";
        }
        String text = value == null ? "" : text((ScalarNode) value);
        if (text.isEmpty()) {
            problems.add("executablepath is required");
        }
        return text;
    }

    private static void readOptions(Node value, Map<String, String> options, Set<String> rejectedOptions,
            Problems problems) {
        if (isNull(value)) {
            return; // "options:" with nothing under it; the rules then name what is missing
        }
        if (!(value instanceof MappingNode mapping)) {
            problems.add("options must be a mapping of option names to values, not " + kind(value));
            return;
        }
        for (NodeTuple entry : uniqueEntries(mapping, "option", problems)) {
            String name = ((ScalarNode) entry.getKeyNode()).getValue();
            if (entry.getValueNode() instanceof ScalarNode scalar) {
                options.put(name, text(scalar));
            } else {
                rejectedOptions.add(name);
                problems.add("option '" + SafeText.shown(name) + "' must be a single value, not "
                        + kind(entry.getValueNode()));
            }
        }
    }

    /** The entries whose key is a plain name and not a repeat; the others become problems. */
    private static List<NodeTuple> uniqueEntries(MappingNode mapping, String what, Problems problems) {
        Set<String> seen = new HashSet<>();
        return mapping.getValue().stream().filter(entry -> {
            Node key = entry.getKeyNode();
            if (!(key instanceof ScalarNode scalar)) {
                problems.add(what + " names must be plain text, not " + kind(key) + lineOf(key));
                return false;
            }
            if (!seen.add(scalar.getValue())) {
                problems.add("duplicate " + what + " '" + SafeText.shown(scalar.getValue()) + "'" + lineOf(key));
                return false;
            }
            return true;
        }).toList();
    }

    private static Node compose(String yamlText, String sourceName) {
        LoaderOptions limits = new LoaderOptions();
        limits.setCodePointLimit(MAX_CODE_POINTS);
        limits.setMaxAliasesForCollections(10);
        limits.setNestingDepthLimit(10);
        limits.setAllowDuplicateKeys(false); // the composer keeps duplicates; uniqueEntries reports them
        limits.setAllowRecursiveKeys(false);
        limits.setMergeOnCompose(false);
        limits.setProcessComments(false);
        Yaml yaml = new Yaml(new SafeConstructor(limits));
        try {
            return yaml.compose(new StringReader(yamlText));
        } catch (YAMLException e) {
            throw Problems.invalid(sourceName, YamlErrorMessage.describe(e, yamlText));
        }
    }

    /**
     * The scalar's text. A plain empty value, {@code ~} or {@code null} is YAML's null, which
     * gpbackup turns into an empty string before the plugin sees it; so it is empty here too.
     */
    private static String text(ScalarNode scalar) {
        return isNull(scalar) ? "" : scalar.getValue();
    }

    private static boolean isNull(Node node) {
        return node instanceof ScalarNode && Tag.NULL.equals(node.getTag());
    }

    private static String kind(Node node) {
        if (node instanceof MappingNode) {
            return "a mapping";
        }
        if (node instanceof SequenceNode) {
            return "a list";
        }
        return "a single value";
    }

    private static String lineOf(Node node) {
        return node.getStartMark() == null ? "" : " (line " + (node.getStartMark().getLine() + 1) + ")";
    }
}
