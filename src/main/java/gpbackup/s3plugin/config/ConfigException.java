package gpbackup.s3plugin.config;

import gpbackup.s3plugin.PluginException;

/** The plugin config file is missing, unreadable, not YAML, or breaks a rule of the schema. */
public final class ConfigException extends PluginException {
    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
