package gpbackup.s3plugin.cli;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.delete;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.http.RequestMethod;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import gpbackup.s3plugin.config.ConfigLoader;
import gpbackup.s3plugin.config.PluginConfig;
import gpbackup.s3plugin.config.StorageOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The AOT training's scratch object (spec/performance.md, "Warm code"): outside the backup's
 * prefix, with the config's encryption but neither its Object Lock nor its storage class, and
 * deleted at the end.
 */
class AotTrainingTest extends WireMockCommandFixture {
    private static final String DIR = "/data/master/gpseg-1/backups/20240101/20240101120000";

    @Override
    String moreOptions() {
        return """
                  max_request_retries: 0
                  server_side_encryption: aws:kms
                  sse_kms_key_id: alias/backups
                  storage_class: GLACIER
                  object_lock_mode: COMPLIANCE
                  object_lock_retain_days: 30
                """;
    }

    private int train() {
        Map<String, String> environment = Map.of("HOME", home.toString(), "HOSTNAME", "sdw1");
        return new Main(environment::get, InputStream.nullInputStream(), stdout,
                new PrintStream(stderr, true, StandardCharsets.UTF_8), Clock.systemUTC())
                .run(new String[] {"aot_training", config.toString(), DIR});
    }

    @Test
    void theTrainingsConfigKeepsTheEncryptionAndDropsObjectLockAndStorageClass() throws IOException {
        PluginConfig loaded = new ConfigLoader(Map.of("HOME", home.toString())::get).load(config);
        PluginConfig training = new AotTraining().configFor(loaded);
        StorageOptions storage = training.storage();
        assertEquals(Optional.of("aws:kms"), storage.serverSideEncryption());
        assertEquals(Optional.of("alias/backups"), storage.kmsKeyId());
        assertEquals(Optional.empty(), storage.storageClass());
        assertEquals(Optional.empty(), storage.objectLockMode());
        assertEquals(0, storage.objectLockRetainDays());
        assertEquals(loaded.withStorage(storage), training, "nothing but the storage options changes");
        assertEquals(Optional.of("COMPLIANCE"), loaded.storage().objectLockMode(), "the loaded config is untouched");
    }

    @Test
    void theScratchObjectIsWrittenOutsideTheBackupWithoutLockOrClassAndDeleted() {
        // A store that refuses the write (read-only credentials) ends the training early; it still deletes.
        server.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(403).withBody(
                "<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>")));
        server.stubFor(delete(urlPathMatching("/bucket/.*")).willReturn(aResponse().withStatus(204)));

        assertEquals(0, train(), stderr.toString(StandardCharsets.UTF_8));
        List<LoggedRequest> requests = server.findAll(anyRequestedFor(anyUrl()));
        String scratch = "/bucket/f/.gpbackup_s3_plugin_aot_training/sdw1-" + ProcessHandle.current().pid();
        LoggedRequest write = requests.get(0);
        assertTrue(write.getUrl().startsWith(scratch), write.getUrl());
        assertEquals("aws:kms", write.getHeader("x-amz-server-side-encryption"));
        assertEquals("alias/backups", write.getHeader("x-amz-server-side-encryption-aws-kms-key-id"));
        assertFalse(write.containsHeader("x-amz-object-lock-mode"), write.getHeaders().toString());
        assertFalse(write.containsHeader("x-amz-object-lock-retain-until-date"), write.getHeaders().toString());
        assertFalse(write.containsHeader("x-amz-storage-class"), write.getHeaders().toString());
        LoggedRequest last = requests.get(requests.size() - 1);
        assertEquals(RequestMethod.DELETE, last.getMethod());
        assertEquals(scratch, last.getUrl());
        requests.forEach(r -> assertFalse(r.getUrl().contains("/backups/"), r.getUrl()));
    }
}
