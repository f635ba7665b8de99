package gpbackup.s3plugin.auth;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A request as the vector files write it: request line, {@code Name:value} header lines (a line
 * starting with whitespace continues the previous header), a blank line, the body. The request
 * target may hold a raw space, so it is everything between the first and the last space.
 *
 * @param headerLines the header lines exactly as written, continuation lines included
 * @param headers     name and value per header, continuation lines appended after a line feed
 */
record HttpMessageFile(String method, String path, String query, String version, List<String> headerLines,
        List<Map.Entry<String, String>> headers, String body) {

    static HttpMessageFile parse(String text) {
        int blank = text.indexOf("\n\n");
        String head = blank < 0 ? text : text.substring(0, blank);
        String body = blank < 0 ? "" : text.substring(blank + 2);
        List<String> lines = VectorFiles.lines(head);

        String requestLine = lines.get(0);
        String method = requestLine.substring(0, requestLine.indexOf(' '));
        String version = requestLine.substring(requestLine.lastIndexOf(' ') + 1);
        String target = requestLine.substring(method.length() + 1, requestLine.lastIndexOf(' '));
        int question = target.indexOf('?');
        String path = question < 0 ? target : target.substring(0, question);
        String query = question < 0 ? "" : target.substring(question + 1);

        List<String> headerLines = List.copyOf(lines.subList(1, lines.size()));
        List<Map.Entry<String, String>> headers = new ArrayList<>();
        for (String line : headerLines) {
            if (line.startsWith(" ") || line.startsWith("\t")) {
                Map.Entry<String, String> previous = headers.remove(headers.size() - 1);
                headers.add(Map.entry(previous.getKey(), previous.getValue() + "\n" + line));
            } else {
                int colon = line.indexOf(':');
                headers.add(Map.entry(line.substring(0, colon), line.substring(colon + 1)));
            }
        }
        return new HttpMessageFile(method, path, query, version, headerLines, List.copyOf(headers), body);
    }

    String requestLine() {
        return method + " " + path + (query.isEmpty() ? "" : "?" + query) + " " + version;
    }

    byte[] bodyBytes() {
        return body.getBytes(StandardCharsets.UTF_8);
    }

    Optional<String> header(String name) {
        return headers.stream().filter(h -> h.getKey().equalsIgnoreCase(name)).map(Map.Entry::getValue).findFirst();
    }

    /** The headers without those named (case-insensitive), e.g. without Host for the signer. */
    List<Map.Entry<String, String>> headersExcept(String... names) {
        List<String> excluded = List.of(names).stream().map(n -> n.toLowerCase(Locale.ROOT)).toList();
        return headers.stream().filter(h -> !excluded.contains(h.getKey().toLowerCase(Locale.ROOT))).toList();
    }

    /** Header lines without those that start with {@code prefix}. */
    List<String> headerLinesWithout(String prefix) {
        return headerLines.stream().filter(l -> !l.startsWith(prefix)).toList();
    }
}
