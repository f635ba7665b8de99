package gpbackup.s3plugin.auth;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * AWS Signature Version 4 signer: a pure function from a request, credentials and an instant to
 * the headers (or query parameters) that authenticate it. Immutable and thread-safe; the signing
 * key is derived per call from the date, region and service.
 */
public final class SigV4Signer {

    /** The algorithm name that opens every string to sign and {@code Authorization} value. */
    public static final String ALGORITHM = "AWS4-HMAC-SHA256";

    /** Longest lifetime AWS accepts for a presigned URL. */
    public static final Duration MAX_PRESIGN_EXPIRY = Duration.ofDays(7);

    /** Headers the signer writes itself; a caller passing one would create a duplicate or a conflict. */
    private static final Set<String> SIGNER_OWNED_HEADERS =
            Set.of("host", "x-amz-date", "x-amz-content-sha256", "x-amz-security-token", "authorization");

    /** Query parameters of query signing; a caller passing one would be signed twice. */
    private static final Set<String> SIGNER_OWNED_PARAMETERS = Set.of("X-Amz-Algorithm", "X-Amz-Credential",
            "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders", "X-Amz-Security-Token", "X-Amz-Signature");

    private final String region;
    private final String service;
    /** S3 signs the wire path as is; other services decode and re-encode it. */
    private final boolean pathAsSent;
    private final boolean normalizePath;
    private final boolean addContentSha256Header;
    private final boolean signSessionToken;

    private SigV4Signer(String region, String service, boolean pathAsSent, boolean normalizePath,
            boolean addContentSha256Header, boolean signSessionToken) {
        this.region = requireText(region, "region");
        this.service = requireText(service, "service");
        this.pathAsSent = pathAsSent;
        this.normalizePath = normalizePath;
        this.addContentSha256Header = addContentSha256Header;
        this.signSessionToken = signSessionToken;
    }

    /**
     * S3 mode: canonical URI = {@code request.path()} exactly as given (no normalisation, no
     * second encoding; it must be encoded once, see {@link SigV4Encoding#encodePath}),
     * {@code x-amz-content-sha256} always added and signed, session token signed.
     */
    public static SigV4Signer forS3(String region) {
        return new SigV4Signer(region, "s3", true, false, true, true);
    }

    /**
     * Generic-service mode, as the AWS test suite exercises it: decode the path, optionally
     * normalise it, encode each segment once. Adds no {@code x-amz-content-sha256} unless
     * {@link #withContentSha256Header()} is used.
     */
    public static SigV4Signer forService(String region, String service, boolean normalizePath) {
        return new SigV4Signer(region, service, false, normalizePath, false, true);
    }

    /** This signer, also adding and signing {@code x-amz-content-sha256} (always on in S3 mode). */
    public SigV4Signer withContentSha256Header() {
        return new SigV4Signer(region, service, pathAsSent, normalizePath, true, signSessionToken);
    }

    /**
     * This signer, adding the session token after signing instead of signing it, as some legacy
     * services require. S3 rejects that, so S3 mode refuses it.
     */
    public SigV4Signer withUnsignedSessionToken() {
        if (pathAsSent) {
            throw new IllegalStateException("S3 requires the session token to be signed");
        }
        return new SigV4Signer(region, service, pathAsSent, normalizePath, addContentSha256Header, false);
    }

    /**
     * Signs with header authorization. Returns the headers to add, in order: {@code X-Amz-Date},
     * {@code x-amz-content-sha256} (S3 mode, or when asked), {@code X-Amz-Security-Token} (when
     * the credentials have a session token), {@code Authorization}.
     */
    public SignedRequest sign(SignableRequest request, Credentials credentials, Instant now) {
        Objects.requireNonNull(credentials, "credentials");
        requireNoSignerOwnedHeaders(request);
        SigningScope scope = new SigningScope(now, region, service);
        Optional<String> token = credentials.sessionToken();

        List<Map.Entry<String, String>> added = new ArrayList<>();
        added.add(Map.entry("X-Amz-Date", scope.amzDate()));
        if (addContentSha256Header) {
            added.add(Map.entry("x-amz-content-sha256", request.payloadHash()));
        }
        token.ifPresent(t -> added.add(Map.entry("X-Amz-Security-Token", t)));

        List<Map.Entry<String, String>> signedHeaders = new ArrayList<>(request.headers());
        signedHeaders.add(Map.entry("host", request.host()));
        for (Map.Entry<String, String> header : added) {
            if (signSessionToken || !header.getKey().equals("X-Amz-Security-Token")) {
                signedHeaders.add(header);
            }
        }

        CanonicalRequest canonical = new CanonicalRequest(request.method(), canonicalUri(request),
                canonicalQuery(request, List.of()), CanonicalRequest.CanonicalHeaders.of(signedHeaders),
                request.payloadHash());
        String stringToSign = stringToSign(scope, canonical);
        byte[] signingKey = scope.signingKey(credentials.secretAccessKey());
        String signature = Digests.hex(Digests.hmacSha256(signingKey, stringToSign));

        added.add(Map.entry("Authorization", ALGORITHM
                + " Credential=" + credentials.accessKeyId() + "/" + scope.value()
                + ", SignedHeaders=" + canonical.headers().signedNames()
                + ", Signature=" + signature));
        return new SignedRequest(added, canonical.text(), stringToSign, signature,
                new ChunkSigner(signingKey, scope.amzDate(), scope.value(), signature));
    }

    /**
     * Signs with query authorization (a presigned URL) valid for {@code expiresIn}
     * (1 s to 7 days). Signs {@code host} and {@code request.headers()}; the payload line is
     * {@code request.payloadHash()}, which for S3 should be {@code UNSIGNED-PAYLOAD}.
     */
    public PresignedRequest presign(SignableRequest request, Credentials credentials, Instant now, Duration expiresIn) {
        Objects.requireNonNull(credentials, "credentials");
        requireNoSignerOwnedHeaders(request);
        if (expiresIn.compareTo(Duration.ofSeconds(1)) < 0 || expiresIn.compareTo(MAX_PRESIGN_EXPIRY) > 0) {
            throw new IllegalArgumentException("presigned URL expiry must be between 1 second and 7 days");
        }
        SigningScope scope = new SigningScope(now, region, service);
        Optional<String> token = credentials.sessionToken();

        List<Map.Entry<String, String>> signedHeaders = new ArrayList<>(request.headers());
        signedHeaders.add(Map.entry("host", request.host()));
        CanonicalRequest.CanonicalHeaders headers = CanonicalRequest.CanonicalHeaders.of(signedHeaders);

        List<Map.Entry<String, String>> authParameters = new ArrayList<>();
        authParameters.add(encodedParameter("X-Amz-Algorithm", ALGORITHM));
        authParameters.add(encodedParameter("X-Amz-Credential", credentials.accessKeyId() + "/" + scope.value()));
        authParameters.add(encodedParameter("X-Amz-Date", scope.amzDate()));
        authParameters.add(encodedParameter("X-Amz-Expires", Long.toString(expiresIn.toSeconds())));
        authParameters.add(encodedParameter("X-Amz-SignedHeaders", headers.signedNames()));
        if (signSessionToken) {
            token.ifPresent(t -> authParameters.add(encodedParameter("X-Amz-Security-Token", t)));
        }

        CanonicalRequest canonical = new CanonicalRequest(request.method(), canonicalUri(request),
                canonicalQuery(request, authParameters), headers, request.payloadHash());
        String stringToSign = stringToSign(scope, canonical);
        String signature = Digests.hex(Digests.hmacSha256(scope.signingKey(credentials.secretAccessKey()), stringToSign));

        StringBuilder wireQuery = new StringBuilder(canonical.query());
        if (!signSessionToken) {
            token.ifPresent(t -> wireQuery.append("&X-Amz-Security-Token=").append(SigV4Encoding.encode(t)));
        }
        wireQuery.append("&X-Amz-Signature=").append(signature);
        return new PresignedRequest(wireQuery.toString(), canonical.text(), stringToSign, signature);
    }

    private String canonicalUri(SignableRequest request) {
        return pathAsSent
                ? CanonicalRequest.uriAsSent(request.path())
                : CanonicalRequest.uriReencoded(request.path(), normalizePath);
    }

    private String canonicalQuery(SignableRequest request, List<Map.Entry<String, String>> authParameters) {
        if (pathAsSent) {
            CanonicalRequest.requireUnambiguousQuery(request.query());
        }
        List<Map.Entry<String, String>> parameters = CanonicalRequest.queryParameters(request.query());
        if (!authParameters.isEmpty()) {
            for (Map.Entry<String, String> p : parameters) {
                if (SIGNER_OWNED_PARAMETERS.contains(SigV4Encoding.decode(p.getKey()))) {
                    throw new IllegalArgumentException("query must not contain " + SigV4Encoding.decode(p.getKey())
                            + ": the signer adds it");
                }
            }
            parameters.addAll(authParameters);
        }
        return CanonicalRequest.query(parameters);
    }

    private static String stringToSign(SigningScope scope, CanonicalRequest canonical) {
        return ALGORITHM + '\n' + scope.amzDate() + '\n' + scope.value() + '\n' + Digests.sha256Hex(canonical.text());
    }

    private static Map.Entry<String, String> encodedParameter(String name, String value) {
        return Map.entry(SigV4Encoding.encode(name), SigV4Encoding.encode(value));
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
        return "SigV4Signer[region=" + region + ", service=" + service
                + (pathAsSent ? ", s3" : ", normalizePath=" + normalizePath) + "]";
    }
}
