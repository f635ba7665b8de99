package gpbackup.s3plugin.s3;

import java.util.OptionalInt;

/**
 * What HEAD with {@code ?partNumber=N} tells: that part's size, and the object's part count when
 * the server says ({@code x-amz-mp-parts-count}; S3 does for a multipart object, a store that
 * ignores partNumber does not).
 */
public record PartInfo(long size, OptionalInt partsCount) {
}
