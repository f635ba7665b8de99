package gpbackup.s3plugin.s3;

import java.util.Map;

/**
 * What HEAD tells about an object: its size, its ETag (quotes included, as S3 sends it), its
 * user metadata ({@code x-amz-meta-NAME}, keyed by NAME in lower case), and what the store
 * reports of how it keeps it (encryption, class, lock, version).
 */
public record ObjectInfo(long size, String etag, Map<String, String> userMetadata, StorageReport stored) {
    public ObjectInfo {
        userMetadata = Map.copyOf(userMetadata);
    }

    /** An object known by a GET's answer, without user metadata, of which nothing else was reported. */
    public ObjectInfo(long size, String etag) {
        this(size, etag, Map.of(), StorageReport.NONE);
    }
}
