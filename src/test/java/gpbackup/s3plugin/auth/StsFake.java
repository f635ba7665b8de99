package gpbackup.s3plugin.auth;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.MappingBuilder;
import gpbackup.s3plugin.http.HttpTransport;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/** A WireMock STS that answers XML as AWS does, and an StsClient pointed at it that never sleeps. */
final class StsFake implements AutoCloseable {
    static final Instant NOW = Instant.parse("2026-03-01T10:00:00Z");
    final WireMockServer server = new WireMockServer(wireMockConfig().dynamicPort().bindAddress("127.0.0.1"));
    final List<Duration> pauses = new ArrayList<>();

    StsFake() {
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.port();
    }

    StsClient client(Clock clock) {
        return new StsClient(URI.create(url() + "/"), "eu-west-1",
                () -> HttpTransport.of(HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()), clock, pauses::add);
    }

    static Clock fixedClock() {
        return Clock.fixed(NOW, ZoneOffset.UTC);
    }

    /** A successful answer for {@code action} with these keys, valid for an hour from {@link #NOW}. */
    static String success(String action, String keyId, String secret, String token, Instant expiration) {
        return "<" + action + "Response xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"
                + "  <" + action + "Result>\n"
                + "    <AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/backup/s</Arn>"
                + "<AssumedRoleId>AROA:s</AssumedRoleId></AssumedRoleUser>\n"
                + "    <Credentials>\n"
                + "      <AccessKeyId>" + keyId + "</AccessKeyId>\n"
                + "      <SecretAccessKey>" + secret + "</SecretAccessKey>\n"
                + "      <SessionToken>" + token + "</SessionToken>\n"
                + "      <Expiration>" + expiration + "</Expiration>\n"
                + "    </Credentials>\n"
                + "  </" + action + "Result>\n"
                + "  <ResponseMetadata><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ResponseMetadata>\n"
                + "</" + action + "Response>\n";
    }

    static String error(String type, String code, String message) {
        return "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n  <Error>\n    <Type>" + type
                + "</Type>\n    <Code>" + code + "</Code>\n    <Message>" + message + "</Message>\n  </Error>\n"
                + "  <RequestId>4c2d6b1a-0000-0000-0000-000000000000</RequestId>\n</ErrorResponse>\n";
    }

    static MappingBuilder action(String action) {
        return post(urlEqualTo("/")).withRequestBody(containing("Action=" + action + "&"));
    }

    void answer(String action, String keyId, String secret, String token) {
        server.stubFor(action(action).willReturn(aResponse().withHeader("Content-Type", "text/xml")
                .withBody(success(action, keyId, secret, token, NOW.plusSeconds(3600)))));
    }

    void fail(String action, int status, String code, String message) {
        server.stubFor(action(action).willReturn(aResponse().withStatus(status).withHeader("Content-Type", "text/xml")
                .withBody(error("Sender", code, message))));
    }

    @Override
    public void close() {
        server.stop();
    }
}
