package gpbackup.s3plugin.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class RelayedInputTest {
    private static final byte[] DATA = {1, 2, 3, 4, 5};

    @Test
    void theEndCountsWhenTheClientVouchedForIt() throws IOException {
        ClientVerdict verdict = new ClientVerdict();
        verdict.settle(ClientVerdict.State.END_OF_INPUT);
        try (RelayedInput in = new RelayedInput(new ByteArrayInputStream(DATA), verdict)) {
            assertArrayEquals(DATA, in.readAllBytes());
            assertEquals(-1, in.read());
        }
    }

    @Test
    void anAbortedInputFailsAtItsEnd() {
        ClientVerdict verdict = new ClientVerdict();
        verdict.settle(ClientVerdict.State.ABORTED);
        RelayedInput in = new RelayedInput(new ByteArrayInputStream(DATA), verdict);
        IOException failure = assertThrows(IOException.class, in::readAllBytes);
        assertTrue(failure.getMessage().contains("could not read all of its stdin"), failure.getMessage());
    }

    @Test
    void theInputOfADeadClientFailsAtItsEnd() {
        ClientVerdict verdict = new ClientVerdict();
        verdict.settle(ClientVerdict.State.GONE);
        RelayedInput in = new RelayedInput(new ByteArrayInputStream(new byte[0]), verdict);
        IOException failure = assertThrows(IOException.class, in::read);
        assertTrue(failure.getMessage().contains("ended before its stdin did"), failure.getMessage());
    }

    @Test
    void theEndWaitsForAVerdictThatIsStillOnItsWay() throws Exception {
        ClientVerdict verdict = new ClientVerdict();
        RelayedInput in = new RelayedInput(new ByteArrayInputStream(DATA), verdict);
        CompletableFuture<byte[]> read = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try {
                read.complete(in.readAllBytes());
            } catch (IOException e) {
                read.completeExceptionally(e);
            }
        }, "relayed-input-reader");
        reader.start();
        // The reader must really be parked at the end, waiting for the verdict, before it comes:
        // a RelayedInput that did not wait would have returned (or failed) by now.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (reader.getState() != Thread.State.WAITING && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertEquals(Thread.State.WAITING, reader.getState(), "the reader waits for the verdict");
        assertFalse(read.isDone(), "no end before the verdict");
        assertEquals(ClientVerdict.State.END_OF_INPUT, verdict.settle(ClientVerdict.State.END_OF_INPUT),
                "still pending, so this verdict is the first");
        assertArrayEquals(DATA, read.get(30, TimeUnit.SECONDS));
    }

    @Test
    void theFirstVerdictStands() {
        ClientVerdict verdict = new ClientVerdict();
        assertEquals(ClientVerdict.State.ABORTED, verdict.settle(ClientVerdict.State.ABORTED));
        assertEquals(ClientVerdict.State.ABORTED, verdict.settle(ClientVerdict.State.END_OF_INPUT));
        assertEquals(ClientVerdict.State.END_OF_INPUT, ClientVerdict.fromLine("eof"));
        assertEquals(ClientVerdict.State.ABORTED, ClientVerdict.fromLine("abort"));
        assertEquals(ClientVerdict.State.GONE, ClientVerdict.fromLine("gone"));
        assertEquals(null, ClientVerdict.fromLine("accepted"));
    }
}
