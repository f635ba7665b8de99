package gpbackup.s3plugin;

/**
 * A setting the DBA gave (an endpoint, a proxy, a CA bundle, from the config or the environment)
 * cannot be used. Thrown below the config layer, which the lower layers do not know.
 */
public final class SettingException extends PluginException {
    private static final long serialVersionUID = 1L;

    public SettingException(String message) {
        super(message);
    }

    public SettingException(String message, Throwable cause) {
        super(message, cause);
    }
}
