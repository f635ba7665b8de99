package gpbackup.s3plugin.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gpbackup.s3plugin.SettingException;
import java.net.URI;
import org.junit.jupiter.api.Test;

/** Wire paths and URIs for path-style and virtual-hosted addressing. */
class S3EndpointTest {
    private final S3Endpoint pathStyle = new S3Endpoint("http", "127.0.0.1:9000", "bucket", true);
    private final S3Endpoint virtualHosted = new S3Endpoint("https", "bucket.s3.eu-west-1.amazonaws.com", "bucket", false);

    @Test
    void pathStylePutsTheBucketFirstAndEncodesTheKeyOnce() {
        assertEquals("/bucket/a%20b/c%2Bd/%E2%82%AC", pathStyle.path("a b/c+d/€"));
        assertEquals("/bucket", pathStyle.bucketPath());
        assertEquals(URI.create("http://127.0.0.1:9000/bucket/a%20b?uploads="),
                pathStyle.uri(pathStyle.path("a b"), "uploads="));
        assertEquals("http://127.0.0.1:9000", pathStyle.display());
    }

    @Test
    void virtualHostedLeavesTheBucketInTheHost() {
        assertEquals("/folder/%25file", virtualHosted.path("folder/%file"));
        assertEquals("/", virtualHosted.bucketPath());
        assertEquals(URI.create("https://bucket.s3.eu-west-1.amazonaws.com/?list-type=2"),
                virtualHosted.uri(virtualHosted.bucketPath(), "list-type=2"));
    }

    @Test
    void uriOfAnEncodedPathKeepsItEncoded() {
        URI uri = pathStyle.uri(pathStyle.path("x y/ü"), "");
        assertEquals("/bucket/x%20y/%C3%BC", uri.getRawPath());
        assertEquals(null, uri.getRawQuery());
    }

    @Test
    void awsIsVirtualHostedExceptForDottedBuckets() {
        assertEquals(virtualHosted, S3Endpoint.aws("https", "eu-west-1", "bucket"));
        assertEquals(new S3Endpoint("https", "s3.eu-west-1.amazonaws.com", "my.bucket", true),
                S3Endpoint.aws("https", "eu-west-1", "my.bucket"));
    }

    @Test
    void aConfiguredEndpointIsPathStyleAndItsOwnSchemeWins() {
        assertEquals(pathStyle, S3Endpoint.configured("127.0.0.1:9000", "http", "bucket"));
        assertEquals(new S3Endpoint("https", "minio", "bucket", true),
                S3Endpoint.configured("https://minio:443/", "http", "bucket"));
    }

    @Test
    void aConfiguredEndpointWithAPathIsASettingErrorThatHidesItsPassword() {
        SettingException e = assertThrows(SettingException.class,
                () -> S3Endpoint.configured("http://user:pw@minio:9000/x", "http", "bucket"));
        assertTrue(e.getMessage().contains("****@minio:9000/x"), e.getMessage());
    }
}
