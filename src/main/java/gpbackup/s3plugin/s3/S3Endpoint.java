package gpbackup.s3plugin.s3;

import gpbackup.s3plugin.SettingException;
import gpbackup.s3plugin.auth.SigV4Encoding;
import java.net.URI;
import java.net.URISyntaxException;

/**
 * Where one bucket's objects are addressed.
 *
 * <p>With a configured endpoint (MinIO, ECS, S3Proxy) requests are path-style
 * ({@code scheme://host[:port]/bucket/key}); against AWS they are virtual-hosted
 * ({@code https://bucket.s3.region.amazonaws.com/key}), except for bucket names with dots,
 * which would not match the wildcard TLS certificate and so stay path-style.
 *
 * @param scheme    {@code http} or {@code https}
 * @param authority host, plus {@code :port} when the port is not the scheme's default;
 *                  exactly the Host header the JDK client sends, so the signature matches it
 * @param bucket    bucket name
 * @param pathStyle whether the bucket is the first path segment rather than part of the host
 */
public record S3Endpoint(String scheme, String authority, String bucket, boolean pathStyle) {

    /** Amazon S3 in {@code region}, the signing region already resolved. */
    public static S3Endpoint aws(String scheme, String region, String bucket) {
        String awsHost = "s3." + region + ".amazonaws.com";
        return bucket.contains(".")
                ? new S3Endpoint(scheme, awsHost, bucket, true)
                : new S3Endpoint(scheme, bucket + "." + awsHost, bucket, false);
    }

    /**
     * An S3-compatible store at {@code endpoint} (host, host:port or URL), path-style.
     *
     * @param defaultScheme the scheme when {@code endpoint} names none
     * @throws SettingException when {@code endpoint} is not a host, host:port or http(s) URL without a path
     */
    public static S3Endpoint configured(String endpoint, String defaultScheme, String bucket) {
        String text = endpoint.strip();
        // An explicit scheme in the endpoint wins over the encryption option.
        String withScheme = text.contains("://") ? text : defaultScheme + "://" + text;
        URI uri;
        try {
            uri = new URI(withScheme);
        } catch (URISyntaxException e) {
            throw new SettingException("endpoint '" + redacted(endpoint) + "' is not a host, host:port or URL");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new SettingException("endpoint '" + redacted(endpoint) + "' must use http or https");
        }
        if (uri.getHost() == null || uri.getRawUserInfo() != null
                || uri.getRawQuery() != null || uri.getRawFragment() != null
                || !(uri.getRawPath() == null || uri.getRawPath().isEmpty() || uri.getRawPath().equals("/"))) {
            throw new SettingException("endpoint '" + redacted(endpoint)
                    + "' must be a host, host:port or scheme://host[:port] without a path");
        }
        int port = uri.getPort();
        int defaultPort = scheme.equals("https") ? 443 : 80;
        String authority = port == -1 || port == defaultPort ? uri.getHost() : uri.getHost() + ":" + port;
        return new S3Endpoint(scheme, authority, bucket, true);
    }

    /** The endpoint text for messages, with any {@code user:password@} masked. */
    private static String redacted(String endpoint) {
        return endpoint.replaceAll("(?<=//)[^/@]*@", "****@").replaceAll("^[^/@]*@", "****@");
    }

    /** The wire path of an object (or of the bucket when {@code key} is empty), URI-encoded once. */
    public String path(String key) {
        String encodedKey = SigV4Encoding.encodePath(key);
        return pathStyle ? "/" + bucket + "/" + encodedKey : "/" + encodedKey;
    }

    /** The wire path of the bucket itself, for listing and batch delete. */
    public String bucketPath() {
        return pathStyle ? "/" + bucket : "/";
    }

    /** The full request URI for a wire path and an already-encoded query ("" for none). */
    public URI uri(String wirePath, String query) {
        return URI.create(scheme + "://" + authority + wirePath + (query.isEmpty() ? "" : "?" + query));
    }

    /** The endpoint as a DBA would recognise it in a message. */
    public String display() {
        return scheme + "://" + authority;
    }
}
