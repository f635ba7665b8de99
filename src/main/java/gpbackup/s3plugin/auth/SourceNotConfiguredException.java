package gpbackup.s3plugin.auth;

/**
 * A credential source is not configured on this host (its variables are unset, the default
 * profile has no credential settings): the chain passes on to the next source. Any other
 * {@link CredentialsException} from a source means it is configured and failed, and that stops
 * the chain, so an instance role never silently stands in for a role the DBA chose. Failing is
 * the default on purpose: a source has to say explicitly that it is absent.
 */
public final class SourceNotConfiguredException extends CredentialsException {
    private static final long serialVersionUID = 1L;

    public SourceNotConfiguredException(String message) {
        super(message);
    }

    public SourceNotConfiguredException(String message, Throwable cause) {
        super(message, cause);
    }
}
