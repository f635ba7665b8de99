package gpbackup.s3plugin.kms;

import gpbackup.s3plugin.PluginException;

/**
 * A KMS call failed: refused, unreachable, or answered something unusable. The message is one line
 * naming the key, the operation and what it was for, and never holds key material, a credential or
 * a signature.
 */
public final class KmsException extends PluginException {
    private static final long serialVersionUID = 1L;

    private final String errorType;

    KmsException(String message, String errorType) {
        super(message);
        this.errorType = errorType;
    }

    KmsException(String message, Throwable cause) {
        super(message, cause);
        this.errorType = "";
    }

    /**
     * KMS's error type without its namespace, e.g. {@code AccessDeniedException} or {@code IncorrectKeyException};
     * empty when KMS gave none (unreachable, an HTML error page, an unusable success).
     */
    public String errorType() {
        return errorType;
    }
}
