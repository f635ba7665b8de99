package gpbackup.s3plugin.auth;

import java.util.Objects;

/**
 * The result of query signing (a presigned URL). {@link #toString()} hides the query: it carries
 * the signature and any session token.
 *
 * @param query            the complete wire query, without {@code '?'}: the request's own
 *                         parameters and the {@code X-Amz-*} ones in canonical order, then
 *                         {@code X-Amz-Signature}
 * @param canonicalRequest the canonical request that was hashed
 * @param stringToSign     the string that was signed
 * @param signature        64 lowercase hex
 */
public record PresignedRequest(String query, String canonicalRequest, String stringToSign, String signature) {

    public PresignedRequest {
        Objects.requireNonNull(query, "query");
        Objects.requireNonNull(canonicalRequest, "canonicalRequest");
        Objects.requireNonNull(stringToSign, "stringToSign");
        Objects.requireNonNull(signature, "signature");
    }

    @Override
    public String toString() {
        return "PresignedRequest[query=****]";
    }
}
