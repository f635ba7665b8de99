package gpbackup.s3plugin.cli;

import gpbackup.s3plugin.config.PluginConfig;
import gpbackup.s3plugin.log.PluginLog;
import gpbackup.s3plugin.s3.S3Client;

/** Where a command gets its S3 client: built for one process, or kept warm by the host agent. */
@FunctionalInterface
interface S3ClientSource {
    /** A client for {@code config}; {@code log} is the calling command's, for set-up warnings. */
    S3Client clientFor(PluginConfig config, PluginLog log);
}
