package gpbackup.s3plugin;

/**
 * A failure a DBA can act on. The message is printed as the single stderr line of a failed
 * command, so it must say what went wrong and never carry a secret, a token or a signature.
 */
public class PluginException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public PluginException(String message) {
        super(message);
    }

    public PluginException(String message, Throwable cause) {
        super(message, cause);
    }
}
