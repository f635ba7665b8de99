package gpbackup.s3plugin.transfer;

/** One part of an uploaded object: its length and the SHA-256 that signed it, lower-case hex. */
public record PartDigest(long size, String sha256Hex) {
}
