package gpbackup.s3plugin.transfer;

import gpbackup.s3plugin.s3.BodySink;
import gpbackup.s3plugin.s3.Cancellation;
import gpbackup.s3plugin.s3.ObjectInfo;
import gpbackup.s3plugin.s3.Payload;
import gpbackup.s3plugin.s3.S3Exception;
import gpbackup.s3plugin.s3.StorageReport;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Object storage in memory, for testing the engine without HTTP: it keeps a journal of every
 * request in the order it arrived, lets a test fail or hold any request through a {@link Gate},
 * and reports each answered request on {@link #answers()}. Like S3Client, it never starts a
 * request once the transfer's cancellation is thrown, and a held request ends when it is thrown.
 */
final class MemoryStorage implements ObjectStorage {
    /** Answers are handed to the sink in buffers of this size, as an HTTP client would. */
    private static final int DELIVERY = 64 * 1024;

    /** One request as the storage received it; {@code number} is a part number or a range's start. */
    record Request(String operation, String key, long number) {
        boolean is(String operation, String key) {
            return this.operation.equals(operation) && this.key.equals(key);
        }
    }

    /** What a test does with a request when it arrives: let it through, throw, or wait. */
    @FunctionalInterface
    interface Gate {
        void arrive(Request request, Cancellation cancellation) throws InterruptedException;
    }

    private final Map<String, byte[]> objects = new ConcurrentHashMap<>();
    private final Map<String, Map<String, String>> metadata = new ConcurrentHashMap<>();
    private final Map<String, Map<Integer, byte[]>> uploads = new ConcurrentHashMap<>();
    private final Map<String, Map<String, String>> uploadMetadata = new ConcurrentHashMap<>();
    private final List<Request> journal = new ArrayList<>();
    private final BlockingQueue<Request> answers = new LinkedBlockingQueue<>();
    private final AtomicInteger uploadIds = new AtomicInteger();
    private final AtomicInteger inProgress = new AtomicInteger();
    private volatile Gate gate = (request, cancellation) -> { };

    void gate(Gate gate) {
        this.gate = gate;
    }

    /** Waits for {@code latch}, or ends the request like S3Client when the transfer is cancelled meanwhile. */
    static void hold(CountDownLatch latch, Request request, Cancellation cancellation) throws InterruptedException {
        while (!latch.await(1, TimeUnit.MILLISECONDS)) {
            if (cancellation != null && cancellation.isCancelled()) {
                throw cancelled(request);
            }
        }
    }

    /** An S3 error answer, as S3Client reports it. */
    static S3Exception error(int status, String code) {
        return new S3Exception(code, status, code);
    }

    void store(String key, byte[] data) {
        objects.put(key, data.clone());
    }

    Optional<byte[]> object(String key) {
        return Optional.ofNullable(objects.get(key));
    }

    /** Multipart uploads neither completed nor aborted. */
    int uploadsOpen() {
        return uploads.size();
    }

    /** Requests being served right now. */
    int inProgress() {
        return inProgress.get();
    }

    /** Every request received so far, oldest first. */
    List<Request> journal() {
        synchronized (journal) {
            return List.copyOf(journal);
        }
    }

    /** Requests as they are answered successfully, in that order. */
    BlockingQueue<Request> answers() {
        return answers;
    }

    @Override
    public String location(String key) {
        return "memory:/" + key;
    }

    @Override
    public void putObject(String key, Payload body, Map<String, String> userMetadata) {
        serve(arrive("put", key, 0, null), () -> {
            objects.put(key, bytes(body));
            metadata.put(key, Map.copyOf(userMetadata));
            return null;
        });
    }

    @Override
    public String createMultipartUpload(String key, Map<String, String> userMetadata) {
        return serve(arrive("create", key, 0, null), () -> {
            String id = key + "#" + uploadIds.incrementAndGet();
            uploadMetadata.put(id, Map.copyOf(userMetadata));
            uploads.put(id, new ConcurrentHashMap<>());
            return id;
        });
    }

    @Override
    public String uploadPart(String key, String uploadId, int partNumber, Payload body, Cancellation cancellation) {
        return serve(arrive("part", key, partNumber, cancellation), () -> {
            Map<Integer, byte[]> parts = upload(uploadId);
            byte[] data = bytes(body);
            parts.put(partNumber, data);
            return etag(data);
        });
    }

    @Override
    public void completeMultipartUpload(String key, String uploadId, List<String> partEtags) {
        serve(arrive("complete", key, 0, null), () -> {
            Map<Integer, byte[]> parts = upload(uploadId);
            ByteArrayOutputStream whole = new ByteArrayOutputStream();
            for (int n = 1; n <= partEtags.size(); n++) {
                byte[] part = parts.get(n);
                if (part == null || !etag(part).equals(partEtags.get(n - 1))) {
                    throw error(400, "InvalidPart");
                }
                whole.writeBytes(part);
            }
            uploads.remove(uploadId);
            objects.put(key, whole.toByteArray());
            metadata.put(key, uploadMetadata.remove(uploadId));
            return null;
        });
    }

    @Override
    public void abortMultipartUpload(String key, String uploadId) {
        serve(arrive("abort", key, 0, null), () -> {
            upload(uploadId);
            uploads.remove(uploadId);
            uploadMetadata.remove(uploadId);
            return null;
        });
    }

    @Override
    public ObjectInfo headObject(String key) {
        return serve(arrive("head", key, 0, null), () -> {
            byte[] data = stored(key);
            return new ObjectInfo(data.length, etag(data), metadata.getOrDefault(key, Map.of()), StorageReport.NONE);
        });
    }

    @Override
    public Instant now() {
        return Instant.EPOCH;
    }

    /** Memory keeps what it is given: there is no storage option to ignore. */
    @Override
    public ObjectInfo confirmStorage(String key, ObjectInfo stored, Instant writeStarted) {
        return stored;
    }

    @Override
    public void getRange(String key, long start, long endExclusive, Optional<String> ifMatch, BodySink sink,
                         Cancellation cancellation) {
        serve(arrive("get", key, start, cancellation), () -> {
            byte[] data = stored(key);
            if (ifMatch.isPresent() && !ifMatch.get().equals(etag(data))) {
                throw error(412, "PreconditionFailed");
            }
            if (endExclusive > data.length) {
                throw error(416, "InvalidRange");
            }
            deliver(data, start, endExclusive, sink);
            return null;
        });
    }

    @Override
    public ObjectInfo getFirstBytes(String key, long length, BodySink sink, Cancellation cancellation) {
        return serve(arrive("get", key, 0, cancellation), () -> {
            byte[] data = stored(key);
            if (data.length == 0) {
                throw error(416, "InvalidRange");
            }
            deliver(data, 0, Math.min(length, data.length), sink);
            return new ObjectInfo(data.length, etag(data), metadata.getOrDefault(key, Map.of()), StorageReport.NONE);
        });
    }

    private Request arrive(String operation, String key, long number, Cancellation cancellation) {
        Request request = new Request(operation, key, number);
        // Checked with the journal locked, as S3Client checks atomically with starting the exchange.
        synchronized (journal) {
            if (cancellation != null && cancellation.isCancelled()) {
                throw cancelled(request);
            }
            journal.add(request);
            inProgress.incrementAndGet();
        }
        try {
            gate.arrive(request, cancellation);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            inProgress.decrementAndGet();
            throw new S3Exception("interrupted", e);
        } catch (RuntimeException | Error e) {
            inProgress.decrementAndGet();
            throw e;
        }
        return request;
    }

    /** Serves a request that got past its gate; a successful one is reported on {@link #answers()}. */
    private <T> T serve(Request request, Supplier<T> work) {
        try {
            T result = work.get();
            answers.add(request);
            return result;
        } finally {
            inProgress.decrementAndGet();
        }
    }

    private Map<Integer, byte[]> upload(String uploadId) {
        Map<Integer, byte[]> parts = uploads.get(uploadId);
        if (parts == null) {
            throw error(404, "NoSuchUpload");
        }
        return parts;
    }

    private byte[] stored(String key) {
        byte[] data = objects.get(key);
        if (data == null) {
            throw error(404, "NoSuchKey");
        }
        return data;
    }

    private static void deliver(byte[] data, long start, long end, BodySink sink) {
        try {
            sink.begin(end - start);
            for (long at = start; at < end; at += DELIVERY) {
                sink.accept(ByteBuffer.wrap(data, (int) at, (int) Math.min(DELIVERY, end - at)));
            }
        } catch (IOException e) {
            throw new S3Exception("landing failed", e);
        }
    }

    private static byte[] bytes(Payload body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (ByteBuffer buffer : body.buffers()) {
            byte[] chunk = new byte[buffer.remaining()];
            buffer.get(chunk);
            out.writeBytes(chunk);
        }
        return out.toByteArray();
    }

    static String etag(byte[] data) {
        try {
            return "\"" + HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(data)) + "\"";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static S3Exception cancelled(Request request) {
        return new S3Exception(request.operation() + " " + request.key() + " was cancelled", 0, null);
    }
}
