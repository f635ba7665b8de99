package gpbackup.s3plugin.transfer;

import gpbackup.s3plugin.PluginException;
import gpbackup.s3plugin.s3.BodySink;
import gpbackup.s3plugin.s3.Cancellation;
import gpbackup.s3plugin.s3.ObjectInfo;
import gpbackup.s3plugin.s3.Payload;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A store whose bodies move within a {@link BandwidthCap}: an upload's part and a ranged GET take
 * their bytes before they start; a GET of an object's first bytes, whose length shows only in the
 * answer, waits for its turn and is then charged what came, so a small table's restore is not held
 * up for a piece it never read.
 */
public record PacedStorage(ObjectStorage store, BandwidthCap cap) implements ObjectStorage {
    @Override
    public String location(String key) {
        return store.location(key);
    }

    @Override
    public void putObject(String key, Payload body, Map<String, String> userMetadata) {
        take(body.length());
        store.putObject(key, body, userMetadata);
    }

    @Override
    public String createMultipartUpload(String key, Map<String, String> userMetadata) {
        return store.createMultipartUpload(key, userMetadata);
    }

    @Override
    public String uploadPart(String key, String uploadId, int partNumber, Payload body, Cancellation cancellation) {
        take(body.length());
        return store.uploadPart(key, uploadId, partNumber, body, cancellation);
    }

    @Override
    public void completeMultipartUpload(String key, String uploadId, List<String> partEtags) {
        store.completeMultipartUpload(key, uploadId, partEtags);
    }

    @Override
    public void abortMultipartUpload(String key, String uploadId) {
        store.abortMultipartUpload(key, uploadId);
    }

    @Override
    public ObjectInfo headObject(String key) {
        return store.headObject(key);
    }

    @Override
    public Instant now() {
        return store.now();
    }

    @Override
    public ObjectInfo confirmStorage(String key, ObjectInfo stored, Instant writeStarted) {
        return store.confirmStorage(key, stored, writeStarted);
    }

    @Override
    public void getRange(String key, long start, long endExclusive, Optional<String> ifMatch, BodySink sink,
                         Cancellation cancellation) {
        take(endExclusive - start);
        store.getRange(key, start, endExclusive, ifMatch, sink, cancellation);
    }

    @Override
    public boolean etagsAreMd5() {
        return store.etagsAreMd5();
    }

    @Override
    public ObjectInfo getFirstBytes(String key, long length, BodySink sink, Cancellation cancellation) {
        // Waits for its turn like any request, so restores of many small objects keep to the cap too.
        take(0);
        Counting counted = new Counting(sink);
        try {
            return store.getFirstBytes(key, length, counted, cancellation);
        } finally {
            cap.charge(counted.bytes);
        }
    }

    private void take(long bytes) {
        try {
            cap.take(bytes);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PluginException("interrupted while waiting for max_bandwidth", e);
        }
    }

    /** Passes a body on, counting its bytes; a retried answer counts again, as it moved again. */
    private static final class Counting implements BodySink {
        private final BodySink sink;
        private long bytes;

        Counting(BodySink sink) {
            this.sink = sink;
        }

        @Override
        public void begin(long announced) throws IOException {
            sink.begin(announced);
        }

        @Override
        public void accept(ByteBuffer body) throws IOException {
            bytes += body.remaining();
            sink.accept(body);
        }
    }
}
