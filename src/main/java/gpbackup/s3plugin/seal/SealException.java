package gpbackup.s3plugin.seal;

import gpbackup.s3plugin.PluginException;

/**
 * A sealed object or a key that cannot be used: a damaged or foreign header, a frame that does not
 * authenticate, a truncated object, a key missing from the ring, a key file that is not owner-only or
 * holds no valid key. The message names the object or file and what to do, and never carries key material.
 */
public final class SealException extends PluginException {
    private static final long serialVersionUID = 1L;

    public SealException(String message) {
        super(message);
    }
}
