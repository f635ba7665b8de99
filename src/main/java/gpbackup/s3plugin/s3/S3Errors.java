package gpbackup.s3plugin.s3;

import gpbackup.s3plugin.xml.XmlElement;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Optional;
import javax.net.ssl.SSLException;

/** Turns S3's error answers and transport failures into messages a DBA can act on. */
final class S3Errors {
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
        if (code == null) {
            code = switch (status) {
                // A bucket-level call (listing, batch delete) carries a prefix as its key, not an object.
                case 404 -> request.wirePath().equals(endpoint.bucketPath()) ? "NoSuchBucket" : "NoSuchKey";
                case 403 -> "AccessDenied";
                case 301 -> "PermanentRedirect";
                default -> null;
            };
        }
        return new S3Exception(describe(request, status, code, serverMessage, region, accessKeyId),
                status, code);
    }

    private String describe(S3Request request, int status, String code, String serverMessage,
                            Optional<String> bucketRegion, String accessKeyId) {
        String target = target(request);
        String what = request.action() + " " + target;
        if (status == 407) {
            return what + " failed: the proxy refused the request (HTTP 407 Proxy Authentication Required);"
                    + " check the user and password of http_proxy or HTTPS_PROXY";
        }
        if (code == null) {
            return what + " failed: HTTP " + status + suffix(serverMessage);
        }
        return switch (code) {
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
