package gpbackup.s3plugin.transfer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import gpbackup.s3plugin.s3.WireMockS3;
import gpbackup.s3plugin.transfer.MemoryStorage.Request;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Output in order whatever order the storage answers in: every request of a transfer is held on a
 * latch of its own, and the test releases them in each of the 24 orders of four, waiting for each
 * answer before releasing the next, so the order really happens.
 */
class CompletionOrderTest {
    private static final int SIZE = 1000;
    private static final long WAIT_SECONDS = 20;

    private final MemoryStorage storage = new MemoryStorage();
    private final List<CountDownLatch> release = List.of(new CountDownLatch(1), new CountDownLatch(1),
            new CountDownLatch(1), new CountDownLatch(1));

    static Stream<List<Integer>> ordersOfFour() {
        List<List<Integer>> orders = new ArrayList<>();
        permute(new ArrayList<>(), List.of(0, 1, 2, 3), orders);
        return orders.stream();
    }

    private static void permute(List<Integer> prefix, List<Integer> rest, List<List<Integer>> into) {
        if (rest.isEmpty()) {
            into.add(List.copyOf(prefix));
        }
        for (Integer next : rest) {
            prefix.add(next);
            List<Integer> others = new ArrayList<>(rest);
            others.remove(next);
            permute(prefix, others, into);
            prefix.remove(prefix.size() - 1);
        }
    }

    private static byte[] data(int size) {
        byte[] data = new byte[size];
        new Random(size).nextBytes(data);
        return data;
    }

    /** Releases the held requests in {@code order}, each answered before the next is let go. */
    private void answerInOrder(List<Integer> order, String operation, List<Request> expected) throws Exception {
        for (int index : order) {
            release.get(index).countDown();
            Request answered;
            do {
                answered = storage.answers().poll(WAIT_SECONDS, TimeUnit.SECONDS);
            } while (answered != null && !answered.operation().equals(operation));
            assertEquals(expected.get(index), answered, "answers in the order " + order);
        }
    }

    @ParameterizedTest(name = "answered in the order {0}")
    @MethodSource("ordersOfFour")
    void piecesAreWrittenInOrderWhateverOrderTheyAreAnsweredIn(List<Integer> order) throws Exception {
        byte[] object = data(4 * SIZE);
        storage.store("k", object);
        storage.gate((request, cancellation) ->
                MemoryStorage.hold(release.get((int) (request.number() / SIZE)), request, cancellation));

        CompletableFuture<byte[]> restored = CompletableFuture.supplyAsync(() -> {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try {
                Engines.downloader(storage, SIZE, 4).download("k", List.of(new ByteRange(0, object.length)),
                        Optional.of(MemoryStorage.etag(object)), out);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return out.toByteArray();
        });
        answerInOrder(order, "get", List.of(new Request("get", "k", 0), new Request("get", "k", SIZE),
                new Request("get", "k", 2 * SIZE), new Request("get", "k", 3 * SIZE)));

        assertArrayEquals(object, restored.get(WAIT_SECONDS, TimeUnit.SECONDS));
    }

    @ParameterizedTest(name = "answered in the order {0}")
    @MethodSource("ordersOfFour")
    void partsAreCompletedInPartOrderWhateverOrderTheyAreAnsweredIn(List<Integer> order) throws Exception {
        byte[] stream = data(3 * SIZE + 17);
        storage.gate((request, cancellation) -> {
            if (request.operation().equals("part")) {
                MemoryStorage.hold(release.get((int) request.number() - 1), request, cancellation);
            }
        });

        CompletableFuture<Long> backup = CompletableFuture.supplyAsync(() -> {
            try {
                return Engines.uploader(storage, SIZE, 4, WireMockS3.quietLog())
                        .uploadRecorded("k", new ByteArrayInputStream(stream)).size();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        answerInOrder(order, "part", List.of(new Request("part", "k", 1), new Request("part", "k", 2),
                new Request("part", "k", 3), new Request("part", "k", 4)));

        assertEquals(stream.length, backup.get(WAIT_SECONDS, TimeUnit.SECONDS));
        // The storage assembles the parts by the ETags the completion lists, so a list out of part order fails.
        assertArrayEquals(stream, storage.object("k").orElseThrow());
    }
}
