package gpbackup.s3plugin.cli;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.head;
import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.ok;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Whole commands with stderr a terminal (a person runs them) and not (gpbackup runs them): the
 * line a person sees, and not one byte more for gpbackup. The clock stands still, so no line is
 * drawn before the final one and the text is exact.
 */
class ProgressOnStderrTest extends WireMockCommandFixture {
    private static final String DATA_FILE = "/data/gpseg0/backups/20240101/20240101120000/gpbackup_0_20240101120000_16384";
    private static final String KEY_PATH = "/bucket/f/backups/20240101/20240101120000/gpbackup_0_20240101120000_16384";
    private static final byte[] OBJECT = "COPY public.t FROM STDIN;\n1\tone\n2\ttwo\n\\.\n".getBytes(StandardCharsets.UTF_8);

    @BeforeEach
    void stubTheObject() {
        server.stubFor(head(urlEqualTo(KEY_PATH)).willReturn(ok().withHeader("Content-Length", String.valueOf(OBJECT.length))
                .withHeader("ETag", "\"v1\"")));
        // Any range from 0: the first GET of an unwatched restore asks for a whole piece.
        server.stubFor(get(urlEqualTo(KEY_PATH)).withHeader("Range", matching("bytes=0-[0-9]+"))
                .willReturn(aResponse().withStatus(206).withHeader("ETag", "\"v1\"")
                        .withHeader("Content-Range", "bytes 0-" + (OBJECT.length - 1) + "/" + OBJECT.length)
                        .withBody(OBJECT)));
        server.stubFor(put(urlEqualTo(KEY_PATH)).willReturn(ok().withHeader("ETag", "\"e\"")));
    }

    private int run(boolean stderrIsTerminal, InputStream stdin, String... argv) {
        Map<String, String> environment = Map.of("HOME", home.toString(), "HOSTNAME", "sdw1");
        Clock still = Clock.fixed(Instant.parse("2024-01-01T12:00:00Z"), ZoneOffset.UTC);
        return new Main(environment::get, stdin, stdout, new PrintStream(stderr, true, StandardCharsets.UTF_8),
                still, stderrIsTerminal).run(argv);
    }

    private String err() {
        return stderr.toString(StandardCharsets.UTF_8);
    }

    @Test
    void restoreDataOnATerminalShowsTheLineAndEndsIt() {
        assertEquals(0, run(true, InputStream.nullInputStream(), "restore_data", config.toString(), DATA_FILE), err());
        assertArrayEquals(OBJECT, stdout.toByteArray());
        assertEquals("\rrestore_data gpbackup_0_20240101120000_16384: 41 B of 41 B (100%), in 0:00\n", err());
    }

    @Test
    void restoreFileOnATerminalShowsTheLine() throws IOException {
        Path target = home.resolve("gpseg0" + DATA_FILE.substring(DATA_FILE.indexOf("/backups/")));
        assertEquals(0, run(true, InputStream.nullInputStream(), "restore_file", config.toString(), target.toString()),
                err());
        assertEquals("\rrestore_file gpbackup_0_20240101120000_16384: 41 B of 41 B (100%), in 0:00\n", err());
    }

    @Test
    void backupDataOnATerminalShowsBytesWithoutATotal() {
        assertEquals(0, run(true, new ByteArrayInputStream(OBJECT), "backup_data", config.toString(), DATA_FILE), err());
        assertEquals("\rbackup_data gpbackup_0_20240101120000_16384: 41 B, in 0:00\n", err());
    }

    @Test
    void withoutATerminalNotOneByteGoesToStderr() throws IOException {
        assertEquals(0, run(false, InputStream.nullInputStream(), "restore_data", config.toString(), DATA_FILE), err());
        assertArrayEquals(OBJECT, stdout.toByteArray());
        Path target = home.resolve("gpseg0" + DATA_FILE.substring(DATA_FILE.indexOf("/backups/")));
        assertEquals(0, run(false, InputStream.nullInputStream(), "restore_file", config.toString(), target.toString()),
                err());
        assertEquals(0, run(false, new ByteArrayInputStream(OBJECT), "backup_data", config.toString(), DATA_FILE), err());
        assertEquals(0, stderr.size(), err());
    }
}
