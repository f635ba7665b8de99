package gpbackup.s3plugin.transfer;

import gpbackup.s3plugin.s3.BodySink;
import gpbackup.s3plugin.s3.Cancellation;
import gpbackup.s3plugin.s3.ObjectInfo;
import gpbackup.s3plugin.s3.Payload;
import gpbackup.s3plugin.s3.S3Client;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The transfer engine's storage: S3, through the one {@link S3Client} of the process or call. */
public record S3Storage(S3Client s3) implements ObjectStorage {
    @Override
    public String location(String key) {
        return "s3://" + s3.endpoint().bucket() + "/" + key;
    }

    @Override
    public void putObject(String key, Payload body, Map<String, String> userMetadata) {
        s3.putObject(key, body, userMetadata);
    }

    @Override
    public String createMultipartUpload(String key, Map<String, String> userMetadata) {
        return s3.createMultipartUpload(key, userMetadata);
    }

    @Override
    public String uploadPart(String key, String uploadId, int partNumber, Payload body, Cancellation cancellation) {
        return s3.uploadPart(key, uploadId, partNumber, body, cancellation);
    }

    @Override
    public void completeMultipartUpload(String key, String uploadId, List<String> partEtags) {
        s3.completeMultipartUpload(key, uploadId, partEtags);
    }

    @Override
    public void abortMultipartUpload(String key, String uploadId) {
        s3.abortMultipartUpload(key, uploadId);
    }

    @Override
    public boolean etagsAreMd5() {
        return s3.policy().etagsAreMd5();
    }

    @Override
    public ObjectInfo headObject(String key) {
        return s3.headObject(key);
    }

    @Override
    public Instant now() {
        return s3.clock().instant();
    }

    @Override
    public ObjectInfo confirmStorage(String key, ObjectInfo stored, Instant writeStarted) {
        return s3.confirmStorage(key, stored, writeStarted);
    }

    @Override
    public void getRange(String key, long start, long endExclusive, Optional<String> ifMatch, BodySink sink,
                         Cancellation cancellation) {
        s3.getRange(key, start, endExclusive, ifMatch, sink, cancellation);
    }

    @Override
    public ObjectInfo getFirstBytes(String key, long length, BodySink sink, Cancellation cancellation) {
        return s3.getFirstBytes(key, length, sink, cancellation);
    }
}
