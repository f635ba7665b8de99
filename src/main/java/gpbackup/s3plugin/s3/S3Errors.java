package gpbackup.s3plugin.s3;

import gpbackup.s3plugin.xml.XmlElement;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import javax.net.ssl.SSLException;

/** Turns S3's error answers and transport failures into messages a DBA can act on. */
final class S3Errors {
    private static final String SSE_C_OPTIONS = "sse_customer_key_file/sse_customer_key_env (SSE-C)";
    private static final String SSE_C_KEY_OPTIONS = "sse_customer_key_file or sse_customer_key_env";
    private final S3Endpoint endpoint;

    S3Errors(S3Endpoint endpoint) {
        this.endpoint = endpoint;
    }

    /**
     * The exception for an error response.
     *
     * @param body the response body (S3's XML error document), possibly empty as for HEAD
     * @param bucketRegion the {@code x-amz-bucket-region} header, when S3 sent one
     */
    S3Exception fromResponse(S3Request request, int status, String body, Optional<String> bucketRegion,
                             String accessKeyId) {
        String code = null;
        String serverMessage = "";
        Optional<String> region = bucketRegion;
        if (!body.isBlank()) {
            try {
                XmlElement error = XmlElement.parse(body);
                code = error.childText("Code").orElse(null);
                serverMessage = error.childText("Message").orElse("");
                // AuthorizationHeaderMalformed names the bucket's region in the body, not in a header.
                region = region.or(() -> error.childText("Region").filter(r -> !r.isBlank()));
            } catch (IllegalArgumentException notXml) {
                // A proxy or load balancer answered with HTML: the status alone will have to do.
            }
        }
        serverMessage = withoutSecrets(request, serverMessage);
        if (code == null) {
            code = switch (status) {
                // A bucket-level call (listing, batch delete) carries a prefix as its key, not an object.
                case 404 -> request.wirePath().equals(endpoint.bucketPath()) ? "NoSuchBucket" : "NoSuchKey";
                case 403 -> "AccessDenied";
                case 301 -> "PermanentRedirect";
                default -> null;
            };
        }
        Optional<String> refused = status == 407 ? Optional.empty() : refusedOptions(request, status, code, serverMessage);
        return new S3Exception(describe(request, status, code, serverMessage, refused, region, accessKeyId),
                status, code, refused.orElse(null));
    }

    private String describe(S3Request request, int status, String code, String serverMessage,
                            Optional<String> refusedOptions, Optional<String> bucketRegion, String accessKeyId) {
        String target = target(request);
        String what = request.action() + " " + target;
        if (status == 407) {
            return what + " failed: the proxy refused the request (HTTP 407 Proxy Authentication Required);"
                    + " check the user and password of http_proxy or HTTPS_PROXY";
        }
        if (refusedOptions.isPresent()) {
            return what + " failed: " + endpoint.display() + " refused " + refusedOptions.get() + " (HTTP " + status
                    + (code == null ? "" : " " + code) + suffix(serverMessage) + "); check those options, or remove"
                    + " them for a server without that feature";
        }
        if (readsObjectWithoutCustomerKey(request) && status == 400) {
            // S3 answers a read of an SSE-C object without the key with 400 InvalidRequest, and a HEAD
            // with a bare 400; the raw answer names no option, so the DBA would not know what to set.
            if (code != null && code.equals("InvalidRequest")
                    && serverMessage.toLowerCase(Locale.ROOT).contains("server side encryption")) {
                return what + " failed: the object is encrypted with SSE-C, a key of yours, and no key was sent"
                        + " (HTTP 400 InvalidRequest" + suffix(serverMessage) + "); set " + SSE_C_KEY_OPTIONS
                        + " to the key the backup was written with";
            }
            if (code == null) {
                return what + " failed: HTTP 400 with no detail (a HEAD answer has no body); if the object was"
                        + " written with SSE-C, set " + SSE_C_KEY_OPTIONS + " to its key";
            }
        }
        if (code == null) {
            return what + " failed: HTTP " + status + suffix(serverMessage);
        }
        if (serverMessage.contains("Content-MD5") && serverMessage.contains("Object Lock")) {
            // A bucket's default retention makes S3 want Content-MD5, which we send only under our own lock options.
            return what + " failed: HTTP " + status + " " + code + suffix(serverMessage) + "; the bucket has a default"
                    + " Object Lock retention: set object_lock_mode and object_lock_retain_days, and the plugin sends"
                    + " Content-MD5";
        }
        return switch (code) {
            case "InvalidObjectState" -> "object " + target + " is archived (InvalidObjectState): restore it"
                    + " with RestoreObject first (aws s3api restore-object --bucket " + endpoint.bucket()
                    + " --key " + request.key() + " --restore-request Days=N), wait until it is readable, then retry";
            case "NoSuchBucket" -> "bucket '" + endpoint.bucket() + "' does not exist at " + endpoint.display();
            case "NoSuchKey" -> "object " + target + " does not exist";
            case "AccessDenied" -> what + " failed: access denied (AccessDenied); check the credentials"
                    + " and the bucket policy";
            case "InvalidAccessKeyId" -> "access key id '" + accessKeyId + "' is not known at "
                    + endpoint.display() + " (InvalidAccessKeyId)";
            case "SignatureDoesNotMatch" -> endpoint.display() + " rejected the request signature for access key id '"
                    + accessKeyId + "' (SignatureDoesNotMatch); check aws_secret_access_key";
            case "RequestTimeTooSkewed" -> "this host's clock differs too much from the server's"
                    + " (RequestTimeTooSkewed); synchronise the clock";
            case "PermanentRedirect", "AuthorizationHeaderMalformed", "IllegalLocationConstraintException" ->
                    "bucket '" + endpoint.bucket() + "' is in another region"
                            + bucketRegion.map(r -> " ('" + r + "'): set region: " + r).orElse("")
                            + " (" + code + ")";
            default -> what + " failed: HTTP " + status + " " + code + suffix(serverMessage);
        };
    }

    /** A HEAD or GET of an object (not a listing) sent without SSE-C's key headers. */
    private boolean readsObjectWithoutCustomerKey(S3Request request) {
        return (request.method().equals("GET") || request.method().equals("HEAD"))
                && !request.wirePath().equals(endpoint.bucketPath())
                && request.headers().stream().noneMatch(h -> h.getKey().equals(StoragePolicy.SSE_C_ALGORITHM));
    }

    /**
     * The config options whose headers this request carried, when the answer looks like a refusal
     * of them: a server without the feature (NotImplemented, InvalidArgument, InvalidRequest), a
     * bad or inaccessible KMS key, an unknown storage class. Empty when the request carried none
     * or the failure is of another kind.
     */
    private static Optional<String> refusedOptions(S3Request request, int status, String code, String serverMessage) {
        Set<String> options = new LinkedHashSet<>();
        for (var header : request.headers()) {
            String option = switch (header.getKey()) {
                case StoragePolicy.SSE -> "server_side_encryption";
                case StoragePolicy.SSE_KMS_KEY_ID -> "sse_kms_key_id";
                case StoragePolicy.SSE_CONTEXT -> "sse_kms_encryption_context";
                case StoragePolicy.SSE_BUCKET_KEY -> "sse_bucket_key";
                case StoragePolicy.SSE_C_ALGORITHM -> SSE_C_OPTIONS;
                case StoragePolicy.STORAGE_CLASS -> "storage_class";
                case StoragePolicy.LOCK_MODE -> "object_lock_mode/object_lock_retain_days";
                default -> null;
            };
            if (option != null) {
                options.add(option);
            }
        }
        if (options.isEmpty()) {
            return Optional.empty();
        }
        String lowerMessage = serverMessage.toLowerCase(Locale.ROOT);
        boolean refusal = status == 501
                || (code != null && (code.equals("NotImplemented") || code.equals("InvalidArgument")
                        || code.equals("InvalidRequest") || code.equals("InvalidStorageClass")
                        || code.equals("InvalidEncryptionAlgorithmError") || code.startsWith("KMS.")))
                || (status == 403 && lowerMessage.contains("kms"))
                || (status == 400 && code == null)
                // A wrong SSE-C key reads as a bare 403 to HEAD and GET.
                || (status == 403 && options.contains(SSE_C_OPTIONS) && !request.method().equals("PUT")
                        && !request.method().equals("POST"));
        return refusal ? Optional.of(String.join(", ", options)) : Optional.empty();
    }

    /** The server's message with any secret header value of the request cut out, should a server echo one. */
    private static String withoutSecrets(S3Request request, String serverMessage) {
        String message = serverMessage;
        for (var header : request.headers()) {
            if (header.getKey().equals(StoragePolicy.SSE_C_KEY) && !header.getValue().isEmpty()) {
                message = message.replace(header.getValue(), "****");
            }
        }
        return message;
    }

    /** The exception for a response body that stopped arriving. */
    S3Exception stalled(S3Request request, Duration idleLimit) {
        return new S3Exception(request.action() + " " + target(request) + " failed: no data from "
                + endpoint.display() + " for " + idleLimit.toSeconds() + " s (connection stalled)", 0, null);
    }

    /** The exception for a request that got no answer at all. */
    S3Exception fromTransport(S3Request request, Exception cause) {
        String reason;
        if (cause instanceof HttpConnectTimeoutException) {
            reason = "timed out connecting to " + endpoint.display();
        } else if (cause instanceof HttpTimeoutException) {
            reason = "no answer from " + endpoint.display() + " in time";
        } else if (cause instanceof ConnectException) {
            reason = "cannot connect to " + endpoint.display() + " (connection refused)";
        } else if (cause instanceof UnknownHostException) {
            reason = "unknown host in " + endpoint.display();
        } else if (cause instanceof SSLException) {
            reason = "TLS failure talking to " + endpoint.display() + ": " + cause.getMessage();
        } else {
            reason = "I/O error talking to " + endpoint.display() + ": "
                    + (cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage());
        }
        return new S3Exception(request.action() + " " + target(request) + " failed: " + reason, cause);
    }

    private String target(S3Request request) {
        return "s3://" + endpoint.bucket() + "/" + request.key();
    }

    private static String suffix(String serverMessage) {
        return serverMessage.isBlank() ? "" : ": " + serverMessage;
    }
}
