package gpbackup.s3plugin.s3;

import java.util.List;
import java.util.Map;

/**
 * One S3 call before signing.
 *
 * @param operation the S3 API operation, such as {@code UploadPart}, as the audit trail names it
 * @param action    what the call does, for messages ("upload part 3 of", "download")
 * @param method    HTTP method
 * @param key       object key, or "" for a bucket-level call
 * @param wirePath  the URI-encoded path as sent
 * @param query     the URI-encoded query as sent, "" for none
 * @param headers   extra headers, all signed
 * @param payload   the body
 */
record S3Request(String operation, String action, String method, String key, String wirePath, String query,
                 List<Map.Entry<String, String>> headers, Payload payload) {
}
