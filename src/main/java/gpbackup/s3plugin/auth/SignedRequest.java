package gpbackup.s3plugin.auth;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The result of header signing: the headers to add to the request, plus what tests and chunked
 * uploads need next. {@link #toString()} names the headers only: the session token and the
 * signature must not reach a log.
 *
 * @param headersToAdd     in order {@code X-Amz-Date}, {@code x-amz-content-sha256} (when signed),
 *                         {@code X-Amz-Security-Token} (with a session token), {@code Authorization}
 * @param canonicalRequest the canonical request that was hashed (holds no secret, but may hold the token)
 * @param stringToSign     the string that was signed
 * @param signature        64 lowercase hex; the seed signature of a chunked upload
 * @param chunkSigner      signs the first chunk of an {@code aws-chunked} body, chained on {@link #signature}
 */
public record SignedRequest(
        List<Map.Entry<String, String>> headersToAdd,
        String canonicalRequest,
        String stringToSign,
        String signature,
        ChunkSigner chunkSigner) {

    public SignedRequest {
        headersToAdd = List.copyOf(headersToAdd);
        Objects.requireNonNull(canonicalRequest, "canonicalRequest");
        Objects.requireNonNull(stringToSign, "stringToSign");
        Objects.requireNonNull(signature, "signature");
        Objects.requireNonNull(chunkSigner, "chunkSigner");
    }

    @Override
    public String toString() {
        return "SignedRequest[headersToAdd=" + headersToAdd.stream().map(Map.Entry::getKey).toList() + "]";
    }
}
