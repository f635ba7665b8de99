package gpbackup.s3plugin.s3;

import gpbackup.s3plugin.PluginException;
import java.util.Optional;

/** S3 answered with an error, or could not be reached. The message is already DBA-readable. */
public final class S3Exception extends PluginException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String code;
    private final String refusedOptions;

    public S3Exception(String message, int status, String code) {
        this(message, status, code, null);
    }

    /** @param refusedOptions the config options whose headers the server refused, or null */
    S3Exception(String message, int status, String code, String refusedOptions) {
        super(message);
        this.status = status;
        this.code = code;
        this.refusedOptions = refusedOptions;
    }

    public S3Exception(String message, Throwable cause) {
        super(message, cause);
        this.status = 0;
        this.code = null;
        this.refusedOptions = null;
    }

    /** HTTP status, or 0 when no response arrived. */
    public int status() {
        return status;
    }

    /** S3's error code, such as {@code NoSuchKey}, when the response carried one. */
    public Optional<String> code() {
        return Optional.ofNullable(code);
    }

    /**
     * The config options (such as {@code server_side_encryption, sse_kms_key_id}) whose headers
     * the request carried when the answer looks like a refusal of them; empty otherwise.
     */
    public Optional<String> refusedOptions() {
        return Optional.ofNullable(refusedOptions);
    }

    public boolean isNotFound() {
        return status == 404;
    }
}
