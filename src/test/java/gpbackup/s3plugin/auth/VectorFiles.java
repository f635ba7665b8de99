package gpbackup.s3plugin.auth;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.yaml.snakeyaml.Yaml;

/** Reads the AWS SigV4 test vectors copied under {@code src/test/resources/sigv4}. */
final class VectorFiles {

    private VectorFiles() {
    }

    /** A folder below {@code sigv4/}, e.g. {@code aws-c-auth/v4}. */
    static Path dir(String relative) {
        URL root = VectorFiles.class.getResource("/sigv4");
        if (root == null) {
            throw new IllegalStateException("test resources sigv4/ are missing from the classpath");
        }
        try {
            return Path.of(root.toURI()).resolve(relative);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The file as UTF-8 text, byte for byte (the files are LF-only and have raw UTF-8 in them). */
    static String text(Path file) {
        try {
            return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A JSON file (JSON is YAML, and snakeyaml is already a dependency). */
    static Map<String, Object> json(Path file) {
        return new Yaml().load(text(file));
    }

    /** Names of the sub-folders of {@code dir}, sorted. */
    static Stream<String> caseNames(Path dir) {
        try (Stream<Path> children = Files.list(dir)) {
            return children.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList().stream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every line of the text; a final newline does not add an empty line. */
    static List<String> lines(String text) {
        return text.lines().toList();
    }
}
