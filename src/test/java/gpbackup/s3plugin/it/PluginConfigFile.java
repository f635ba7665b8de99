package gpbackup.s3plugin.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/** Writes plugin config files for tests, in the hand-written form or gpbackup's re-serialised form. */
public final class PluginConfigFile {
    private PluginConfigFile() {
    }

    /** Options for the test server with the given folder, plus any extra options. */
    public static Map<String, String> options(S3ProxyServer server, String bucket, String folder,
                                              Map<String, String> extra) {
        return options(server.endpoint(), S3ProxyServer.ACCESS_KEY, S3ProxyServer.SECRET_KEY, bucket, folder, extra);
    }

    /**
     * The tests' options for any store on loopback: plain http, the smallest parts S3 allows (RGW
     * refuses others below 5 MiB but the last, EntityTooSmall; the plugin's 5MB is 5 MiB).
     */
    public static Map<String, String> options(String endpoint, String accessKeyId, String secretKey, String bucket,
                                              String folder, Map<String, String> extra) {
        Map<String, String> options = new TreeMap<>();
        options.put("endpoint", endpoint);
        options.put("aws_access_key_id", accessKeyId);
        options.put("aws_secret_access_key", secretKey);
        options.put("bucket", bucket);
        options.put("folder", folder);
        options.put("encryption", "off");
        options.put("backup_multipart_chunksize", "5MB");
        options.put("restore_multipart_chunksize", "1MB");
        // Host agents a test leaves running (a setup without its cleanup) go away soon.
        options.put("agent_idle_timeout", "30");
        options.putAll(extra);
        return options;
    }

    /** The YAML a DBA writes by hand: unquoted values. */
    public static Path handWritten(Path dir, Map<String, String> options) throws IOException {
        StringBuilder yaml = new StringBuilder("executablepath: " + PluginRunner.executable() + "\noptions:\n");
        options.forEach((k, v) -> yaml.append("  ").append(k).append(": ").append(v).append('\n'));
        return write(dir, "s3-config.yaml", yaml.toString());
    }

    /**
     * The copy gpbackup hands to every host: keys sorted, {@code pgport} and
     * {@code backup_plugin_version} added, values that YAML would read as non-strings quoted.
     */
    public static Path gpbackupForm(Path dir, Map<String, String> options, String pluginVersion) throws IOException {
        Map<String, String> all = new TreeMap<>(options);
        all.put("pgport", "6000");
        all.put("backup_plugin_version", pluginVersion);
        StringBuilder yaml = new StringBuilder("executablepath: " + PluginRunner.executable() + "\noptions:\n");
        all.forEach((k, v) -> yaml.append("  ").append(k).append(": ").append(quoteLikeGoYaml(v)).append('\n'));
        return write(dir, "gpbackup_s3-config.yaml", yaml.toString());
    }

    private static String quoteLikeGoYaml(String value) {
        boolean ambiguous = value.matches("(?i)on|off|yes|no|true|false|y|n|~|null")
                || value.matches("-?[0-9]+(\\.[0-9]+)?");
        return ambiguous ? "\"" + value + "\"" : value;
    }

    private static Path write(Path dir, String name, String text) throws IOException {
        Files.createDirectories(dir);
        return Files.writeString(dir.resolve(name), text);
    }
}
