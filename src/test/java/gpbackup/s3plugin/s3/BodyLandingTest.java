package gpbackup.s3plugin.s3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A successful answer's body landing in a sink as the client delivers it, checked against what was announced. */
class BodyLandingTest {
    private final CollectingSink sink = new CollectingSink();
    private final AtomicInteger progress = new AtomicInteger();
    private final AtomicBoolean cancelled = new AtomicBoolean();
    private final Flow.Subscription subscription = new Flow.Subscription() {
        @Override
        public void request(long n) {
        }

        @Override
        public void cancel() {
            cancelled.set(true);
        }
    };

    private BodyLanding landing(long announced) {
        return new BodyLanding(answer -> announced, sink, progress::incrementAndGet);
    }

    private static HttpResponse.ResponseInfo answer(int status) {
        return new HttpResponse.ResponseInfo() {
            @Override
            public int statusCode() {
                return status;
            }

            @Override
            public HttpHeaders headers() {
                return HttpHeaders.of(Map.of(), (name, value) -> true);
            }

            @Override
            public HttpClient.Version version() {
                return HttpClient.Version.HTTP_1_1;
            }
        };
    }

    private static List<ByteBuffer> bytes(String text) {
        return List.of(ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII)));
    }

    private static Throwable failure(HttpResponse.BodySubscriber<InputStream> body) throws InterruptedException {
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> body.getBody().toCompletableFuture().get(5, TimeUnit.SECONDS));
        return e.getCause();
    }

    @Test
    void aWholeBodyLandsInOrderAndEveryBufferCountsAsProgress() throws Exception {
        HttpResponse.BodySubscriber<InputStream> body = landing(10).handler().apply(answer(206));
        body.onSubscribe(subscription);
        body.onNext(bytes("01234"));
        body.onNext(bytes("56789"));
        body.onComplete();
        body.getBody().toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertArrayEquals("0123456789".getBytes(StandardCharsets.US_ASCII), sink.bytes());
        assertEquals(List.of(10L), sink.announced());
        assertEquals(2, progress.get());
    }

    @Test
    void aBodyThatEndsShortFailsTheAttempt() throws Exception {
        HttpResponse.BodySubscriber<InputStream> body = landing(10).handler().apply(answer(200));
        body.onSubscribe(subscription);
        body.onNext(bytes("0123"));
        body.onComplete();
        Throwable cause = failure(body);
        assertInstanceOf(IOException.class, cause);
        assertTrue(cause.getMessage().contains("after 4 of 10 bytes"), cause.getMessage());
    }

    @Test
    void aBodyLongerThanAnnouncedIsCutOffBeforeTheSinkSeesTheExcess() throws Exception {
        HttpResponse.BodySubscriber<InputStream> body = landing(4).handler().apply(answer(206));
        body.onSubscribe(subscription);
        body.onNext(bytes("0123456"));
        assertInstanceOf(IOException.class, failure(body));
        assertTrue(cancelled.get(), "the rest of the body was not refused");
        assertEquals(0, sink.bytes().length);
    }

    @Test
    void aClosedLandingTakesNothingMoreAndStopsTheDelivery() throws Exception {
        BodyLanding landing = landing(10);
        HttpResponse.BodySubscriber<InputStream> body = landing.handler().apply(answer(206));
        body.onSubscribe(subscription);
        body.onNext(bytes("01234"));
        landing.close();
        body.onNext(bytes("56789"));
        assertTrue(cancelled.get());
        assertArrayEquals("01234".getBytes(StandardCharsets.US_ASCII), sink.bytes(),
                "bytes after close reached memory that may belong to another piece");
    }

    @Test
    void aLandingClosedBeforeTheAnswerFailsTheExchangeWhenTheAnswerArrives() throws Exception {
        BodyLanding landing = landing(10);
        landing.close();
        HttpResponse.BodySubscriber<InputStream> body = landing.handler().apply(answer(206));
        assertFalse(body.getBody().toCompletableFuture().isDone(), "the exchange ended before the server answered");
        body.onSubscribe(subscription);
        assertInstanceOf(IOException.class, failure(body));
        assertTrue(cancelled.get());
        assertEquals(List.of(), sink.announced());
    }

    @Test
    void anAnnouncementThatRejectsTheAnswerFailsBeforeAnyByteLands() throws Exception {
        BodyLanding landing = new BodyLanding(answer -> {
            throw new IOException("server ignored the byte range (HTTP 200)");
        }, sink, progress::incrementAndGet);
        HttpResponse.BodySubscriber<InputStream> body = landing.handler().apply(answer(200));
        body.onSubscribe(subscription);
        assertEquals("server ignored the byte range (HTTP 200)", failure(body).getMessage());
        assertTrue(cancelled.get());
        assertEquals(List.of(), sink.announced());
    }

    @Test
    void anErrorAnswerIsReadAsAStreamAndNeverLands() throws Exception {
        HttpResponse.BodySubscriber<InputStream> body = landing(10).handler().apply(answer(503));
        body.onSubscribe(subscription);
        body.onNext(bytes("<Error/>"));
        body.onComplete();
        try (InputStream in = body.getBody().toCompletableFuture().get(5, TimeUnit.SECONDS)) {
            assertEquals("<Error/>", new String(in.readAllBytes(), StandardCharsets.US_ASCII));
        }
        assertEquals(List.of(), sink.announced());
    }
}
