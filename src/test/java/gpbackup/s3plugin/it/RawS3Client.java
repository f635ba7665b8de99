package gpbackup.s3plugin.it;

import gpbackup.s3plugin.auth.Credentials;
import gpbackup.s3plugin.auth.SigV4Encoding;
import gpbackup.s3plugin.auth.SigV4Signer;
import gpbackup.s3plugin.auth.SignableRequest;
import gpbackup.s3plugin.auth.SignedRequest;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * "Another client" for interoperability checks: single signed requests built by hand, sharing
 * nothing with the plugin's S3 client, retries or transfer engine (only the signer).
 */
public final class RawS3Client {
    private final HttpClient http;
    private final String endpoint;
    private final String host;
    private final Credentials credentials;
    private final SigV4Signer signer = SigV4Signer.forS3("us-east-1");

    /** A client of the tests' S3Proxy, signing with its keys. */
    public RawS3Client(String endpoint) {
        this(endpoint, (TestCertificate) null);
    }

    /** A client that also trusts the given test certificate, for a server on https. */
    public RawS3Client(String endpoint, TestCertificate certificate) {
        this(endpoint, certificate, Credentials.of(S3ProxyServer.ACCESS_KEY, S3ProxyServer.SECRET_KEY, null));
    }

    /** A client of another plain-http store (Ceph RGW), signing with that store's keys. */
    public RawS3Client(String endpoint, Credentials credentials) {
        this(endpoint, null, credentials);
    }

    private RawS3Client(String endpoint, TestCertificate certificate, Credentials credentials) {
        this.credentials = credentials;
        HttpClient.Builder builder = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1);
        if (certificate != null) {
            builder.sslContext(gpbackup.s3plugin.http.TrustedCertificates.withExtraAuthorities(certificate.pem()));
        }
        this.http = builder.build();
        this.endpoint = endpoint;
        this.host = URI.create(endpoint).getAuthority();
    }

    public void createBucket(String bucket) throws IOException, InterruptedException {
        HttpResponse<String> response = send("PUT", "/" + bucket, "", new byte[0]);
        if (response.statusCode() != 200) {
            throw new IOException("create bucket " + bucket + ": HTTP " + response.statusCode() + " " + response.body());
        }
    }

    public void put(String bucket, String key, byte[] body) throws IOException, InterruptedException {
        put(bucket, key, body, List.of());
    }

    /** PutObject with extra headers, signed (user metadata, for one). */
    public void put(String bucket, String key, byte[] body, List<Map.Entry<String, String>> headers)
            throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(signed("PUT", "/" + bucket + "/" + SigV4Encoding.encodePath(key), "",
                body, headers), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("PUT " + key + ": HTTP " + response.statusCode() + " " + response.body());
        }
    }

    /** The object's bytes, or null when it does not exist. */
    public byte[] get(String bucket, String key) throws IOException, InterruptedException {
        HttpRequest request = signed("GET", "/" + bucket + "/" + SigV4Encoding.encodePath(key), "", new byte[0]);
        HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        if (response.statusCode() == 404) {
            return null;
        }
        if (response.statusCode() != 200) {
            throw new IOException("GET " + key + ": HTTP " + response.statusCode());
        }
        return response.body();
    }

    /** The object's ETag as HEAD reports it, quotes included. */
    public String etag(String bucket, String key) throws IOException, InterruptedException {
        HttpRequest request = signed("HEAD", "/" + bucket + "/" + SigV4Encoding.encodePath(key), "", new byte[0]);
        HttpResponse<Void> response = http.send(request, HttpResponse.BodyHandlers.discarding());
        if (response.statusCode() != 200) {
            throw new IOException("HEAD " + key + ": HTTP " + response.statusCode());
        }
        return response.headers().firstValue("ETag").orElseThrow();
    }

    /** The headers HEAD answers for an object. */
    public java.net.http.HttpHeaders headers(String bucket, String key) throws IOException, InterruptedException {
        HttpRequest request = signed("HEAD", "/" + bucket + "/" + SigV4Encoding.encodePath(key), "", new byte[0]);
        HttpResponse<Void> response = http.send(request, HttpResponse.BodyHandlers.discarding());
        if (response.statusCode() != 200) {
            throw new IOException("HEAD " + key + ": HTTP " + response.statusCode());
        }
        return response.headers();
    }

    /** Keys under a prefix (first page, up to 1,000; enough for the tests that use it). */
    public List<String> keys(String bucket, String prefix) throws IOException, InterruptedException {
        HttpResponse<String> response = send("GET", "/" + bucket,
                "list-type=2&prefix=" + SigV4Encoding.encode(prefix), new byte[0]);
        if (response.statusCode() != 200) {
            throw new IOException("list: HTTP " + response.statusCode());
        }
        return java.util.regex.Pattern.compile("<Key>([^<]*)</Key>").matcher(response.body()).results()
                .map(m -> m.group(1).replace("&amp;", "&")).toList();
    }

    /** Deletes one object (S3 answers 204 whether or not it existed). */
    public void delete(String bucket, String key) throws IOException, InterruptedException {
        HttpResponse<String> response = send("DELETE", "/" + bucket + "/" + SigV4Encoding.encodePath(key), "", new byte[0]);
        if (response.statusCode() != 204 && response.statusCode() != 200) {
            throw new IOException("DELETE " + key + ": HTTP " + response.statusCode() + " " + response.body());
        }
    }

    /** Keys of the multipart uploads still open under a prefix (ListMultipartUploads, first page). */
    public List<String> openUploads(String bucket, String prefix) throws IOException, InterruptedException {
        HttpResponse<String> response = send("GET", "/" + bucket, "prefix=" + SigV4Encoding.encode(prefix) + "&uploads=",
                new byte[0]);
        if (response.statusCode() != 200) {
            throw new IOException("list uploads: HTTP " + response.statusCode() + " " + response.body());
        }
        return java.util.regex.Pattern.compile("<Upload>.*?<Key>([^<]*)</Key>", java.util.regex.Pattern.DOTALL)
                .matcher(response.body()).results().map(m -> m.group(1).replace("&amp;", "&")).toList();
    }

    /** Starts a multipart upload and leaves it open; returns its upload id. */
    public String startUpload(String bucket, String key) throws IOException, InterruptedException {
        HttpResponse<String> response = send("POST", "/" + bucket + "/" + SigV4Encoding.encodePath(key), "uploads=",
                new byte[0]);
        if (response.statusCode() != 200) {
            throw new IOException("create upload: HTTP " + response.statusCode() + " " + response.body());
        }
        return response.body().replaceAll("(?s).*<UploadId>([^<]*)</UploadId>.*", "$1");
    }

    /** Aborts a multipart upload. */
    public void abortUpload(String bucket, String key, String uploadId) throws IOException, InterruptedException {
        HttpResponse<String> response = send("DELETE", "/" + bucket + "/" + SigV4Encoding.encodePath(key),
                "uploadId=" + SigV4Encoding.encode(uploadId), new byte[0]);
        if (response.statusCode() != 204 && response.statusCode() != 200) {
            throw new IOException("abort upload: HTTP " + response.statusCode() + " " + response.body());
        }
    }

    /** Uploads one part of an open multipart upload; returns its ETag. */
    public String uploadPart(String bucket, String key, String uploadId, int partNumber, byte[] body)
            throws IOException, InterruptedException {
        HttpRequest request = signed("PUT", "/" + bucket + "/" + SigV4Encoding.encodePath(key),
                "partNumber=" + partNumber + "&uploadId=" + SigV4Encoding.encode(uploadId), body);
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("upload part: HTTP " + response.statusCode() + " " + response.body());
        }
        return response.headers().firstValue("ETag").orElseThrow();
    }

    /** Completes a multipart upload with its parts' ETags in order. */
    public void completeUpload(String bucket, String key, String uploadId, List<String> etags)
            throws IOException, InterruptedException {
        StringBuilder xml = new StringBuilder("<CompleteMultipartUpload>");
        for (int i = 0; i < etags.size(); i++) {
            xml.append("<Part><PartNumber>").append(i + 1).append("</PartNumber><ETag>")
                    .append(etags.get(i).replace("\"", "&quot;")).append("</ETag></Part>");
        }
        HttpResponse<String> response = send("POST", "/" + bucket + "/" + SigV4Encoding.encodePath(key),
                "uploadId=" + SigV4Encoding.encode(uploadId),
                xml.append("</CompleteMultipartUpload>").toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        if (response.statusCode() != 200 || response.body().contains("<Error>")) {
            throw new IOException("complete upload: HTTP " + response.statusCode() + " " + response.body());
        }
    }

    /**
     * One signed request as given, with the whole answer (status, headers, body) for the test to
     * read: the headers a store sent back are what prove it applied a setting.
     */
    public HttpResponse<String> exchange(String method, String path, String query,
                                         List<Map.Entry<String, String>> headers, byte[] body)
            throws IOException, InterruptedException {
        return http.send(signed(method, path, query, body, headers), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> send(String method, String path, String query, byte[] body)
            throws IOException, InterruptedException {
        return http.send(signed(method, path, query, body), HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest signed(String method, String path, String query, byte[] body) {
        return signed(method, path, query, body, List.of());
    }

    private HttpRequest signed(String method, String path, String query, byte[] body,
                               List<Map.Entry<String, String>> headers) {
        SignedRequest signed = signer.sign(
                new SignableRequest(method, host, path, query, headers, sha256(body)), credentials, Instant.now());
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(endpoint + path + (query.isEmpty() ? "" : "?" + query)))
                .method(method, HttpRequest.BodyPublishers.ofByteArray(body));
        for (Map.Entry<String, String> header : headers) {
            builder.header(header.getKey(), header.getValue());
        }
        for (Map.Entry<String, String> header : signed.headersToAdd()) {
            builder.header(header.getKey(), header.getValue());
        }
        return builder.build();
    }

    private static String sha256(byte[] body) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
