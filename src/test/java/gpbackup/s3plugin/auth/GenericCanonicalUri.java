package gpbackup.s3plugin.auth;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The canonical-URI rule of services other than S3, which the AWS test suites use: production
 * signs only for S3 ({@link CanonicalRequest#uriAsSent}), so this rule lives with the tests that
 * need it to replay the suites' vectors through the same signer.
 */
final class GenericCanonicalUri {
    private GenericCanonicalUri() {
    }

    /** A signer for a generic service: this URI rule, no {@code x-amz-content-sha256} unless asked. */
    static SigV4Signer signer(String region, String service, boolean normalize, boolean addContentSha256Header) {
        return new SigV4Signer(region, service, path -> of(path, normalize), false, addContentSha256Header);
    }

    /**
     * Other services: decode each segment, optionally drop {@code .}, {@code ..} and empty
     * segments (RFC 3986 dot-segment removal plus {@code //} collapsing), then encode each
     * segment once. Splitting before decoding keeps an encoded {@code %2F} inside its segment.
     */
    static String of(String path, boolean normalize) {
        if (path.isEmpty()) {
            return "/";
        }
        String[] segments = (path.charAt(0) == '/' ? path.substring(1) : path).split("/", -1);
        if (!normalize) {
            StringBuilder out = new StringBuilder();
            for (String segment : segments) {
                out.append('/').append(SigV4Encoding.reencode(segment));
            }
            return out.toString();
        }
        Deque<String> kept = new ArrayDeque<>();
        for (String segment : segments) {
            String decoded = decode(segment);
            if (decoded.equals("..")) {
                kept.pollLast();
            } else if (!decoded.isEmpty() && !decoded.equals(".")) {
                kept.addLast(SigV4Encoding.reencode(segment));
            }
        }
        String last = decode(segments[segments.length - 1]);
        boolean endsAsDirectory = last.isEmpty() || last.equals(".") || last.equals("..");
        return "/" + String.join("/", kept) + (endsAsDirectory && !kept.isEmpty() ? "/" : "");
    }

    /** Percent-decodes into UTF-8 text, to compare a segment with {@code .} and {@code ..}. */
    private static String decode(String component) {
        return new String(SigV4Encoding.decodeToBytes(component), java.nio.charset.StandardCharsets.UTF_8);
    }

}
