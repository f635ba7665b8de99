package gpbackup.s3plugin.command.check;

import gpbackup.s3plugin.s3.S3Endpoint;
import gpbackup.s3plugin.s3.S3Exception;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import javax.net.ssl.SSLException;

/**
 * Turns a failed S3 request of {@code check} into a checklist line: the S3 error code or the
 * network failure first, then what it means here and the fix. The request engine's messages are
 * already DBA-readable; this adds the fix, which depends on what the check was doing.
 *
 * @param endpoint    where the requests went
 * @param accessKeyId the key id that signed them (never the secret)
 * @param source      the credential source that gave the keys, for the fix
 */
record CheckDiagnosis(S3Endpoint endpoint, String accessKeyId, String source) {

    /**
     * @param name       the checklist item
     * @param permission the IAM action the request needs, such as {@code s3:ListBucket}
     * @param resource   what it acts on, such as {@code s3://bucket/folder/}
     */
    CheckResult of(String name, String permission, String resource, S3Exception e) {
        String code = e.code().orElse("");
        String key = "'" + accessKeyId + "'";
        return switch (code) {
            case "SignatureDoesNotMatch" -> CheckResult.failed(name, "SignatureDoesNotMatch: the secret key does not"
                    + " match the access key id " + key, "set the secret access key that belongs to " + key
                    + " where the keys come from (" + source + ")");
            case "InvalidAccessKeyId" -> CheckResult.failed(name, "InvalidAccessKeyId: access key id " + key
                    + " is not known at " + endpoint.display(), "use a key pair issued for " + endpoint.display()
                    + " (the keys come from " + source + "), or correct the endpoint");
            case "NoSuchBucket" -> CheckResult.failed(name, "NoSuchBucket: bucket '" + endpoint.bucket()
                    + "' does not exist at " + endpoint.display(), "create the bucket (the plugin never creates one)"
                    + " or correct 'bucket' in the config");
            case "AccessDenied" -> CheckResult.failed(name, "AccessDenied: key id " + key + " may not " + verb(permission)
                    + " " + resource, "grant " + permission + " on " + resource + " to the user or role of " + key
                    + " (bucket policy or IAM policy)");
            case "RequestTimeTooSkewed" -> CheckResult.failed(name, "RequestTimeTooSkewed: the server refused the"
                    + " request's time; this host's clock is too far from the server's (see clock below)",
                    "synchronise this host's clock (chronyd or ntpd); SigV4 allows 15 minutes of difference");
            case "PermanentRedirect", "AuthorizationHeaderMalformed", "IllegalLocationConstraintException" ->
                    CheckResult.failed(name, code + ": " + e.getMessage(),
                            "set 'region' in the config to the bucket's region");
            default -> e.status() == 0 ? unanswered(name, e) : answered(name, e);
        };
    }

    private CheckResult answered(String name, S3Exception e) {
        if (e.status() == 407) {
            return CheckResult.failed(name, "the proxy refused the request (HTTP 407)",
                    "set the user and password of the proxy in http_proxy or HTTPS_PROXY/HTTP_PROXY");
        }
        return CheckResult.failed(name, e.getMessage(), "see the server's answer on the line above; if it persists, ask the"
                + " administrator of " + endpoint.display());
    }

    /** No answer at all: the cause says whether the host, the port or TLS is at fault. */
    private CheckResult unanswered(String name, S3Exception e) {
        String host = endpoint.authority();
        // The JDK client reports a name it cannot resolve as a ConnectException caused by an
        // UnresolvedAddressException: the whole chain is searched for it before "refused" is said.
        for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
            if (cause instanceof UnknownHostException || cause instanceof UnresolvedAddressException) {
                return CheckResult.failed(name, "unresolved host: '" + host.replaceFirst(":[0-9]+$", "")
                        + "' is not known to this host's DNS", "correct 'endpoint' (or 'region') in the config,"
                        + " or this host's DNS setup (/etc/resolv.conf, /etc/hosts)");
            }
        }
        for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
            if (cause instanceof HttpConnectTimeoutException) {
                return CheckResult.failed(name, "timed out connecting to " + endpoint.display(),
                        "check that " + host + " is reachable from this host: a firewall, a route, or a proxy"
                                + " to set in http_proxy");
            }
            if (cause instanceof ConnectException) {
                return CheckResult.failed(name, "connection refused by " + endpoint.display()
                        + " (nothing listens there, or a firewall refuses)", "check the host and port of 'endpoint'"
                        + " and that the S3 server runs there; a proxy, if one is needed, goes in http_proxy");
            }
            if (cause instanceof SSLException) {
                return CheckResult.failed(name, "TLS failure talking to " + endpoint.display() + ": "
                        + cause.getMessage(), "if the server's certificate comes from a private CA, set"
                        + " 'ca_cert' to its PEM bundle; if the server speaks plain http, set 'encryption: off'");
            }
        }
        return CheckResult.failed(name, e.getMessage(), "check that " + endpoint.display()
                + " is an S3 endpoint reachable from this host");
    }

    private static String verb(String permission) {
        return switch (permission) {
            case "s3:ListBucket" -> "list";
            case "s3:GetObject" -> "read";
            case "s3:PutObject" -> "write";
            case "s3:DeleteObject" -> "delete";
            case "s3:GetBucketObjectLockConfiguration" -> "read the Object Lock configuration of";
            default -> "use";
        };
    }
}
