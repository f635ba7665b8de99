package gpbackup.s3plugin.cli;

import gpbackup.s3plugin.s3.Payload;
import gpbackup.s3plugin.transfer.DigestRecord;

/**
 * The digest record {@code backup_file} and {@code backup_data} store beside each backup file,
 * for {@code verify} (spec/layout.md). It is written after the object is complete and checked, so
 * a record never describes an object that is not there; a failure to write it fails the call, as
 * a backup whose proof is missing would look whole to gpbackup but not to verify.
 */
final class DigestRecords {
    private DigestRecords() {
    }

    static void store(PluginContext context, String key, DigestRecord record) {
        context.s3().putObject(KeyLayout.digestRecordKey(key), Payload.of(record.bytes()));
    }
}
