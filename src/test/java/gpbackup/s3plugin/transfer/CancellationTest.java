package gpbackup.s3plugin.transfer;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.delete;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.head;
import static com.github.tomakehurst.wiremock.client.WireMock.ok;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import gpbackup.s3plugin.log.PluginLog;
import gpbackup.s3plugin.s3.S3Client;
import gpbackup.s3plugin.s3.S3Exception;
import gpbackup.s3plugin.s3.WireMockS3;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.SequenceInputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * After a failure nothing more reaches the server: no GET once a download has failed, no part
 * PUT after the AbortMultipartUpload. Each race is run many times, since one run proves little.
 */
class CancellationTest {
    private static final int RUNS = 50;
    private static final int PART = 1024;
    private static final String UPLOAD_ID = "u-1";
    /** Long enough that the other requests are still in flight when the failing one answers. */
    private static final int SLOW_MS = 40;

    @RegisterExtension
    final WireMockExtension server = WireMockExtension.newInstance().options(WireMockS3.serverOptions()).build();

    private S3Client client() {
        return WireMockS3.client(server.getPort(), 2);
    }

    /** Every request the server received, oldest first. */
    private List<LoggedRequest> journal() {
        List<LoggedRequest> requests = new ArrayList<>();
        for (ServeEvent event : server.getAllServeEvents()) {
            requests.add(0, event.getRequest());
        }
        return requests;
    }

    /** A request of our own that the server logs after everything the code under test sent before it returned. */
    private void sendMarker() throws IOException, InterruptedException {
        WireMockS3.http().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.getPort() + "/marker"))
                .build(), HttpResponse.BodyHandlers.discarding());
    }

    private static boolean isMarker(LoggedRequest r) {
        return r.getUrl().equals("/marker");
    }

    @Test
    void noGetReachesTheServerAfterTheDownloadFailed() throws Exception {
        int pieces = 12;
        for (int run = 0; run < RUNS; run++) {
            server.resetAll();
            server.stubFor(get(urlEqualTo("/marker")).willReturn(ok()));
            for (int i = 0; i < pieces; i++) {
                String range = "bytes=" + i * 100 + "-" + (i * 100 + 99);
                server.stubFor(get(urlEqualTo("/bucket/k")).withHeader("Range", equalTo(range))
                        .willReturn(i == 1
                                ? aResponse().withStatus(403).withBody("<Error><Code>AccessDenied</Code></Error>")
                                : aResponse().withStatus(206).withFixedDelay(SLOW_MS).withBody(new byte[100])));
            }
            RangedDownloader downloader = Engines.downloader(client(), 100, 4);
            S3Exception e = assertThrows(S3Exception.class, () -> downloader.download("k",
                    List.of(new ByteRange(0, pieces * 100)), Optional.empty(), new ByteArrayOutputStream()));
            assertEquals(403, e.status(), "run " + run + ": the first failure is reported");
            sendMarker();

            List<LoggedRequest> journal = journal();
            int marker = journal.indexOf(journal.stream().filter(CancellationTest::isMarker).findFirst().orElseThrow());
            assertEquals(journal.size() - 1, marker, "run " + run + ": a GET arrived after the failed download returned");
            // The writer cannot pass the failed piece 1, so pieces from 1 + window on are never asked for.
            assertTrue(marker <= 5, "run " + run + ": pieces beyond the window of the failed one were asked for: "
                    + marker);
        }
    }

    /** Stubs a multipart upload to {@code /bucket/<name>} whose parts answer slowly, but part {@code failing} at once. */
    private void stubUpload(String name, int failing) {
        String path = "/bucket/" + name;
        server.stubFor(post(urlEqualTo(path + "?uploads=")).willReturn(ok(
                "<InitiateMultipartUploadResult><UploadId>" + UPLOAD_ID + "</UploadId></InitiateMultipartUploadResult>")));
        server.stubFor(put(urlPathEqualTo(path)).withQueryParam("uploadId", equalTo(UPLOAD_ID))
                .willReturn(ok().withHeader("ETag", "\"e\"").withFixedDelay(SLOW_MS)));
        if (failing > 0) {
            server.stubFor(put(urlPathEqualTo(path)).withQueryParam("partNumber", equalTo(String.valueOf(failing)))
                    .willReturn(aResponse().withStatus(403).withBody("<Error><Code>AccessDenied</Code></Error>")));
        }
        server.stubFor(delete(urlEqualTo(path + "?uploadId=" + UPLOAD_ID)).willReturn(aResponse().withStatus(204)));
        server.stubFor(post(urlEqualTo(path + "?uploadId=" + UPLOAD_ID)).willReturn(ok(
                "<CompleteMultipartUploadResult/>")));
        server.stubFor(head(urlEqualTo(path)).willReturn(ok().withHeader("Content-Length", String.valueOf(6 * PART))));
    }

    /**
     * Asserts that an upload to {@code name} that was started was either completed (it got that
     * far before the failure elsewhere) or aborted once, with no part PUT after the abort.
     */
    private void assertAbortedCleanly(String name, List<LoggedRequest> journal, int run) {
        String path = "/bucket/" + name;
        List<LoggedRequest> mine = journal.stream().filter(r -> r.getUrl().startsWith(path + "?")).toList();
        boolean started = mine.stream().anyMatch(r -> r.getUrl().equals(path + "?uploads="));
        List<Integer> aborts = new ArrayList<>();
        for (int i = 0; i < mine.size(); i++) {
            if (mine.get(i).getMethod().getName().equals("DELETE")) {
                aborts.add(i);
            }
        }
        boolean completed = mine.stream().anyMatch(r -> r.getUrl().equals(path + "?uploadId=" + UPLOAD_ID)
                && r.getMethod().getName().equals("POST"));
        assertEquals(started && !completed ? 1 : 0, aborts.size(), "run " + run + ", " + name + ": aborts sent");
        if (!aborts.isEmpty()) {
            for (LoggedRequest after : mine.subList(aborts.get(0) + 1, mine.size())) {
                assertFalse(after.getMethod().getName().equals("PUT"),
                        "run " + run + ", " + name + ": part PUT after the abort: " + after.getUrl());
            }
        }
    }

    @Test
    void noPartPutReachesTheServerAfterTheAbort() throws Exception {
        for (int run = 0; run < RUNS; run++) {
            server.resetAll();
            server.stubFor(get(urlEqualTo("/marker")).willReturn(ok()));
            stubUpload("k", 2);
            StreamUploader uploader = Engines.uploader(client(), PART, 4, WireMockS3.quietLog());
            S3Exception e = assertThrows(S3Exception.class,
                    () -> uploader.upload("k", new ByteArrayInputStream(new byte[10 * PART])));
            assertEquals(403, e.status(), "run " + run + ": the first failure is reported");
            sendMarker();
            List<LoggedRequest> journal = journal();
            assertTrue(isMarker(journal.get(journal.size() - 1)), "run " + run + ": a request arrived after the marker: "
                    + journal.get(journal.size() - 1).getUrl());
            assertAbortedCleanly("k", journal, run);
        }
    }

    @Test
    void aFailedPartIsAbortedWhileTheReaderStillWaitsForInput() throws Exception {
        stubUpload("k", 1);
        CountDownLatch inputMayEnd = new CountDownLatch(1);
        InputStream stalledAfterThreeParts = new SequenceInputStream(new ByteArrayInputStream(new byte[3 * PART]),
                new InputStream() {
                    @Override
                    public int read() throws IOException {
                        try {
                            inputMayEnd.await();
                        } catch (InterruptedException e) {
                            throw new IOException(e);
                        }
                        return -1;
                    }
                });
        StreamUploader uploader = Engines.uploader(client(), PART, 2, WireMockS3.quietLog());
        Thread backup = new Thread(() -> assertThrows(S3Exception.class, () -> uploader.upload("k",
                stalledAfterThreeParts)));
        backup.start();
        // The abort must come while the input is silent; the deadline only keeps a broken build from hanging.
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (server.findAll(com.github.tomakehurst.wiremock.client.WireMock.deleteRequestedFor(
                urlEqualTo("/bucket/k?uploadId=" + UPLOAD_ID))).isEmpty()) {
            assertTrue(System.nanoTime() < deadline, "no abort while the input was silent");
            Thread.sleep(5);
        }
        inputMayEnd.countDown();
        backup.join();
        assertAbortedCleanly("k", journal(), 0);
    }

    @Test
    void oneFailedFileLetsTheOtherFilesAbortTheirUploads() throws Exception {
        for (int run = 0; run < RUNS; run++) {
            server.resetAll();
            stubUpload("a", 1);
            stubUpload("b", 0);
            stubUpload("c", 0);
            ByteArrayOutputStream logged = new ByteArrayOutputStream();
            PluginLog log = new PluginLog(null, new PrintStream(logged, true, StandardCharsets.UTF_8), "u", "h", 1,
                    Clock.systemUTC());
            StreamUploader uploader = Engines.uploader(client(), PART, 2, log);
            List<ParallelTransfers.Task> tasks = new ArrayList<>();
            for (String name : List.of("b", "a", "c")) {
                tasks.add(() -> uploader.upload(name, new ByteArrayInputStream(new byte[6 * PART])));
            }
            S3Exception e = assertThrows(S3Exception.class, () -> ParallelTransfers.runAll(3, tasks));
            assertEquals(403, e.status(), "run " + run + ": the first failure is reported: " + e.getMessage());
            List<LoggedRequest> journal = journal();
            for (String name : List.of("a", "b", "c")) {
                assertAbortedCleanly(name, journal, run);
            }
            String text = logged.toString(StandardCharsets.UTF_8);
            assertFalse(text.contains("could not abort"), "run " + run + ": " + text);
        }
    }
}
