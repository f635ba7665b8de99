package gpbackup.s3plugin.s3;

import gpbackup.s3plugin.PluginException;
import java.util.Optional;

/** S3 answered with an error, or could not be reached. The message is already DBA-readable. */
public final class S3Exception extends PluginException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String code;

    public S3Exception(String message, int status, String code) {
        super(message);
        this.status = status;
        this.code = code;
    }

    public S3Exception(String message, Throwable cause) {
        super(message, cause);
        this.status = 0;
        this.code = null;
    }

    /** HTTP status, or 0 when no response arrived. */
    public int status() {
        return status;
    }

    /** S3's error code, such as {@code NoSuchKey}, when the response carried one. */
    public Optional<String> code() {
        return Optional.ofNullable(code);
    }

    public boolean isNotFound() {
        return status == 404;
    }
}
