package gpbackup.s3plugin.s3;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.delete;
import static com.github.tomakehurst.wiremock.client.WireMock.deleteRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.head;
import static com.github.tomakehurst.wiremock.client.WireMock.ok;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.putRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * After a write, the store's HEAD is the proof (spec/s3.md, "Proved by the store's answer"): a
 * lock it ignored is applied with PutObjectRetention, anything else it ignored deletes the
 * object's version and fails in one line.
 */
class S3ClientStorageProofTest {
    private static final String KEY = "folder/k";
    private static final String PATH = "/bucket/folder/k";
    private static final Instant NOW = Instant.parse("2026-03-01T10:20:30Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    private static final StoragePolicy.ObjectLock LOCK = new StoragePolicy.ObjectLock("GOVERNANCE", 1);
    private static final String UNTIL = "2026-03-02T10:20:30Z";

    @RegisterExtension
    final WireMockExtension server = WireMockExtension.newInstance().options(WireMockS3.serverOptions()).build();

    private S3Client client(Optional<String> sse, Optional<StoragePolicy.ObjectLock> lock) {
        return WireMockS3.client(server.getPort(), new StoragePolicy(sse, Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.empty(), lock), CLOCK);
    }

    private ObjectInfo headOf(S3Client client) {
        return client.headObject(KEY);
    }

    @Test
    void aLockTheStoreIgnoredIsAppliedToTheVersionWrittenAndAskedAgain() throws Exception {
        server.stubFor(head(urlEqualTo(PATH)).inScenario("lock").whenScenarioStateIs(STARTED)
                .willReturn(ok().withHeader("Content-Length", "5").withHeader("x-amz-version-id", "v 1")));
        server.stubFor(put(urlEqualTo("/bucket/folder/k?retention=&versionId=v%201")).inScenario("lock")
                .willReturn(ok()).willSetStateTo("locked"));
        server.stubFor(head(urlEqualTo(PATH)).inScenario("lock").whenScenarioStateIs("locked")
                .willReturn(ok().withHeader("Content-Length", "5").withHeader("x-amz-version-id", "v 1")
                        .withHeader("x-amz-object-lock-mode", "GOVERNANCE")
                        .withHeader("x-amz-object-lock-retain-until-date", UNTIL)));
        S3Client client = client(Optional.empty(), Optional.of(LOCK));

        StorageConfirmation confirmation = client.proveStorage(KEY, headOf(client), NOW);

        assertTrue(confirmation.lockApplied());
        assertTrue(confirmation.unkept().isEmpty(), confirmation.toString());
        LoggedRequest retention = server.findAll(putRequestedFor(anyUrl())).get(0);
        String xml = retention.getBodyAsString();
        assertEquals("<Retention xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Mode>GOVERNANCE</Mode>"
                + "<RetainUntilDate>" + UNTIL + "</RetainUntilDate></Retention>", xml);
        assertEquals(Base64.getEncoder().encodeToString(MessageDigest.getInstance("MD5")
                .digest(xml.getBytes(StandardCharsets.UTF_8))), retention.getHeader("Content-MD5"));
    }

    @Test
    void aLockStillMissingAfterPutObjectRetentionFailsTheUploadAndDeletesTheVersion() {
        server.stubFor(head(urlEqualTo(PATH)).willReturn(ok().withHeader("Content-Length", "5")
                .withHeader("x-amz-version-id", "v1")));
        server.stubFor(put(urlEqualTo("/bucket/folder/k?retention=&versionId=v1")).willReturn(ok()));
        server.stubFor(delete(urlEqualTo("/bucket/folder/k?versionId=v1")).willReturn(aResponse().withStatus(204)));
        S3Client client = client(Optional.empty(), Optional.of(LOCK));

        S3Exception failure = assertThrows(S3Exception.class, () -> client.confirmStorage(KEY, headOf(client), NOW));

        assertEquals("the store at http://127.0.0.1:" + server.getPort() + " did not apply what the config asks to"
                + " s3://bucket/folder/k (object_lock_mode GOVERNANCE until " + UNTIL + ": the store reports none);"
                + " the object was deleted and its upload failed; remove the option if this store does not offer it",
                failure.getMessage());
        assertEquals(1, server.findAll(deleteRequestedFor(urlEqualTo("/bucket/folder/k?versionId=v1"))).size());
    }

    @Test
    void anIgnoredEncryptionDeletesTheObjectWithoutLockingItAndFailsInOneLine() {
        server.stubFor(head(urlEqualTo(PATH)).willReturn(ok().withHeader("Content-Length", "5")
                .withHeader("x-amz-version-id", "v1")));
        server.stubFor(delete(urlEqualTo("/bucket/folder/k?versionId=v1")).willReturn(aResponse().withStatus(204)));
        S3Client client = client(Optional.of("AES256"), Optional.of(LOCK));

        S3Exception failure = assertThrows(S3Exception.class, () -> client.confirmStorage(KEY, headOf(client), NOW));

        assertTrue(failure.getMessage().contains("(server_side_encryption AES256: the store reports none;"
                + " object_lock_mode GOVERNANCE until " + UNTIL + ": the store reports none); the object was deleted"),
                failure.getMessage());
        assertEquals(0, server.findAll(putRequestedFor(anyUrl())).size(), "no retention for an object to delete");
        assertEquals(1, server.findAll(deleteRequestedFor(urlEqualTo("/bucket/folder/k?versionId=v1"))).size());
    }

    @Test
    void whatTheStoreReportsAsAskedNeedsNoFurtherRequest() {
        server.stubFor(head(urlEqualTo(PATH)).willReturn(ok().withHeader("Content-Length", "5")
                .withHeader("x-amz-server-side-encryption", "AES256")
                .withHeader("x-amz-object-lock-mode", "GOVERNANCE")
                .withHeader("x-amz-object-lock-retain-until-date", UNTIL)));
        S3Client client = client(Optional.of("AES256"), Optional.of(LOCK));

        ObjectInfo confirmed = client.confirmStorage(KEY, headOf(client), NOW);

        assertEquals(Optional.of("AES256"), confirmed.stored().serverSideEncryption());
        assertEquals(List.of("HEAD"), server.findAll(anyRequestedFor(anyUrl())).stream()
                .map(r -> r.getMethod().getName()).toList());
    }

    @Test
    void aDeleteThatFailsTooIsNamedInTheSameLine() {
        server.stubFor(head(urlEqualTo(PATH)).willReturn(ok().withHeader("Content-Length", "5")));
        server.stubFor(delete(urlEqualTo(PATH)).willReturn(aResponse().withStatus(403)
                .withBody("<Error><Code>AccessDenied</Code><Message>no</Message></Error>")));
        S3Client client = client(Optional.of("AES256"), Optional.empty());

        S3Exception failure = assertThrows(S3Exception.class, () -> client.confirmStorage(KEY, headOf(client), NOW));

        assertTrue(failure.getMessage().contains("; deleting it failed too ("), failure.getMessage());
        assertEquals(1, failure.getMessage().lines().count());
    }
}
