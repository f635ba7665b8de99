package gpbackup.s3plugin.leaks;

import gpbackup.s3plugin.leaks.TestSecrets.Secret;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Looks through files for known secrets, in every form a leak could take (raw, base64, hex,
 * URL-encoded, JSON-escaped), and for SigV4 signatures, whose values no test knows in advance.
 * A finding names the secret, never shows it.
 */
public final class SecretScan {
    /** An Authorization header's, a presigned URL's or an aws-chunked chunk's signature. */
    private static final Pattern SIGNATURE = Pattern.compile("(?i)signature\\s*[=:]\\s*[0-9a-f]{64}");

    /** The needle, as bytes read as ISO-8859-1, so a file of any encoding is searched byte for byte. */
    private final Map<String, String> needles = new LinkedHashMap<>();

    public SecretScan(List<Secret> secrets) {
        for (Secret secret : secrets) {
            for (Map.Entry<String, byte[]> form : forms(secret.value()).entrySet()) {
                needles.putIfAbsent(latin1(form.getValue()), secret.name() + " (" + form.getKey() + ")");
            }
        }
    }

    /** Where a secret showed up: the file, the 1-based line and which secret in which form. */
    public record Finding(Path file, long line, String what) {
        @Override
        public String toString() {
            return file + ":" + line + ": " + what;
        }
    }

    private static Map<String, byte[]> forms(byte[] value) {
        Map<String, byte[]> forms = new LinkedHashMap<>();
        forms.put("raw", value);
        String text = new String(value, StandardCharsets.UTF_8);
        String base64 = Base64.getEncoder().encodeToString(value);
        forms.put("base64", ascii(base64));
        String base64url = Base64.getUrlEncoder().withoutPadding().encodeToString(value);
        if (!base64.startsWith(base64url)) {
            // Otherwise it is a prefix of the base64 form, and every base64 finding would count twice.
            forms.put("base64url", ascii(base64url));
        }
        forms.put("URL-encoded base64", ascii(URLEncoder.encode(base64, StandardCharsets.UTF_8)));
        forms.put("hex", ascii(HexFormat.of().formatHex(value)));
        forms.put("URL-encoded", ascii(URLEncoder.encode(text, StandardCharsets.UTF_8)));
        forms.put("percent-encoded", ascii(URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20")));
        forms.put("JSON-escaped", text.replace("\\", "\\\\").replace("\"", "\\\"").replace("/", "\\/")
                .getBytes(StandardCharsets.UTF_8));
        return forms;
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    private static String latin1(byte[] bytes) {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    /** Every finding in the regular files under these roots (a root that does not exist has none). */
    public List<Finding> scan(List<Path> roots) throws IOException {
        List<Finding> findings = new ArrayList<>();
        for (Path root : roots) {
            if (!Files.exists(root)) {
                continue;
            }
            try (Stream<Path> files = Files.walk(root)) {
                for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
                    findings.addAll(scanFile(file));
                }
            }
        }
        return findings;
    }

    /** The findings in one file. */
    public List<Finding> scanFile(Path file) throws IOException {
        String text = latin1(Files.readAllBytes(file));
        List<Finding> findings = new ArrayList<>();
        needles.forEach((needle, what) -> {
            for (int at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + 1)) {
                findings.add(new Finding(file, lineOf(text, at), what));
            }
        });
        Matcher signature = SIGNATURE.matcher(text);
        while (signature.find()) {
            findings.add(new Finding(file, lineOf(text, signature.start()), "a SigV4 signature"));
        }
        return findings;
    }

    private static long lineOf(String text, int index) {
        return 1 + text.substring(0, index).chars().filter(c -> c == '\n').count();
    }
}
