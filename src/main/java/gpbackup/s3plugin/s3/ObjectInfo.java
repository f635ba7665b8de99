package gpbackup.s3plugin.s3;

/** What HEAD tells about an object: its size and its ETag (quotes included, as S3 sends it). */
public record ObjectInfo(long size, String etag) {
}
