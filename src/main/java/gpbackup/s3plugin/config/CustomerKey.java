package gpbackup.s3plugin.config;

/**
 * An SSE-C key as read from its file or environment variable: 32 bytes, held as base64 so
 * that two loads of the same config are equal. A secret: {@link #toString()} shows only
 * where it came from.
 *
 * @param base64 the 256-bit key, base64
 * @param source where it was read, for messages: {@code file /path} or {@code environment variable NAME}
 */
public record CustomerKey(String base64, String source) {
    @Override
    public String toString() {
        return "CustomerKey[source=" + source + ", key=****]";
    }
}
