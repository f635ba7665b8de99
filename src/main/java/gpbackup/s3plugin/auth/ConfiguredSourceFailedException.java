package gpbackup.s3plugin.auth;

/**
 * The chain stopped at a source that is configured and failed; the sources after it were not
 * asked. Its own type so that a caller (check's fix line) can tell "fix this source" from "no
 * source is configured" without reading the message.
 */
public final class ConfiguredSourceFailedException extends CredentialsException {
    private static final long serialVersionUID = 1L;
    private final String source;

    public ConfiguredSourceFailedException(String source, String message, Throwable cause) {
        super(message, cause);
        this.source = source;
    }

    /** The failed source as the chain names it, e.g. "web identity (role arn:..., environment)"; no secret. */
    public String source() {
        return source;
    }
}
