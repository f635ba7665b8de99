package gpbackup.s3plugin.s3;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * What one S3 request did, all its attempts together. Holds no secret: the access key id is the
 * public half of the credentials, and no signature, token or secret key is kept.
 *
 * @param started       when the first attempt began
 * @param operation     the S3 API name, such as {@code UploadPart}, as the client named its request
 * @param method        the HTTP method
 * @param bucket        the bucket addressed
 * @param key           the object key, the listing prefix, or "" for a bucket-level call
 * @param range         the Range header sent, such as {@code bytes=0-1048575}
 * @param status        the HTTP status of the last answer, 0 when none arrived
 * @param error         why the request failed: S3's error code, {@code HTTP <status>} for an answer without
 *                      one, or {@code Transport}, {@code Cancelled}, {@code Interrupted}, {@code Credentials};
 *                      empty when it succeeded
 * @param bytesSent     the request body's length (sent once per attempt)
 * @param bytesReceived the body a successful GET received (the object's bytes; a listing's XML)
 * @param duration      from the first attempt's start to the end, retry pauses included
 * @param retries       attempts after the first
 * @param requestId     the last answer's {@code x-amz-request-id}
 * @param extendedId    the last answer's {@code x-amz-id-2}
 * @param accessKeyId   the access key id that signed the last attempt; empty when none could be had
 */
public record RequestRecord(Instant started, String operation, String method, String bucket, String key,
                            Optional<String> range, int status, Optional<String> error, long bytesSent,
                            long bytesReceived, Duration duration, int retries, Optional<String> requestId,
                            Optional<String> extendedId, Optional<String> accessKeyId) {

    public boolean succeeded() {
        return error.isEmpty();
    }
}
