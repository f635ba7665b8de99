package gpbackup.s3plugin.auth;

import gpbackup.s3plugin.digest.Digests;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Trailer signing of {@code STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER} uploads, which the plugin
 * never sends; here only to check the AWS trailer example, whose chunk signatures production uses.
 */
final class TrailerSigning {
    private TrailerSigning() {
    }

    /** What was signed and the {@code x-amz-trailer-signature} value. */
    record SignedTrailer(String stringToSign, String signature) {
    }

    /**
     * Signs {@code trailers} after {@code finalChunk}, taking date and scope from its string to
     * sign. Names are lower-cased; the hashed text is {@code name:value\n} per trailer (LF, not CRLF).
     */
    static SignedTrailer sign(ChunkSigner.SignedChunk finalChunk, String secretAccessKey,
                              List<Map.Entry<String, String>> trailers) {
        String[] lines = finalChunk.stringToSign().split("\n");
        String amzDate = lines[1];
        String scope = lines[2];
        StringBuilder canonical = new StringBuilder();
        for (Map.Entry<String, String> t : trailers) {
            canonical.append(t.getKey().trim().toLowerCase(Locale.ROOT)).append(':').append(t.getValue().trim())
                    .append('\n');
        }
        String stringToSign = "AWS4-HMAC-SHA256-TRAILER\n" + amzDate + '\n' + scope + '\n' + finalChunk.signature()
                + '\n' + Digests.sha256Hex(canonical.toString());
        byte[] key = ("AWS4" + secretAccessKey).getBytes(StandardCharsets.UTF_8);
        for (String step : scope.split("/")) {
            key = Digests.hmacSha256(key, step);
        }
        return new SignedTrailer(stringToSign, Digests.hex(Digests.hmacSha256(key, stringToSign)));
    }
}
