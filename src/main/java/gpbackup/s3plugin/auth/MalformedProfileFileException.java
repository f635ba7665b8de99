package gpbackup.s3plugin.auth;

/**
 * A shared AWS file ({@code ~/.aws/credentials} or {@code ~/.aws/config}) cannot be parsed. Like
 * any failure of a configured source it stops the credential chain (it is never a
 * {@link SourceNotConfiguredException}): a DBA who wrote a profile means it to be used, and the
 * instance role silently standing in would hide the mistake.
 */
final class MalformedProfileFileException extends CredentialsException {
    private static final long serialVersionUID = 1L;

    public MalformedProfileFileException(String message) {
        super(message);
    }
}
