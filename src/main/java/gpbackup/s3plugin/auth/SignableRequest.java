package gpbackup.s3plugin.auth;

import gpbackup.s3plugin.digest.Digests;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An HTTP request as it will be sent, reduced to what SigV4 signs.
 *
 * @param method      {@code GET}, {@code PUT}, ...
 * @param host        the Host header value as sent, e.g. {@code 127.0.0.1:9000} or
 *                    {@code bucket.s3.us-east-1.amazonaws.com}
 * @param path        the wire path, already URI-encoded by the caller (see
 *                    {@link SigV4Encoding#encodePath}), e.g. {@code /bucket/folder/a%20b.txt};
 *                    {@code ""} means {@code /}
 * @param query       the wire query string without {@code '?'}, e.g. {@code uploads=} or
 *                    {@code list-type=2&prefix=a%2Fb}; {@code ""} when none
 * @param headers     headers to sign besides those the signer owns ({@code host},
 *                    {@code x-amz-date}, {@code x-amz-content-sha256},
 *                    {@code x-amz-security-token}, {@code authorization}), in order; repeats allowed
 * @param payloadHash lowercase hex sha256 of the body, or {@code UNSIGNED-PAYLOAD}, or
 *                    {@code STREAMING-AWS4-HMAC-SHA256-PAYLOAD}
 */
public record SignableRequest(
        String method,
        String host,
        String path,
        String query,
        List<Map.Entry<String, String>> headers,
        String payloadHash) {

    /** Payload line for an {@code aws-chunked} body whose chunks are signed one by one. */
    public static final String STREAMING_PAYLOAD = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
    /** Payload hash of an empty body. */
    public static final String EMPTY_PAYLOAD_SHA256 = Digests.EMPTY_SHA256;

    public SignableRequest {
        if (method == null || method.isEmpty()) {
            throw new IllegalArgumentException("method must not be empty");
        }
        if (host == null || host.isEmpty()) {
            throw new IllegalArgumentException("host must not be empty");
        }
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(query, "query");
        if (payloadHash == null || payloadHash.isEmpty()) {
            throw new IllegalArgumentException("payloadHash must not be empty");
        }
        headers = immutableCopy(Objects.requireNonNull(headers, "headers"));
    }

    /** Copies entries too, so a caller's mutable {@code SimpleEntry} cannot change a signed request. */
    private static List<Map.Entry<String, String>> immutableCopy(List<Map.Entry<String, String>> headers) {
        List<Map.Entry<String, String>> copy = new ArrayList<>(headers.size());
        for (Map.Entry<String, String> h : headers) {
            copy.add(Map.entry(h.getKey(), h.getValue()));
        }
        return List.copyOf(copy);
    }
}
