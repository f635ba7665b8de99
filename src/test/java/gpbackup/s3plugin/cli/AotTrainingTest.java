package gpbackup.s3plugin.cli;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.delete;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.head;
import static com.github.tomakehurst.wiremock.client.WireMock.ok;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import com.github.tomakehurst.wiremock.http.RequestMethod;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import gpbackup.s3plugin.command.plugin.AotTraining;
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
                new PrintStream(stderr, true, StandardCharsets.UTF_8), Clock.systemUTC(), false)
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

    @Test
    void inAVersionedBucketEachVersionWrittenIsDeleted() {
        server.stubFor(post(urlPathMatching("/bucket/.*")).withQueryParam("uploads", equalTo(""))
                .willReturn(ok("<InitiateMultipartUploadResult><UploadId>u</UploadId></InitiateMultipartUploadResult>")));
        server.stubFor(put(urlPathMatching("/bucket/.*")).willReturn(ok().withHeader("ETag", "\"p\"")));
        server.stubFor(post(urlPathMatching("/bucket/.*")).withQueryParam("uploadId", equalTo("u"))
                .willReturn(ok("<CompleteMultipartUploadResult><ETag>\"e-2\"</ETag></CompleteMultipartUploadResult>")));
        for (int i = 1; i <= 2; i++) {
            server.stubFor(head(urlPathMatching("/bucket/.*")).inScenario("versions")
                    .whenScenarioStateIs(i == 1 ? STARTED : "second").willSetStateTo("second")
                    .willReturn(ok().withHeader("Content-Length", String.valueOf(17L << 20)).withHeader("ETag", "\"e-2\"")
                            .withHeader("x-amz-version-id", "v" + i)
                            .withHeader("x-amz-server-side-encryption", "aws:kms")
                            .withHeader("x-amz-server-side-encryption-aws-kms-key-id",
                                    "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab")));
        }
        // Reading back is refused: the training stops there and still deletes what it wrote.
        server.stubFor(get(urlPathMatching("/bucket/.*")).willReturn(aResponse().withStatus(403).withBody(
                "<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>")));
        server.stubFor(delete(urlPathMatching("/bucket/.*")).willReturn(aResponse().withStatus(204)));

        assertEquals(0, train(), stderr.toString(StandardCharsets.UTF_8));
        String scratch = "/bucket/f/.gpbackup_s3_plugin_aot_training/sdw1-" + ProcessHandle.current().pid();
        assertEquals(List.of(scratch + "?versionId=v1", scratch + "?versionId=v2"),
                server.findAll(anyRequestedFor(anyUrl())).stream().filter(r -> RequestMethod.DELETE.equals(r.getMethod()))
                        .map(LoggedRequest::getUrl).toList());
    }
}
