package gpbackup.s3plugin.kms;

import gpbackup.s3plugin.auth.Backoff;
import gpbackup.s3plugin.auth.Credentials;
import gpbackup.s3plugin.auth.CredentialsProvider;
import gpbackup.s3plugin.auth.SigV4Signer;
import gpbackup.s3plugin.auth.SignableRequest;
import gpbackup.s3plugin.auth.SignedRequest;
import gpbackup.s3plugin.digest.Digests;
import gpbackup.s3plugin.http.HttpTransport;
import gpbackup.s3plugin.json.FlatJson;
import gpbackup.s3plugin.json.JsonText;
import gpbackup.s3plugin.seal.MasterKey;
import gpbackup.s3plugin.seal.SealedHeader;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The two AWS KMS calls of the sealed format's envelope (spec/sealed-format.md, "Envelope (KMS)"):
 * {@code GenerateDataKey}, which gives a fresh 32-byte key in plaintext and wrapped under the KMS key
 * (the wrapped copy, the CiphertextBlob, is the header's envelope), and {@code Decrypt}, which unwraps
 * an envelope again. Both are JSON 1.1 POSTs to {@code /} signed by our SigV4 signer for service
 * {@code kms}, through the HTTP client the caller picks (the same proxy and trust as S3).
 *
 * <p>Every call carries {@link #ENCRYPTION_CONTEXT}: KMS binds the blob to it, so a blob made here
 * unwraps only for a caller that names the same context, and CloudTrail shows what each call was for.
 *
 * <p>Only throttling (and KMS's own transient failures) is retried, with backoff: a refused key or
 * a damaged blob will not get better by asking again. Messages are one line naming the key, the
 * operation and its subject, with the server's message; they never hold key material (the plaintext
 * is never in a message, and the server's message is blanked where it repeats a credential).
 */
public final class KmsClient {
    /** The encryption context of every call: {@code {"gpbackup_s3_plugin": "sealed-object-key v1"}}. */
    public static final Map<String, String> ENCRYPTION_CONTEXT = Map.of("gpbackup_s3_plugin", "sealed-object-key v1");
    static final String CONTENT_TYPE = "application/x-amz-json-1.1";
    static final int MAX_ATTEMPTS = 4;
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final Set<String> THROTTLING = Set.of("ThrottlingException", "Throttling",
            "TooManyRequestsException", "RequestLimitExceeded");
    /** What the AWS SDKs retry for KMS besides throttling: KMS's own hiccups, not the caller's mistakes. */
    private static final Set<String> TRANSIENT = Set.of("KMSInternalException", "DependencyTimeoutException");

    private final URI endpoint;
    private final String region;
    private final CredentialsProvider credentials;
    private final Supplier<HttpTransport> http;
    private final Clock clock;
    private final Backoff backoff;
    private HttpTransport client;

    KmsClient(URI endpoint, String region, CredentialsProvider credentials, Supplier<HttpTransport> http, Clock clock,
              Backoff backoff) {
        this.endpoint = endpoint;
        this.region = region;
        this.credentials = credentials;
        this.http = http;
        this.clock = clock;
        this.backoff = backoff;
    }

    /**
     * KMS for {@code region} as the environment says to reach it, signing with what {@code credentials}
     * gives at each call (the S3 credential chain, refreshed as for S3).
     *
     * @param httpFor the HTTP client for the endpoint (the caller picks proxy and trust for its host);
     *                built on first use
     */
    public static KmsClient forRegion(String region, Function<String, String> environment,
                                      CredentialsProvider credentials, Clock clock,
                                      Function<URI, HttpTransport> httpFor) {
        URI endpoint = endpoint(region, environment);
        return new KmsClient(endpoint, region, credentials, () -> httpFor.apply(endpoint), clock,
                delay -> Thread.sleep(delay.toMillis()));
    }

    /**
     * {@code AWS_ENDPOINT_URL_KMS} when set (a VPC endpoint, a FIPS endpoint, a test fake); else
     * {@code https://kms.<region>.amazonaws.com/} ({@code .amazonaws.com.cn} in the China regions).
     */
    static URI endpoint(String region, Function<String, String> environment) {
        String override = environment.apply("AWS_ENDPOINT_URL_KMS");
        if (override != null && !override.isEmpty()) {
            try {
                URI uri = URI.create(override.replaceAll("/+$", "") + "/");
                if (uri.getHost() != null && ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
                    return uri;
                }
            } catch (IllegalArgumentException e) {
                // reported below
            }
            throw new KmsException("AWS_ENDPOINT_URL_KMS is not an http(s) URL", "");
        }
        String suffix = region.startsWith("cn-") ? ".amazonaws.com.cn" : ".amazonaws.com";
        return URI.create("https://kms." + region + suffix + "/");
    }

    public URI endpoint() {
        return endpoint;
    }

    /**
     * A key from {@code GenerateDataKey}: the plaintext (as a master key, its bytes never shown) and its
     * CiphertextBlob, the envelope to store in the sealed header.
     */
    public static final class DataKey {
        private final MasterKey key;
        private final byte[] envelope;
        private final String keyArn;

        DataKey(MasterKey key, byte[] envelope, String keyArn) {
            this.key = key;
            this.envelope = envelope.clone();
            this.keyArn = keyArn;
        }

        /** The plaintext data key, the master key of every object sealed with this envelope. */
        public MasterKey key() {
            return key;
        }

        /** The CiphertextBlob (a copy): the sealed header's envelope. Not secret without the KMS key. */
        public byte[] envelope() {
            return envelope.clone();
        }

        /** The ARN of the KMS key that wrapped it, as KMS answered (an alias resolves to its key). */
        public String keyArn() {
            return keyArn;
        }

        @Override
        public String toString() {
            return "DataKey[keyArn=" + keyArn + ", fingerprint=" + key.fingerprint() + ", envelope="
                    + envelope.length + " bytes]";
        }
    }

    /**
     * {@code GenerateDataKey} with {@code KeySpec AES_256} under {@code keyId} (a key id, key ARN, alias
     * name or alias ARN, as KMS accepts).
     *
     * @param subject what the key is for, for the message of a failure: "backup 20240501120000 on segment 0"
     */
    public DataKey generateDataKey(String keyId, String subject) {
        StringBuilder body = new StringBuilder("{\"KeyId\":");
        JsonText.quote(body, keyId);
        body.append(",\"KeySpec\":\"AES_256\",\"EncryptionContext\":");
        appendContext(body);
        body.append('}');
        Map<String, Object> answer = call("GenerateDataKey", Optional.of(keyId), subject, body.toString());
        byte[] envelope = base64(answer, "CiphertextBlob", "GenerateDataKey", Optional.of(keyId), subject);
        if (envelope.length == 0 || envelope.length > SealedHeader.MAX_LENGTH - SealedHeader.FIXED_LENGTH) {
            throw new KmsException(prefix("GenerateDataKey", Optional.of(keyId), subject) + " answered a CiphertextBlob of "
                    + envelope.length + " bytes, which a sealed header cannot hold (1 to 65535)", "");
        }
        MasterKey key = plaintextKey(answer, "GenerateDataKey", Optional.of(keyId), subject);
        String arn = answer.get("KeyId") instanceof String s && !s.isBlank() ? s : keyId;
        return new DataKey(key, envelope, arn);
    }

    /**
     * {@code Decrypt} of an envelope. With {@code keyId} KMS uses only that key and refuses a blob of
     * another one (IncorrectKeyException), which keeps a forged envelope under someone else's key from
     * opening; pass it whenever the key is known.
     *
     * @param subject what the envelope belongs to, for the message of a failure: the object's name
     */
    public MasterKey decrypt(byte[] envelope, Optional<String> keyId, String subject) {
        StringBuilder body = new StringBuilder("{\"CiphertextBlob\":\"");
        body.append(Base64.getEncoder().encodeToString(envelope)).append("\",\"EncryptionContext\":");
        appendContext(body);
        keyId.ifPresent(id -> {
            body.append(",\"KeyId\":");
            JsonText.quote(body, id);
        });
        body.append('}');
        Map<String, Object> answer = call("Decrypt", keyId, subject, body.toString());
        return plaintextKey(answer, "Decrypt", keyId, subject);
    }

    private static void appendContext(StringBuilder body) {
        body.append('{');
        boolean first = true;
        for (Map.Entry<String, String> entry : ENCRYPTION_CONTEXT.entrySet()) {
            if (!first) {
                body.append(',');
            }
            first = false;
            JsonText.quote(body, entry.getKey());
            body.append(':');
            JsonText.quote(body, entry.getValue());
        }
        body.append('}');
    }

    private static MasterKey plaintextKey(Map<String, Object> answer, String operation, Optional<String> keyId,
                                   String subject) {
        byte[] plaintext = base64(answer, "Plaintext", operation, keyId, subject);
        try {
            if (plaintext.length != MasterKey.LENGTH) {
                throw new KmsException(prefix(operation, keyId, subject) + " answered a Plaintext of " + plaintext.length
                        + " bytes, not the " + MasterKey.LENGTH + " of an AES_256 data key", "");
            }
            return MasterKey.of(plaintext);
        } finally {
            Arrays.fill(plaintext, (byte) 0);
        }
    }

    private static byte[] base64(Map<String, Object> answer, String field, String operation, Optional<String> id,
                                 String subject) {
        if (!(answer.get(field) instanceof String text) || text.isEmpty()) {
            throw new KmsException(prefix(operation, id, subject) + " answered without " + field, "");
        }
        try {
            return Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            // Not the text: it may be most of a key.
            throw new KmsException(prefix(operation, id, subject) + " answered a " + field + " that is not base64", "");
        }
    }

    /** "KMS key arn:... GenerateDataKey for subject", or "KMS Decrypt for subject" when no key is named. */
    private static String prefix(String operation, Optional<String> keyId, String subject) {
        return "KMS " + keyId.map(id -> "key " + id + " ").orElse("") + operation + " for " + subject;
    }

    private Map<String, Object> call(String operation, Optional<String> keyId, String subject, String body) {
        for (int attempt = 1; ; attempt++) {
            Credentials signWith = credentials.credentials();
            HttpResponse<String> response = send(operation, keyId, subject, body, signWith);
            if (response.statusCode() == 200) {
                try {
                    return FlatJson.strict(response.body());
                } catch (IllegalArgumentException e) {
                    // The position only: the text holds the plaintext key.
                    throw new KmsException(prefix(operation, keyId, subject) + " answered 200 with unreadable JSON", "");
                }
            }
            KmsError error = KmsError.parse(response);
            if (error.isRetryable() && attempt < MAX_ATTEMPTS) {
                pause(attempt, operation);
                continue;
            }
            List<String> secrets = new ArrayList<>(List.of(signWith.secretAccessKey()));
            signWith.sessionToken().ifPresent(secrets::add);
            String refused = keyId.map(id -> "KMS key " + id + " refused ").orElse("KMS refused ");
            throw new KmsException(refused + operation + " for " + subject + " at " + endpoint.getHost() + ": "
                    + error.describe(secrets) + hint(error, operation), error.type());
        }
    }

    private HttpResponse<String> send(String operation, Optional<String> keyId, String subject, String body,
                                      Credentials signWith) {
        String host = endpoint.getPort() == -1 ? endpoint.getHost() : endpoint.getHost() + ":" + endpoint.getPort();
        String target = "TrentService." + operation;
        HttpRequest.Builder builder = HttpRequest.newBuilder(endpoint).timeout(TIMEOUT)
                .header("Content-Type", CONTENT_TYPE)
                .header("X-Amz-Target", target)
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        SignableRequest signable = new SignableRequest("POST", host, endpoint.getRawPath(), "",
                List.of(Map.entry("content-type", CONTENT_TYPE), Map.entry("x-amz-target", target)),
                Digests.sha256Hex(body));
        SignedRequest signed = SigV4Signer.forKms(region).sign(signable, signWith, clock.instant());
        signed.headersToAdd().forEach(h -> builder.header(h.getKey(), h.getValue()));
        try {
            synchronized (this) {
                if (client == null) {
                    client = http.get();
                }
            }
            return client.send(builder.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new KmsException(prefix(operation, keyId, subject) + ": KMS at " + endpoint.getHost()
                    + " cannot be reached: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()),
                    "");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KmsException("interrupted while calling KMS " + operation, e);
        }
    }

    private void pause(int attempt, String operation) {
        try {
            backoff.pause(Backoff.after(attempt));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KmsException("interrupted while waiting to retry KMS " + operation, e);
        }
    }

    private static String hint(KmsError error, String operation) {
        return switch (error.type()) {
            case "AccessDeniedException" -> "; grant the caller kms:" + operation
                    + " on the key (key policy or IAM policy); a condition on kms:EncryptionContext must allow "
                    + contextText();
            case "NotFoundException" -> "; no such key or alias in this region: check cse_kms_key_id and the region";
            case "DisabledException" -> "; the key is disabled: enable it (aws kms enable-key)";
            case "KMSInvalidStateException" -> "; the key is pending deletion or otherwise unusable: cancel its"
                    + " deletion (aws kms cancel-key-deletion) and enable it";
            case "InvalidCiphertextException" -> "; the envelope in the sealed header is damaged, or was not made by"
                    + " this plugin with the encryption context " + contextText();
            case "IncorrectKeyException" -> "; the object was sealed under another KMS key: set cse_kms_key_id to"
                    + " the key that sealed it";
            case "InvalidKeyUsageException" -> "; the key must be a symmetric key for ENCRYPT_DECRYPT";
            case "KeyUnavailableException" -> "; the key's material is not available now (a custom or external key"
                    + " store?): try again later";
            case "UnrecognizedClientException", "InvalidSignatureException", "ExpiredTokenException" ->
                    "; the credentials were refused: check them (KMS uses the same credentials as S3)";
            default -> error.isRetryable() ? "; KMS kept refusing after " + MAX_ATTEMPTS
                    + " attempts (the account's KMS request quota?): try again later" : "";
        };
    }

    private static String contextText() {
        StringBuilder text = new StringBuilder();
        appendContext(text);
        return text.toString();
    }

    /**
     * A KMS error: {@code {"__type": "NotFoundException", "message": "..."}}, the type possibly prefixed with
     * a namespace ({@code com.amazonaws.kms#NotFoundException}), or only in {@code x-amzn-ErrorType}.
     */
    record KmsError(int status, String type, String message) {
        static KmsError parse(HttpResponse<String> response) {
            Map<String, Object> members = FlatJson.lenient(response.body() == null ? "" : response.body())
                    .orElse(Map.of());
            String type = members.get("__type") instanceof String t ? t
                    : response.headers().firstValue("x-amzn-ErrorType").orElse("");
            Object message = members.containsKey("message") ? members.get("message") : members.get("Message");
            return new KmsError(response.statusCode(), bareType(type), message instanceof String m ? m : "");
        }

        /** {@code com.amazonaws.kms#NotFoundException} and {@code NotFoundException:http://...} both to {@code NotFoundException}. */
        static String bareType(String type) {
            String bare = type.strip();
            int colon = bare.indexOf(':');
            if (colon >= 0) {
                bare = bare.substring(0, colon);
            }
            return bare.substring(bare.lastIndexOf('#') + 1);
        }

        boolean isRetryable() {
            return status == 429 || THROTTLING.contains(type) || TRANSIENT.contains(type);
        }

        /** Type and message, the message cut short and blanked where it repeats a secret of the request. */
        String describe(List<String> secrets) {
            String shown = message.strip().replaceAll("[\\r\\n\\t]+", " ");
            for (String secret : secrets) {
                if (!secret.isEmpty()) {
                    shown = shown.replace(secret, "****");
                }
            }
            if (shown.length() > 300) {
                shown = shown.substring(0, 300) + "...";
            }
            String what = type.isEmpty() ? "HTTP " + status : type;
            return shown.isEmpty() ? what : what + ": " + shown;
        }
    }

    @Override
    public String toString() {
        return "KmsClient[" + endpoint + ", region " + region + "]";
    }
}
