package gpbackup.s3plugin.auth;

/**
 * A shared AWS file ({@code ~/.aws/credentials} or {@code ~/.aws/config}) cannot be parsed. This
 * stops the credential chain instead of passing to the next source: a DBA who wrote a profile
 * means it to be used, and the instance role silently standing in would hide the mistake.
 */
final class MalformedProfileFileException extends CredentialsException {
    private static final long serialVersionUID = 1L;

    public MalformedProfileFileException(String message) {
        super(message);
    }
}
