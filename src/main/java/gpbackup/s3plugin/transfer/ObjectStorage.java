package gpbackup.s3plugin.transfer;

import gpbackup.s3plugin.s3.BodySink;
import gpbackup.s3plugin.s3.Cancellation;
import gpbackup.s3plugin.s3.ObjectInfo;
import gpbackup.s3plugin.s3.Payload;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The storage operations the transfer engine needs, and nothing else: a seam so the planner,
 * buffer pool, workers and in-order writer can be tested against memory, while how a request is
 * signed, sent and retried stays in {@code s3}. Failures are {@code S3Exception}s, as from S3.
 */
public interface ObjectStorage {
    /** How a DBA would name {@code key} in a message: {@code s3://bucket/key}. */
    String location(String key);

    /** PutObject of a whole small object with user metadata ({@code x-amz-meta-NAME}), which HEAD returns. */
    void putObject(String key, Payload body, Map<String, String> userMetadata);

    /** CreateMultipartUpload with user metadata ({@code x-amz-meta-NAME}) for the object it makes; returns the upload id. */
    String createMultipartUpload(String key, Map<String, String> userMetadata);

    /** UploadPart; returns the part's ETag. Stopped, or never sent, once {@code cancellation} is thrown. */
    String uploadPart(String key, String uploadId, int partNumber, Payload body, Cancellation cancellation);

    /** CompleteMultipartUpload with the parts' ETags in part order. */
    void completeMultipartUpload(String key, String uploadId, List<String> partEtags);

    /** AbortMultipartUpload. */
    void abortMultipartUpload(String key, String uploadId);

    /** HeadObject: size and ETag, and what the store reports of how it keeps the object. */
    ObjectInfo headObject(String key);

    /** The time by the clock that dates what is written (an Object Lock's retain-until counts from it). */
    Instant now();

    /**
     * Proves {@code key}, whose HEAD is {@code stored} and whose write began at {@code writeStarted},
     * is kept as the storage was asked to keep it (encryption, class, lock); returns the object
     * as last seen. Fails, having removed the object, when the store ignored what was asked.
     */
    ObjectInfo confirmStorage(String key, ObjectInfo stored, Instant writeStarted);

    /** GetObject of bytes {@code [start, endExclusive)} into {@code sink}, of version {@code ifMatch} when given. */
    void getRange(String key, long start, long endExclusive, Optional<String> ifMatch, BodySink sink,
                  Cancellation cancellation);

    /**
     * Whether ETags are MD5s of the data, so a multipart object's ETag follows from its parts'
     * (not so under SSE-KMS or SSE-C).
     */
    default boolean etagsAreMd5() {
        return true;
    }

    /** GetObject of the first {@code length} bytes (fewer when the object is shorter); returns the object's size and ETag. */
    ObjectInfo getFirstBytes(String key, long length, BodySink sink, Cancellation cancellation);
}
