package gpbackup.s3plugin.auth;

import java.util.Map;
import java.util.Optional;

/** Reads the headers a signer added, as the vector tests compare them one by one. */
final class AddedHeaders {
    private AddedHeaders() {
    }

    /** The value of one added header, matched case-insensitively. */
    static Optional<String> header(SignedRequest signed, String name) {
        return signed.headersToAdd().stream()
                .filter(h -> h.getKey().equalsIgnoreCase(name))
                .map(Map.Entry::getValue)
                .findFirst();
    }

    /** The {@code Authorization} header value. */
    static String authorization(SignedRequest signed) {
        return header(signed, "Authorization").orElseThrow();
    }
}
