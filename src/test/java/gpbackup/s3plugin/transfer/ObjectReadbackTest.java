package gpbackup.s3plugin.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gpbackup.s3plugin.s3.WireMockS3;
import gpbackup.s3plugin.transfer.ObjectReadback.Algorithm;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class ObjectReadbackTest {
    private static final int MIB = 1 << 20;

    private static byte[] random(int size, long seed) {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        return data;
    }

    private static String sha256(byte[] data, int from, int to) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Arrays.copyOfRange(data, from, to)));
    }

    @Test
    void partsThatDoNotFollowPiecesGetEachTheirOwnDigest() throws Exception {
        MemoryStorage storage = new MemoryStorage();
        byte[] data = random(3 * MIB, 1);
        storage.store("k", data);
        List<Long> parts = List.of((long) MIB + MIB / 2, (long) MIB, (long) MIB / 2);
        AtomicLong seen = new AtomicLong();
        ObjectReadback.Result result = new ObjectReadback(Engines.downloader(storage, MIB, 3))
                .read("k", storage.headObject("k"), parts, Optional.of(Algorithm.SHA256), false, seen::addAndGet);
        assertEquals(List.of(sha256(data, 0, 3 * MIB / 2), sha256(data, 3 * MIB / 2, 5 * MIB / 2),
                sha256(data, 5 * MIB / 2, 3 * MIB)), result.partDigests());
        assertEquals(3L * MIB, result.bytes());
        assertEquals(3L * MIB, seen.get(), "progress hears of every byte");
    }

    @Test
    void theDigestsOfAnUploadAreTheOnesAReadFindsAgain() throws Exception {
        MemoryStorage storage = new MemoryStorage();
        byte[] data = random(5 * MIB + 123, 2);
        DigestRecord record = Engines.uploader(storage, 2 * MIB, 2, WireMockS3.quietLog())
                .uploadRecorded("k", new ByteArrayInputStream(data)).digests();
        assertEquals(List.of(2L * MIB, 2L * MIB, MIB + 123L), record.parts().stream().map(PartDigest::size).toList());
        assertEquals(storage.headObject("k").etag(), record.etag());
        ObjectReadback.Result read = new ObjectReadback(Engines.downloader(storage, MIB, 2)).read("k",
                storage.headObject("k"), record.parts().stream().map(PartDigest::size).toList(),
                Optional.of(Algorithm.SHA256), false, n -> { });
        assertEquals(record.parts().stream().map(PartDigest::sha256Hex).toList(), read.partDigests());
        assertEquals(sha256(data, 0, 2 * MIB), record.parts().get(0).sha256Hex());
    }

    @Test
    void aSmallUploadIsOnePartWhoseDigestIsTheWholeObjects() throws Exception {
        MemoryStorage storage = new MemoryStorage();
        byte[] data = random(1000, 3);
        DigestRecord record = Engines.uploader(storage, MIB, 2, WireMockS3.quietLog())
                .uploadRecorded("k", new ByteArrayInputStream(data)).digests();
        assertEquals(List.of(new PartDigest(1000, sha256(data, 0, 1000))), record.parts());
        DigestRecord empty = Engines.uploader(storage, MIB, 2, WireMockS3.quietLog())
                .uploadRecorded("e", new ByteArrayInputStream(new byte[0])).digests();
        ObjectReadback.Result read = new ObjectReadback(Engines.downloader(storage, MIB, 2)).read("e",
                storage.headObject("e"), List.of(0L), Optional.of(Algorithm.SHA256), false, n -> { });
        assertEquals(List.of(empty.parts().get(0).sha256Hex()), read.partDigests());
    }

    @Test
    void aGzipObjectIsDecompressedOnTheWay() throws Exception {
        MemoryStorage storage = new MemoryStorage();
        byte[] gz = GzipCheckTest.gzip(GzipCheckTest.sample(3 * MIB, 4));
        storage.store("t.gz", gz);
        storage.store("cut.gz", Arrays.copyOf(gz, gz.length - 100));
        ObjectReadback readback = new ObjectReadback(Engines.downloader(storage, MIB, 2));
        ObjectReadback.Result whole = readback.read("t.gz", storage.headObject("t.gz"), List.of(), Optional.empty(),
                true, n -> { });
        assertEquals(Optional.empty(), whole.gzipFault());
        assertEquals(1, whole.gzipMembers());
        assertTrue(readback.read("cut.gz", storage.headObject("cut.gz"), List.of(), Optional.empty(), true, n -> { })
                .gzipFault().orElseThrow().startsWith("truncated"));
    }

    /**
     * Objects are read several at once: three reads are in flight for three different objects at
     * the same moment (each GET waits until all three have arrived), and the blocks allocated stay
     * within the pool shared by every read.
     */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void severalObjectsAreReadAtOnceWithinOnePool() throws Exception {
        MemoryStorage storage = new MemoryStorage();
        List<byte[]> objects = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            objects.add(random(3 * MIB, 10 + i));
            storage.store("k" + i, objects.get(i));
        }
        CountDownLatch threeAtOnce = new CountDownLatch(3);
        Set<String> keysInFlight = ConcurrentHashMap.newKeySet();
        storage.gate((request, cancellation) -> {
            if (request.operation().equals("get") && threeAtOnce.getCount() > 0) {
                keysInFlight.add(request.key());
                threeAtOnce.countDown();
                MemoryStorage.hold(threeAtOnce, request, cancellation);
            }
        });
        CountedPool counted = new CountedPool(3L * BufferPool.BLOCK_SIZE);
        // One piece in flight per object, three objects at once: the pool holds exactly three pieces.
        ObjectReadback readback = new ObjectReadback(new RangedDownloader(storage, MIB, 1, counted.pool()));
        String[] digests = new String[4];
        List<ParallelTransfers.Task> tasks = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            int index = i;
            tasks.add(() -> digests[index] = readback.read("k" + index, storage.headObject("k" + index),
                    List.of(3L * MIB), Optional.of(Algorithm.SHA256), false, n -> { }).partDigests().get(0));
        }
        ParallelTransfers.runAll(3, tasks);
        assertEquals(3, keysInFlight.size(), "three objects in flight at once: " + keysInFlight);
        for (int i = 0; i < 4; i++) {
            assertEquals(sha256(objects.get(i), 0, 3 * MIB), digests[i], "object " + i);
        }
        assertTrue(counted.blocksAllocated() <= 3, "blocks allocated: " + counted.blocksAllocated());

        // Wider reads of each object share the same three blocks.
        storage.gate((request, cancellation) -> { });
        ObjectReadback wide = new ObjectReadback(new RangedDownloader(storage, MIB, 8, counted.pool()));
        List<ParallelTransfers.Task> wideTasks = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            int index = i;
            wideTasks.add(() -> assertEquals(digests[index], wide.read("k" + index, storage.headObject("k" + index),
                    List.of(3L * MIB), Optional.of(Algorithm.SHA256), false, n -> { }).partDigests().get(0)));
        }
        ParallelTransfers.runAll(4, wideTasks);
        assertTrue(counted.blocksAllocated() <= 3, "blocks allocated: " + counted.blocksAllocated());
    }
}
