package gpbackup.s3plugin.backup;

import gpbackup.s3plugin.s3.Payload;
import gpbackup.s3plugin.s3.S3Client;
import gpbackup.s3plugin.transfer.StreamUploader.Upload;

/**
 * The digest record {@code backup_file} and {@code backup_data} store beside each backup file
 * uploaded in parts, for {@code verify} (spec/layout.md); a single-part object carries its digest
 * in its own metadata and gets no record, which spares a request per table. It is written after the object is complete and checked, so
 * a record never describes an object that is not there; a failure to write it fails the call, as
 * a backup whose proof is missing would look whole to gpbackup but not to verify.
 */
public final class DigestRecordStore {
    private DigestRecordStore() {
    }

    /** Stores the digest record of {@code key}'s upload, where it needs one. */
    public static void store(S3Client s3, String key, Upload upload) {
        if (upload.needsRecord()) {
            s3.putObjectConfirmed(KeyLayout.digestRecordKey(key), Payload.of(upload.digests().bytes()));
        }
    }
}
