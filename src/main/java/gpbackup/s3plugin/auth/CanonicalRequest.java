package gpbackup.s3plugin.auth;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The SigV4 canonical request: method, canonical URI, canonical query, canonical headers,
 * signed header names and payload line. Each part has its own small factory method below.
 */
record CanonicalRequest(String method, String uri, String query, CanonicalHeaders headers, String payload) {

    /** {@code Method \n URI \n Query \n name:value\n... \n signed;names \n payload}. */
    String text() {
        return method + '\n' + uri + '\n' + query + '\n' + headers.block() + '\n' + headers.signedNames() + '\n' + payload;
    }

    /**
     * S3: the wire path is the canonical URI, character for character. S3 neither normalises
     * ({@code a//b/../c} is a legal key) nor encodes twice, so the path must already be encoded
     * exactly once; anything else would be signed differently from how the server reads it.
     */
    static String uriAsSent(String wirePath) {
        if (wirePath.isEmpty()) {
            return "/";
        }
        if (wirePath.charAt(0) != '/') {
            throw new IllegalArgumentException("S3 request path must start with '/'");
        }
        for (int i = 0; i < wirePath.length(); i++) {
            char c = wirePath.charAt(i);
            boolean escape = c == '%' && i + 2 < wirePath.length()
                    && SigV4Encoding.isHex(wirePath.charAt(i + 1)) && SigV4Encoding.isHex(wirePath.charAt(i + 2));
            if (!(c == '/' || escape || SigV4Encoding.isUnreserved(c))) {
                throw new IllegalArgumentException("S3 request path is not URI-encoded at index " + i
                        + " (build it with SigV4Encoding.encodePath)");
            }
        }
        return wirePath;
    }

    /**
     * Splits a wire query into encoded name/value pairs: each on its first {@code '='} (none →
     * empty value, so {@code lifecycle} signs as {@code lifecycle=}), each side decoded and
     * re-encoded once. Empty pieces from {@code &&} or a trailing {@code &} carry no parameter.
     */
    static List<Map.Entry<String, String>> queryParameters(String wireQuery) {
        List<Map.Entry<String, String>> params = new ArrayList<>();
        if (wireQuery.isEmpty()) {
            return params;
        }
        for (String piece : wireQuery.split("&", -1)) {
            if (piece.isEmpty()) {
                continue;
            }
            int eq = piece.indexOf('=');
            String name = eq < 0 ? piece : piece.substring(0, eq);
            String value = eq < 0 ? "" : piece.substring(eq + 1);
            params.add(Map.entry(SigV4Encoding.reencode(name), SigV4Encoding.reencode(value)));
        }
        return params;
    }

    /**
     * S3 servers decode a wire query before signing; a {@code +} or a raw space is read as a space
     * by some and as itself by others (MinIO rewrites {@code +} to {@code %20}), so refuse them.
     */
    static void requireUnambiguousQuery(String wireQuery) {
        for (int i = 0; i < wireQuery.length(); i++) {
            char c = wireQuery.charAt(i);
            if (c == '+' || c <= ' ' || c >= 0x7F || c == '#') {
                throw new IllegalArgumentException("S3 query string is not URI-encoded at index " + i
                        + " (build it with SigV4Encoding.encodeQuery; never '+' for a space)");
            }
        }
    }

    /**
     * Canonical headers and the signed-header list. Names are lower-cased and sorted; values
     * are trimmed with inner runs of whitespace (obs-fold line breaks included) collapsed to
     * one space; a repeated name's values are joined with {@code ','} in the order sent.
     */
    record CanonicalHeaders(String block, String signedNames) {

        static CanonicalHeaders of(List<Map.Entry<String, String>> headers) {
            TreeMap<String, StringBuilder> byName = new TreeMap<>();
            for (Map.Entry<String, String> header : headers) {
                String name = header.getKey().trim().toLowerCase(Locale.ROOT);
                if (name.isEmpty()) {
                    throw new IllegalArgumentException("header name must not be empty");
                }
                String value = normalizeValue(header.getValue());
                StringBuilder existing = byName.get(name);
                if (existing == null) {
                    byName.put(name, new StringBuilder(value));
                } else {
                    existing.append(',').append(value);
                }
            }
            StringBuilder block = new StringBuilder();
            for (Map.Entry<String, StringBuilder> h : byName.entrySet()) {
                block.append(h.getKey()).append(':').append(h.getValue()).append('\n');
            }
            return new CanonicalHeaders(block.toString(), String.join(";", byName.keySet()));
        }

        static String normalizeValue(String value) {
            StringBuilder out = new StringBuilder(value.length());
            boolean pendingSpace = false;
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
                    pendingSpace = out.length() > 0;
                } else {
                    if (pendingSpace) {
                        out.append(' ');
                        pendingSpace = false;
                    }
                    out.append(c);
                }
            }
            return out.toString();
        }
    }
}
