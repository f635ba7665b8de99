package gpbackup.s3plugin.auth;

import gpbackup.s3plugin.digest.Digests;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;

/**
 * AWS Signature Version 4 signer: a pure function from a request, credentials and an instant to
 * the headers that authenticate it. Thread-safe; the signing key, an HMAC chain over the day,
 * region, service and secret, is derived once and reused while the day and the secret stay the same.
 */
public final class SigV4Signer {

    /** The algorithm name that opens every string to sign and {@code Authorization} value. */
    public static final String ALGORITHM = "AWS4-HMAC-SHA256";

    /** Headers the signer writes itself; a caller passing one would create a duplicate or a conflict. */
    private static final Set<String> SIGNER_OWNED_HEADERS =
            Set.of("host", "x-amz-date", "x-amz-content-sha256", "x-amz-security-token", "authorization");

    private final String region;
    private final String service;
    private final UnaryOperator<String> canonicalUri;
    private final boolean strictQuery;
    private final boolean addContentSha256Header;
    /** The last key derived; region and service are this signer's own, so day and secret pick it. */
    private final AtomicReference<DerivedKey> lastKey = new AtomicReference<>();

    /**
     * Package-private so the AWS suites' tests can sign for their generic service with the same code.
     *
     * @param canonicalUri the wire path to its canonical URI; S3's rule is {@link CanonicalRequest#uriAsSent}
     * @param strictQuery refuse a query S3 servers could read two ways ({@link CanonicalRequest#requireUnambiguousQuery})
     * @param addContentSha256Header whether to add and sign {@code x-amz-content-sha256}, as S3 requires
     */
    SigV4Signer(String region, String service, UnaryOperator<String> canonicalUri, boolean strictQuery,
                boolean addContentSha256Header) {
        this.region = requireText(region, "region");
        this.service = requireText(service, "service");
        this.canonicalUri = Objects.requireNonNull(canonicalUri, "canonicalUri");
        this.strictQuery = strictQuery;
        this.addContentSha256Header = addContentSha256Header;
    }

    /**
     * The signer for S3: canonical URI = {@code request.path()} exactly as given (no normalisation,
     * no second encoding; it must be encoded once, see {@link SigV4Encoding#encodePath}),
     * {@code x-amz-content-sha256} always added and signed, session token signed.
     */
    public static SigV4Signer forS3(String region) {
        return new SigV4Signer(region, "s3", CanonicalRequest::uriAsSent, true, true);
    }

    /** The signer for STS (AssumeRole): a form-encoded POST to {@code /}, no {@code x-amz-content-sha256}. */
    public static SigV4Signer forSts(String region) {
        return new SigV4Signer(region, "sts", CanonicalRequest::uriAsSent, false, false);
    }

    /** The signer for KMS: a JSON 1.1 POST to {@code /}, no {@code x-amz-content-sha256}. */
    public static SigV4Signer forKms(String region) {
        return new SigV4Signer(region, "kms", CanonicalRequest::uriAsSent, false, false);
    }

    /** What the JDK's HTTP client accepts in a header value: tab, space, visible ASCII and obs-text. */
    static boolean isHeaderValue(String value) {
        return value.chars().allMatch(c -> c == '\t' || (c >= 0x20 && c <= 0xff && c != 0x7f));
    }

    private static void requireHeaderValue(String what, String value) {
        if (!isHeaderValue(value)) {
            throw new CredentialsException("the credentials' " + what + " holds a control character or a line break,"
                    + " which an HTTP header cannot carry");
        }
    }

    /**
     * Signs with header authorization. Returns the headers to add, in order: {@code X-Amz-Date},
     * {@code x-amz-content-sha256} (when the signer adds it, as for S3), {@code X-Amz-Security-Token} (when
     * the credentials have a session token), {@code Authorization}.
     */
    public SignedRequest sign(SignableRequest request, Credentials credentials, Instant now) {
        Objects.requireNonNull(credentials, "credentials");
        requireNoSignerOwnedHeaders(request);
        SigningScope scope = new SigningScope(now, region, service);
        Optional<String> token = credentials.sessionToken();
        // The JDK refuses such a header value with a message quoting it: the token, or the whole
        // Authorization with its signature. Refused here instead, without the value.
        requireHeaderValue("access key id", credentials.accessKeyId());
        token.ifPresent(t -> requireHeaderValue("session token", t));

        List<Map.Entry<String, String>> added = new ArrayList<>();
        added.add(Map.entry("X-Amz-Date", scope.amzDate()));
        if (addContentSha256Header) {
            added.add(Map.entry("x-amz-content-sha256", request.payloadHash()));
        }
        token.ifPresent(t -> added.add(Map.entry("X-Amz-Security-Token", t)));

        List<Map.Entry<String, String>> signedHeaders = new ArrayList<>(request.headers());
        signedHeaders.add(Map.entry("host", request.host()));
        signedHeaders.addAll(added);

        if (strictQuery) {
            CanonicalRequest.requireUnambiguousQuery(request.query());
        }
        CanonicalRequest canonical = new CanonicalRequest(request.method(), canonicalUri.apply(request.path()),
                SigV4Encoding.joinSorted(CanonicalRequest.queryParameters(request.query())),
                CanonicalRequest.CanonicalHeaders.of(signedHeaders), request.payloadHash());
        String stringToSign = stringToSign(scope, canonical);
        byte[] signingKey = signingKey(scope, credentials.secretAccessKey());
        String signature = Digests.hex(Digests.hmacSha256(signingKey, stringToSign));

        added.add(Map.entry("Authorization", ALGORITHM
                + " Credential=" + credentials.accessKeyId() + "/" + scope.value()
                + ", SignedHeaders=" + canonical.headers().signedNames()
                + ", Signature=" + signature));
        return new SignedRequest(added, canonical.text(), stringToSign, signature,
                new ChunkSigner(signingKey, scope.amzDate(), scope.value(), signature));
    }

    /** The cached key when day and secret match, else a new one that replaces it; never written, so shared. */
    private byte[] signingKey(SigningScope scope, String secretAccessKey) {
        String day = scope.dateStamp();
        DerivedKey last = lastKey.get();
        if (last != null && last.day().equals(day) && last.secret().equals(secretAccessKey)) {
            return last.key();
        }
        DerivedKey derived = new DerivedKey(day, secretAccessKey, scope.signingKey(secretAccessKey));
        lastKey.set(derived);
        return derived.key();
    }

    /** One derived key and what it was derived from; its toString names the day only. */
    private record DerivedKey(String day, String secret, byte[] key) {
        @Override
        public String toString() {
            return "DerivedKey[day=" + day + "]";
        }
    }

    private static String stringToSign(SigningScope scope, CanonicalRequest canonical) {
        return ALGORITHM + '\n' + scope.amzDate() + '\n' + scope.value() + '\n' + Digests.sha256Hex(canonical.text());
    }

    private static void requireNoSignerOwnedHeaders(SignableRequest request) {
        for (Map.Entry<String, String> header : request.headers()) {
            String name = header.getKey().trim().toLowerCase(Locale.ROOT);
            if (SIGNER_OWNED_HEADERS.contains(name)) {
                throw new IllegalArgumentException("headers must not contain " + name + ": the signer adds it");
            }
        }
    }

    private static String requireText(String value, String name) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(name + " must not be empty");
        }
        return value;
    }

    @Override
    public String toString() {
        return "SigV4Signer[region=" + region + ", service=" + service + "]";
    }
}
