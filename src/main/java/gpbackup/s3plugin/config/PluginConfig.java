package gpbackup.s3plugin.config;

import gpbackup.s3plugin.seal.KeyRing;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A validated plugin config: the YAML file gpbackup hands to every plugin call.
 *
 * @param executablePath  the plugin executable, with {@code $VAR} expanded
 * @param bucket          bucket name
 * @param folder          key prefix under which backups live, without trailing slashes
 * @param region          AWS region, if configured
 * @param endpoint        S3-compatible endpoint as written (host, host:port or URL), if configured
 * @param encryption      false only when the config says {@code encryption: off} (any case): then plain http
 * @param accessKeyId     static access key id, if configured (always together with the secret)
 * @param secretAccessKey static secret key, if configured; never printed
 * @param sessionToken    session token of temporary static keys, if configured (only with both keys); never printed
 * @param httpProxy       proxy URL, if configured; may carry a password, so never printed
 * @param backup          part size and concurrency of uploads
 * @param restore         part size and concurrency of downloads
 * @param maxRequestRetries how often one failed request is retried
 * @param restoreSubset   true when {@code restore_subset: on}: gprestore then calls restore_data_subset
 * @param caCert          a PEM bundle of extra certificate authorities to trust, if configured
 * @param memoryBudget    bytes of part buffers one plugin process may hold, all transfers together
 * @param agent           whether the setup hooks start a host agent, and when it exits unused
 * @param storage         server-side encryption, storage class and Object Lock of the objects written
 * @param auditLog        the file that gets one JSON line per S3 request, {@code $VAR} expanded, if configured
 * @param maxBandwidth    bytes per second all transfers of a process, or of a host agent's calls, take together
 * @param sealingKeys     the master keys when {@code client_side_encryption: on}: the first seals what is written,
 *                        any opens; never printed
 */
public record PluginConfig(
        String executablePath,
        String bucket,
        String folder,
        Optional<String> region,
        Optional<String> endpoint,
        boolean encryption,
        Optional<String> accessKeyId,
        Optional<String> secretAccessKey,
        Optional<String> sessionToken,
        Optional<String> httpProxy,
        TransferSettings backup,
        TransferSettings restore,
        int maxRequestRetries,
        boolean restoreSubset,
        Optional<String> caCert,
        long memoryBudget,
        AgentSettings agent,
        StorageOptions storage,
        Optional<String> auditLog,
        OptionalLong maxBandwidth,
        Optional<KeyRing> sealingKeys) {

    /** This config with other storage options; everything else, credentials and audit log included, as it is. */
    public PluginConfig withStorage(StorageOptions other) {
        return new PluginConfig(executablePath, bucket, folder, region, endpoint, encryption, accessKeyId,
                secretAccessKey, sessionToken, httpProxy, backup, restore, maxRequestRetries, restoreSubset, caCert,
                memoryBudget, agent, other, auditLog, maxBandwidth, sealingKeys);
    }

    @Override
    public String toString() {
        return "PluginConfig[executablePath=" + executablePath
                + ", bucket=" + bucket
                + ", folder=" + folder
                + ", region=" + region.orElse("")
                + ", endpoint=" + endpoint.orElse("")
                + ", encryption=" + (encryption ? "on" : "off")
                + ", accessKeyId=" + accessKeyId.orElse("")
                + ", secretAccessKey=" + (secretAccessKey.isPresent() ? "****" : "")
                + ", sessionToken=" + (sessionToken.isPresent() ? "****" : "")
                + ", httpProxy=" + (httpProxy.isPresent() ? "****" : "")
                + ", backup=" + backup
                + ", restore=" + restore
                + ", maxRequestRetries=" + maxRequestRetries
                + ", restoreSubset=" + restoreSubset
                + ", caCert=" + caCert.orElse("")
                + ", memoryBudget=" + memoryBudget
                + ", agent=" + agent
                + ", storage=" + storage
                + ", auditLog=" + auditLog.orElse("")
                + ", maxBandwidth=" + (maxBandwidth.isPresent() ? maxBandwidth.getAsLong() : "")
                + ", clientSideEncryption=" + (sealingKeys.isPresent() ? "on" : "off") + "]";
    }
}
