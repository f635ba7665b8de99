package gpbackup.s3plugin.auth;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * RFC 3986 percent-encoding as SigV4 and S3 expect it: build wire paths and queries with this
 * class and the signer will sign exactly what is sent.
 *
 * <p>{@link java.net.URLEncoder} is not a substitute: it writes {@code +} for a space and leaves
 * {@code *} alone while encoding {@code ~}, and each of those breaks a signature.
 */
public final class SigV4Encoding {

    private static final char[] HEX_UPPER = "0123456789ABCDEF".toCharArray();

    private SigV4Encoding() {
    }

    /** Percent-encodes every UTF-8 byte of {@code text} except the unreserved {@code A-Z a-z 0-9 - . _ ~}. */
    public static String encode(String text) {
        return encode(text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Encodes each {@code '/'}-separated segment of an object key or path and keeps the
     * {@code '/'} separators, including leading, trailing and repeated ones: S3 keys are opaque,
     * so {@code a//b/../c} stays five segments.
     */
    public static String encodePath(String path) {
        StringBuilder out = new StringBuilder(path.length() + 16);
        int start = 0;
        while (true) {
            int slash = path.indexOf('/', start);
            int end = slash < 0 ? path.length() : slash;
            out.append(encode(path.substring(start, end)));
            if (slash < 0) {
                return out.toString();
            }
            out.append('/');
            start = slash + 1;
        }
    }

    /**
     * Encodes raw (not yet encoded) query parameters into a wire query string in SigV4 canonical
     * order: sorted by encoded name, then by encoded value. Sending the query in this order keeps
     * AWS and MinIO agreeing even when a name repeats (MinIO does not sort values).
     * A parameter with an empty value is written {@code name=}.
     */
    public static String encodeQuery(List<Map.Entry<String, String>> rawParameters) {
        List<Map.Entry<String, String>> encoded = new ArrayList<>(rawParameters.size());
        for (Map.Entry<String, String> p : rawParameters) {
            encoded.add(Map.entry(encode(p.getKey()), encode(p.getValue())));
        }
        return joinSorted(encoded);
    }

    /** Sorts already-encoded name/value pairs the canonical way and joins them as {@code n=v&n=v}. */
    static String joinSorted(List<Map.Entry<String, String>> encodedParameters) {
        List<Map.Entry<String, String>> sorted = new ArrayList<>(encodedParameters);
        // Encoded text is ASCII, so String order is the byte order SigV4 asks for.
        sorted.sort(Map.Entry.<String, String>comparingByKey().thenComparing(Map.Entry.comparingByValue()));
        StringBuilder out = new StringBuilder();
        for (Map.Entry<String, String> p : sorted) {
            if (out.length() > 0) {
                out.append('&');
            }
            out.append(p.getKey()).append('=').append(p.getValue());
        }
        return out.toString();
    }

    /** Decodes then re-encodes a component, byte for byte, so {@code %E1%88%B4} and raw {@code ሴ} agree. */
    static String reencode(String component) {
        return encode(decodeToBytes(component));
    }

    /**
     * Percent-decodes to raw bytes. Characters that are not part of a valid {@code %XX} escape
     * are taken literally as their UTF-8 bytes; {@code +} stays {@code +} (a path or a SigV4
     * query is not form-encoded). Working on bytes keeps an escape such as {@code %FF}, which is
     * not valid UTF-8 on its own, intact through a decode/encode round trip.
     */
    static byte[] decodeToBytes(String component) {
        byte[] raw = component.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length);
        for (int i = 0; i < raw.length; i++) {
            if (raw[i] == '%' && i + 2 < raw.length && isHex(raw[i + 1]) && isHex(raw[i + 2])) {
                out.write(Character.digit(raw[i + 1], 16) << 4 | Character.digit(raw[i + 2], 16));
                i += 2;
            } else {
                out.write(raw[i]);
            }
        }
        return out.toByteArray();
    }

    static String encode(byte[] bytes) {
        StringBuilder out = new StringBuilder(bytes.length * 3 / 2 + 4);
        for (byte b : bytes) {
            int c = b & 0xFF;
            if (isUnreserved(c)) {
                out.append((char) c);
            } else {
                out.append('%').append(HEX_UPPER[c >> 4]).append(HEX_UPPER[c & 0x0F]);
            }
        }
        return out.toString();
    }

    static boolean isUnreserved(int c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                || c == '-' || c == '.' || c == '_' || c == '~';
    }

    static boolean isHex(int c) {
        return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f');
    }
}
