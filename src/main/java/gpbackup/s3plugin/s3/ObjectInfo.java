package gpbackup.s3plugin.s3;

import java.util.Map;

/**
 * What HEAD tells about an object: its size, its ETag (quotes included, as S3 sends it), and its
 * user metadata ({@code x-amz-meta-NAME}), keyed by NAME in lower case.
 */
public record ObjectInfo(long size, String etag, Map<String, String> userMetadata) {
    public ObjectInfo {
        userMetadata = Map.copyOf(userMetadata);
    }

    /** An object without user metadata. */
    public ObjectInfo(long size, String etag) {
        this(size, etag, Map.of());
    }
}
