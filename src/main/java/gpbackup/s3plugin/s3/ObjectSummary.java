package gpbackup.s3plugin.s3;

import java.time.Instant;

/** One object of a listing: its key, size in bytes and LastModified (the epoch when the server sends none). */
public record ObjectSummary(String key, long size, Instant lastModified) {
}
