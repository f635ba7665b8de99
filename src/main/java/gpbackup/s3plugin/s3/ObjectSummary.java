package gpbackup.s3plugin.s3;

/** One object of a listing: its key and size in bytes. */
public record ObjectSummary(String key, long size) {
}
