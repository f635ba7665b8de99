package gpbackup.s3plugin;

/** The command line is wrong: unknown command, wrong argument count, malformed argument. */
public final class UsageException extends PluginException {
    private static final long serialVersionUID = 1L;

    public UsageException(String message) {
        super(message);
    }
}
