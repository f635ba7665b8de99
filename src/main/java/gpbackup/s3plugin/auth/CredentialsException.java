package gpbackup.s3plugin.auth;

import gpbackup.s3plugin.PluginException;

/** No usable credentials could be found, or a credentials source is malformed. */
public class CredentialsException extends PluginException {
    private static final long serialVersionUID = 1L;

    public CredentialsException(String message) {
        super(message);
    }

    public CredentialsException(String message, Throwable cause) {
        super(message, cause);
    }
}
