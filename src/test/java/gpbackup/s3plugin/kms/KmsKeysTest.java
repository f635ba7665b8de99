package gpbackup.s3plugin.kms;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import gpbackup.s3plugin.leaks.TestSecrets;
import gpbackup.s3plugin.seal.FrameSpan;
import gpbackup.s3plugin.seal.MasterKey;
import gpbackup.s3plugin.seal.ObjectOpener;
import gpbackup.s3plugin.seal.OpeningOutputStream;
import gpbackup.s3plugin.seal.SealedHeader;
import gpbackup.s3plugin.seal.SealingInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** One GenerateDataKey per backup call, one Decrypt per distinct envelope. */
class KmsKeysTest {
    private static final byte[] PLAINTEXT = TestSecrets.kmsDataKey();
    private final KmsFake kms = new KmsFake();
    private final KmsKeys keys = new KmsKeys(kms.client(), KmsFake.KEY_ARN);

    @AfterEach
    void stop() {
        kms.close();
    }

    @Test
    void theSealingKeyIsGeneratedOnceForEveryObjectOfTheCall() {
        kms.answerGenerate(KmsFake.BLOB, PLAINTEXT);
        KmsClient.DataKey first = keys.sealingKey("backup 20240501120000");
        for (int table = 0; table < 50; table++) {
            assertSame(first, keys.sealingKey("backup 20240501120000"));
        }
        assertEquals(1, kms.server.getAllServeEvents().size());
        assertEquals(MasterKey.of(PLAINTEXT), first.key());
    }

    @Test
    void objectsSealedUnderTheGeneratedKeyOpenWithTheDecryptedEnvelope() throws Exception {
        kms.answerGenerate(KmsFake.BLOB, PLAINTEXT);
        kms.answerDecrypt(PLAINTEXT);
        KmsClient.DataKey sealing = keys.sealingKey("backup 20240501120000");
        byte[] plaintext = "one table's COPY output\n".repeat(500).getBytes(StandardCharsets.UTF_8);
        String name = "gpbackup_0_20240501120000_16384";
        SealedHeader fresh = SealedHeader.fresh(4096, sealing.key().fingerprint(), sealing.envelope(),
                new SecureRandom());
        byte[] sealed;
        try (SealingInputStream in = new SealingInputStream(new ByteArrayInputStream(plaintext), fresh,
                sealing.key(), name)) {
            sealed = in.readAllBytes();
        }

        KmsKeys restoring = new KmsKeys(kms.client(), KmsFake.KEY_ARN);
        SealedHeader header = SealedHeader.parse(sealed, name);
        assertArrayEquals(KmsFake.BLOB, header.envelope());
        ObjectOpener opener = ObjectOpener.of(header, restoring.open(header.envelope(), name), name);
        FrameSpan span = opener.whole(sealed.length);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OpeningOutputStream sink = opener.sink(span, out)) {
            sink.write(sealed, (int) span.sealedStart(), (int) (span.sealedEnd() - span.sealedStart()));
        }
        assertArrayEquals(plaintext, out.toByteArray());
    }

    @Test
    void aFailedGenerateIsNotRemembered() {
        kms.fail("GenerateDataKey", 400, "AccessDeniedException", "not allowed");
        assertThrows(KmsException.class, () -> keys.sealingKey("b"));
        kms.server.resetAll();
        kms.answerGenerate(KmsFake.BLOB, PLAINTEXT);
        assertArrayEquals(KmsFake.BLOB, keys.sealingKey("b").envelope());
    }

    @Test
    void anEnvelopeIsDecryptedOnceHoweverManyObjectsCarryIt() {
        kms.answerDecrypt(PLAINTEXT);
        MasterKey key = keys.open(KmsFake.BLOB, "gpbackup_0_20240501120000_16384");
        for (int table = 0; table < 50; table++) {
            // A fresh array each time, as each object's header is parsed anew.
            assertSame(key, keys.open(KmsFake.BLOB.clone(), "gpbackup_0_20240501120000_" + table));
        }
        assertEquals(1, kms.server.getAllServeEvents().size());
        assertEquals(1, keys.openedCount());
    }

    @Test
    void distinctEnvelopesAreDecryptedEachOnce() {
        byte[] other = "AQIDAHh-another-blob-from-another-segment".getBytes(StandardCharsets.US_ASCII);
        byte[] otherKey = PLAINTEXT.clone();
        otherKey[0] ^= 1;
        kms.answerDecrypt(PLAINTEXT);
        kms.server.stubFor(KmsFake.operation("Decrypt").withRequestBody(containing(KmsFake.base64(other)))
                .willReturn(aResponse().withBody(KmsFake.decrypted(otherKey))));
        MasterKey a = keys.open(KmsFake.BLOB, "a");
        MasterKey b = keys.open(other, "b");
        assertNotEquals(a, b);
        assertSame(a, keys.open(KmsFake.BLOB, "a2"));
        assertSame(b, keys.open(other, "b2"));
        assertEquals(2, kms.server.getAllServeEvents().size());
    }

    @Test
    void concurrentRestoresOfOneEnvelopeShareOneDecrypt() throws Exception {
        kms.server.stubFor(KmsFake.operation("Decrypt").willReturn(aResponse().withFixedDelay(200)
                .withBody(KmsFake.decrypted(PLAINTEXT))));
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<MasterKey>> opened = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                int table = i;
                opened.add(pool.submit(() -> keys.open(KmsFake.BLOB.clone(), "t" + table)));
            }
            MasterKey first = opened.get(0).get();
            for (Future<MasterKey> f : opened) {
                assertSame(first, f.get());
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, kms.server.getAllServeEvents().size());
    }

    @Test
    void aFailedDecryptIsNotRememberedAndNamesTheObject() {
        kms.fail("Decrypt", 400, "InvalidCiphertextException", "");
        KmsException e = assertThrows(KmsException.class, () -> keys.open(KmsFake.BLOB, "gpbackup_0_1_16384"));
        assertEquals("KMS key " + KmsFake.KEY_ARN + " refused Decrypt for gpbackup_0_1_16384 at 127.0.0.1:"
                + " InvalidCiphertextException; the envelope in the sealed header is damaged, or was not made by this"
                + " plugin with the encryption context {\"gpbackup_s3_plugin\":\"sealed-object-key v1\"}", e.getMessage());
        assertEquals(0, keys.openedCount());
        kms.server.resetAll();
        kms.answerDecrypt(PLAINTEXT);
        assertEquals(MasterKey.of(PLAINTEXT), keys.open(KmsFake.BLOB, "gpbackup_0_1_16384"));
    }

    @Test
    void theEnvelopeUsedLongestAgoIsDroppedBeyondTheCap() {
        kms.answerDecrypt(PLAINTEXT);
        KmsKeys capped = new KmsKeys(kms.client(), KmsFake.KEY_ARN, 3);
        for (String blob : new String[] {"b0", "b1", "b2", "b0", "b3"}) {
            capped.open(blob.getBytes(StandardCharsets.US_ASCII), "o");
        }
        assertEquals(3, capped.openedCount());
        assertEquals(4, kms.server.getAllServeEvents().size());
        capped.open("b0".getBytes(StandardCharsets.US_ASCII), "o");
        assertEquals(4, kms.server.getAllServeEvents().size(), "b0 was used again, so b1 went first");
        capped.open("b1".getBytes(StandardCharsets.US_ASCII), "o");
        assertEquals(5, kms.server.getAllServeEvents().size(), "b1 is asked for again");
    }
}
