package gpbackup.s3plugin.cli;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.delete;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.head;
import static com.github.tomakehurst.wiremock.client.WireMock.headRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.ok;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import gpbackup.s3plugin.backup.BackupReportTest;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** list_backups and prune from argv to the requests S3 sees, where the exact requests matter. */
class CatalogCommandsTest extends WireMockCommandFixture {
    private static final String A = "20240101120000";
    private static final String B = "20240102120000";
    private static final String PREFIX_A = "f/backups/20240101/" + A + "/";
    private static final String PREFIX_B = "f/backups/20240102/" + B + "/";

    private int run(String... argv) {
        Map<String, String> environment = Map.of("HOME", home.toString(), "HOSTNAME", "sdw1");
        Clock march2024 = Clock.fixed(Instant.parse("2024-03-01T12:00:00Z"), ZoneOffset.UTC);
        return new Main(environment::get, InputStream.nullInputStream(), stdout,
                new PrintStream(stderr, true, StandardCharsets.UTF_8), march2024, false).run(argv);
    }

    private String out() {
        return stdout.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return stderr.toString(StandardCharsets.UTF_8);
    }

    private static String page(String nextToken, String... keys) {
        StringBuilder xml = new StringBuilder("<ListBucketResult><IsTruncated>" + (nextToken != null)
                + "</IsTruncated>");
        if (nextToken != null) {
            xml.append("<NextContinuationToken>").append(nextToken).append("</NextContinuationToken>");
        }
        for (String key : keys) {
            xml.append("<Contents><Key>").append(key).append("</Key><Size>10</Size></Contents>");
        }
        return xml.append("</ListBucketResult>").toString();
    }

    private void stubListing(String prefix, String body) {
        server.stubFor(get(urlPathEqualTo("/bucket")).withQueryParam("prefix", equalTo(prefix))
                .withQueryParam("continuation-token", absent()).willReturn(ok(body)));
    }

    private void stubReport(String key, String text) {
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        server.stubFor(get(urlPathEqualTo("/bucket/" + key)).willReturn(aResponse().withStatus(206)
                .withHeader("Content-Range", "bytes 0-" + (body.length - 1) + "/" + body.length).withBody(body)));
    }

    @Test
    void listBackupsFollowsEveryPageAndCountsABackupSplitAcrossThem() {
        // A digest record beside a file is no backup file: not counted.
        stubListing("f/backups/", page("t2", PREFIX_A + "gpbackup_0_" + A + "_16384.gz", PREFIX_A
                + "gpbackup_0_" + A + "_16384.gz.s3plugin-digests", PREFIX_A + "gpbackup_" + A + "_metadata.sql",
                PREFIX_B + "gpbackup_0_" + B + "_16384.gz"));
        server.stubFor(get(urlPathEqualTo("/bucket")).withQueryParam("prefix", equalTo("f/backups/"))
                .withQueryParam("continuation-token", equalTo("t2")).willReturn(ok(page(null,
                        PREFIX_B + "gpbackup_1_" + B + "_16384.gz", PREFIX_B + "gpbackup_" + B + "_report"))));
        stubListing("f//backups/", page(null));
        stubReport(PREFIX_B + "gpbackup_" + B + "_report", BackupReportTest.report("Success", null, null));

        assertEquals(0, run("list_backups", config.toString()), err());
        List<String> lines = out().lines().toList();
        assertEquals(4, lines.size(), out());
        assertTrue(lines.get(0).startsWith("TIMESTAMP       OBJECTS  BYTES  SEGMENTS  DATABASE  GPBACKUP  TYPE"),
                lines.get(0));
        assertEquals(A + "        2     20         1  -         -         -     -            incomplete: no report",
                lines.get(1));
        assertEquals(B + "        3     30         2  proddb    1.30.5    full  gzip         complete: Success",
                lines.get(2));
        assertEquals("2 backups, 5 objects, 50 bytes", lines.get(3));
        assertEquals(3, server.findAll(getRequestedFor(urlPathEqualTo("/bucket"))).size());
        // Every page asks for the most the server gives: fewer round trips for large backups.
        server.findAll(getRequestedFor(urlPathEqualTo("/bucket")))
                .forEach(r -> assertEquals("1000", r.queryParameter("max-keys").firstValue()));
    }

    @Test
    void listBackupsOfAnEmptyFolderSaysSo() {
        stubListing("f/backups/", page(null));
        stubListing("f//backups/", page(null));
        assertEquals(0, run("list_backups", config.toString(), "--json"), err());
        assertEquals("{\"bucket\":\"bucket\",\"folder\":\"f\",\"backups\":[],\"unrecognized_objects\":0}\n", out());
    }

    @Test
    void pruneRefusesBadArgumentsWithOneLineAndNoRequest() {
        for (String[] args : List.of(new String[] {}, new String[] {"--keep-last", "2", "--older-than", "3"},
                new String[] {"--keep-last", "0"}, new String[] {"--older-than", "x"}, new String[] {"--keep-last"},
                new String[] {"--keep-last", "1", "extra"}, new String[] {"--keep", "1"})) {
            stderr.reset();
            String[] argv = new String[args.length + 2];
            argv[0] = "prune";
            argv[1] = config.toString();
            System.arraycopy(args, 0, argv, 2, args.length);
            assertEquals(1, run(argv), String.join(" ", args));
            assertEquals(1, err().lines().count(), err());
            assertTrue(err().contains("prune"), err());
        }
        assertEquals(0, server.findAll(anyRequestedFor(anyUrl())).size());
        assertEquals("", out());
    }

    @Test
    void aBadGraceIsOneLineAndNoRequestForBothCommands() {
        for (String command : List.of("prune", "list_backups")) {
            for (String[] grace : List.of(new String[] {"--grace", "-1"}, new String[] {"--grace", "x"},
                    new String[] {"--grace", "1.5"}, new String[] {"--grace", ""}, new String[] {"--grace"},
                    new String[] {"--grace", "99999999999999999999"})) {
                stderr.reset();
                List<String> argv = new java.util.ArrayList<>(List.of(command, config.toString()));
                if (command.equals("prune")) {
                    argv.addAll(List.of("--keep-last", "1"));
                }
                argv.addAll(List.of(grace));
                assertEquals(1, run(argv.toArray(String[]::new)), String.join(" ", argv));
                assertEquals(1, err().lines().count(), err());
                assertTrue(err().contains("--grace"), String.join(" ", argv) + ": " + err());
            }
        }
        assertEquals(0, server.findAll(anyRequestedFor(anyUrl())).size());
        assertEquals("", out());
    }

    @Test
    void pruneDeletesTheReportBeforeAnyOtherObjectOfTheBackup() {
        String report = PREFIX_A + "gpbackup_" + A + "_report";
        stubListing("f/backups/", page(null, PREFIX_A + "gpbackup_0_" + A + "_16384.gz", report,
                PREFIX_B + "gpbackup_" + B + "_report"));
        stubListing("f//backups/", page(null));
        stubReport(report, BackupReportTest.report("Success", null, null));
        stubReport(PREFIX_B + "gpbackup_" + B + "_report", BackupReportTest.report("Success", null, null));
        server.stubFor(delete(urlPathEqualTo("/bucket/" + report)).willReturn(aResponse().withStatus(204)));
        // The backup's own prefix lists its data file until the batch delete, then nothing.
        server.stubFor(get(urlPathEqualTo("/bucket")).withQueryParam("prefix", equalTo(PREFIX_A))
                .inScenario("a").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(ok(page(null, PREFIX_A + "gpbackup_0_" + A + "_16384.gz"))));
        server.stubFor(post(urlPathEqualTo("/bucket")).inScenario("a").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(ok("<DeleteResult/>")).willSetStateTo("gone"));
        server.stubFor(get(urlPathEqualTo("/bucket")).withQueryParam("prefix", equalTo(PREFIX_A))
                .inScenario("a").whenScenarioStateIs("gone").willReturn(ok(page(null))));

        assertEquals(0, run("prune", config.toString(), "--keep-last", "1", "--yes"), err());
        List<LoggedRequest> requests = server.findAll(anyRequestedFor(anyUrl())).stream()
                .sorted(Comparator.comparing(LoggedRequest::getLoggedDate)).toList();
        List<String> writes = requests.stream().filter(r -> !r.getMethod().getName().equals("GET"))
                .map(r -> r.getMethod().getName() + " " + r.getUrl()).toList();
        assertEquals(List.of("DELETE /bucket/" + report, "POST /bucket?delete="), writes);
        assertTrue(out().contains("deleted       " + A), out());
        assertTrue(out().contains("keep          " + B), out());
    }

    @Test
    void pruneThatCannotDeleteABackupWholeSaysWhichAndExitsNonZero() {
        String report = PREFIX_A + "gpbackup_" + A + "_report";
        String data = PREFIX_A + "gpbackup_0_" + A + "_16384.gz";
        stubListing("f/backups/", page(null, data, report, PREFIX_B + "gpbackup_" + B + "_report"));
        stubListing("f//backups/", page(null));
        stubListing(PREFIX_A, page(null, data));
        stubReport(report, BackupReportTest.report("Success", null, null));
        stubReport(PREFIX_B + "gpbackup_" + B + "_report", BackupReportTest.report("Success", null, null));
        server.stubFor(delete(urlPathEqualTo("/bucket/" + report)).willReturn(aResponse().withStatus(204)));
        server.stubFor(post(urlPathEqualTo("/bucket")).willReturn(ok("<DeleteResult><Error><Key>" + data
                + "</Key><Code>AccessDenied</Code><Message>Access Denied</Message></Error></DeleteResult>")));

        assertEquals(1, run("prune", config.toString(), "--keep-last", "1", "--yes"));
        assertTrue(out().contains("FAILED        " + A + "  partly deleted: its report and 0 other objects are gone,"
                + " so it lists as incomplete"), out());
        assertTrue(out().contains("deleted 0 of 2 backups (0 objects, 0 bytes), kept 1, failed 1"), out());
        List<String> lines = err().lines().toList();
        assertEquals(1, lines.size(), err());
        assertTrue(lines.get(0).contains("prune: 1 of 1 backups were not deleted whole; first " + A), lines.get(0));
        assertTrue(lines.get(0).contains("AccessDenied"), lines.get(0));
    }

    @Test
    void pruneThatCannotDeleteTheReportLeavesTheBackupWhole() {
        String report = PREFIX_A + "gpbackup_" + A + "_report";
        stubListing("f/backups/", page(null, PREFIX_A + "gpbackup_0_" + A + "_16384.gz", report,
                PREFIX_B + "gpbackup_" + B + "_report"));
        stubListing("f//backups/", page(null));
        stubReport(report, BackupReportTest.report("Success", null, null));
        stubReport(PREFIX_B + "gpbackup_" + B + "_report", BackupReportTest.report("Success", null, null));
        server.stubFor(delete(urlPathEqualTo("/bucket/" + report)).willReturn(aResponse().withStatus(403)
                .withBody("<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>")));

        assertEquals(1, run("prune", config.toString(), "--keep-last", "1", "--yes"));
        assertTrue(out().contains("FAILED        " + A + "  its report could not be deleted, so nothing of it was"), out());
        assertEquals(0, server.findAll(com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor(anyUrl()))
                .size());
        assertEquals(1, err().lines().count(), err());
    }

    @Test
    void pruneStopsInsteadOfLoopingWhenAServerKeepsListingWhatItSaysItDeleted() {
        String report = PREFIX_A + "gpbackup_" + A + "_report";
        String data = PREFIX_A + "gpbackup_0_" + A + "_16384.gz";
        stubListing("f/backups/", page(null, data, report, PREFIX_B + "gpbackup_" + B + "_report"));
        stubListing("f//backups/", page(null));
        stubListing(PREFIX_A, page(null, data));
        stubReport(report, BackupReportTest.report("Success", null, null));
        stubReport(PREFIX_B + "gpbackup_" + B + "_report", BackupReportTest.report("Success", null, null));
        server.stubFor(delete(urlPathEqualTo("/bucket/" + report)).willReturn(aResponse().withStatus(204)));
        server.stubFor(post(urlPathEqualTo("/bucket")).willReturn(ok("<DeleteResult/>")));

        assertEquals(1, run("prune", config.toString(), "--keep-last", "1", "--yes"));
        assertTrue(out().contains("FAILED        " + A + "  partly deleted: its report and 1 other objects are gone"),
                out());
        assertTrue(err().contains("s3 still lists " + data + " after deleting it"), err());
        assertEquals(1, server.findAll(com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor(anyUrl()))
                .size());
    }

    /** Backup A (a data file and its report) and the newer B, both complete; A's data file locked until 2099. */
    private void stubTwoBackupsWithALockedOne() {
        String report = PREFIX_A + "gpbackup_" + A + "_report";
        String data = PREFIX_A + "gpbackup_0_" + A + "_16384.gz";
        stubListing("f/backups/", page(null, data, report, PREFIX_B + "gpbackup_" + B + "_report"));
        stubListing("f//backups/", page(null));
        stubListing(PREFIX_A, page(null, data, report));
        stubReport(report, BackupReportTest.report("Success", null, null));
        stubReport(PREFIX_B + "gpbackup_" + B + "_report", BackupReportTest.report("Success", null, null));
        server.stubFor(head(urlEqualTo("/bucket/" + data)).willReturn(ok().withHeader("Content-Length", "10")
                .withHeader("x-amz-object-lock-mode", "COMPLIANCE")
                .withHeader("x-amz-object-lock-retain-until-date", "2099-01-01T00:00:00.000Z")));
        server.stubFor(head(urlEqualTo("/bucket/" + report)).willReturn(ok().withHeader("Content-Length", "10")));
    }

    private long writes() {
        return server.findAll(anyRequestedFor(anyUrl())).stream()
                .filter(r -> !List.of("GET", "HEAD").contains(r.getMethod().getName())).count();
    }

    @Test
    void pruneSkipsABackupUnderObjectLockNamingTheDateAndDeletesNothingOfIt() throws IOException {
        Files.writeString(config, Files.readString(config)
                + "  object_lock_mode: COMPLIANCE\n  object_lock_retain_days: 30\n");
        stubTwoBackupsWithALockedOne();
        String skipped = "skip          " + A + "  1 of its objects are under Object Lock, the last until"
                + " 2099-01-01T00:00:00Z (COMPLIANCE) (s3://bucket/" + PREFIX_A + "gpbackup_0_" + A + "_16384.gz);"
                + " prune deletes a backup whole or not at all";

        assertEquals(0, run("prune", config.toString(), "--keep-last", "1"), err());
        assertTrue(out().contains(skipped), out());
        assertTrue(out().contains("would delete 0 of 2 backups"), out());

        stdout.reset();
        assertEquals(0, run("prune", config.toString(), "--keep-last", "1", "--yes"), err());
        assertTrue(out().contains(skipped), out());
        assertTrue(out().contains("deleted 0 of 2 backups (0 objects, 0 bytes), kept 2"), out());
        assertEquals(0, writes(), "nothing of the locked backup is deleted, not even its report");
        // Configured, the lock is asked of the objects without asking the bucket first.
        assertEquals(0, server.findAll(getRequestedFor(urlEqualTo("/bucket?object-lock="))).size());
    }

    @Test
    void withoutObjectLockOptionsPruneStillSkipsALockedBackupWhenTheBucketHasObjectLock() {
        server.stubFor(get(urlEqualTo("/bucket?object-lock=")).willReturn(ok("<ObjectLockConfiguration>"
                + "<ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>COMPLIANCE</Mode>"
                + "<Days>3650</Days></DefaultRetention></Rule></ObjectLockConfiguration>")));
        stubTwoBackupsWithALockedOne();
        assertEquals(0, run("prune", config.toString(), "--keep-last", "1", "--yes"), err());
        assertTrue(out().contains("skip          " + A + "  1 of its objects are under Object Lock"), out());
        assertEquals(0, writes());
    }

    @Test
    void withoutObjectLockOptionsOnABucketWithoutObjectLockPruneSendsNoHead() {
        server.stubFor(get(urlEqualTo("/bucket?object-lock=")).willReturn(aResponse().withStatus(404).withBody(
                "<Error><Code>ObjectLockConfigurationNotFoundError</Code><Message>none</Message></Error>")));
        stubTwoBackupsWithALockedOne();
        assertEquals(0, run("prune", config.toString(), "--keep-last", "1"), err());
        assertTrue(out().contains("would delete  " + A), out());
        assertEquals(0, server.findAll(headRequestedFor(anyUrl())).size());
    }
}
