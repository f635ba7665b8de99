package gpbackup.s3plugin.s3;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.head;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import gpbackup.s3plugin.auth.Credentials;
import gpbackup.s3plugin.auth.SigV4Signer;
import gpbackup.s3plugin.http.HttpTransport;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A connection with several HTTP clients gives each call one of them, in turn, for all its requests. */
class S3ConnectionClientsTest {
    @RegisterExtension
    final WireMockExtension server = WireMockExtension.newInstance().options(WireMockS3.serverOptions()).build();

    @Test
    void eachCallKeepsOneClientAndTheCallsTakeThemInTurn() {
        server.stubFor(head(urlPathMatching("/.*")).willReturn(aResponse().withHeader("ETag", "\"e\"")
                .withHeader("Content-Length", "3")));
        AtomicInteger first = new AtomicInteger();
        AtomicInteger second = new AtomicInteger();
        S3Connection connection = new S3Connection(List.of(
                HttpTransport.of(WireMockS3.http()).watchedBy(answer -> first.incrementAndGet()),
                HttpTransport.of(WireMockS3.http()).watchedBy(answer -> second.incrementAndGet())),
                WireMockS3.endpoint(server.getPort()), new S3Connection.Signing(SigV4Signer.forS3(WireMockS3.REGION),
                        () -> Credentials.of(WireMockS3.ACCESS_KEY_ID, WireMockS3.SECRET, null), Clock.systemUTC()),
                S3Connection.Settings.withRetries(0), WireMockS3.quietLog());

        S3Client one = WireMockS3.client(connection, StoragePolicy.NONE, RequestObserver.NONE);
        S3Client two = WireMockS3.client(connection, StoragePolicy.NONE, RequestObserver.NONE);
        S3Client three = WireMockS3.client(connection, StoragePolicy.NONE, RequestObserver.NONE);
        for (int i = 0; i < 3; i++) {
            one.headObject("a");
        }
        two.headObject("b");
        three.headObject("c");

        assertEquals(4, first.get(), "the first call's three requests and the third call's");
        assertEquals(1, second.get(), "the second call's");
    }
}
