package gpbackup.s3plugin.transfer;

import gpbackup.s3plugin.digest.Digests;
import gpbackup.s3plugin.s3.ObjectInfo;
import java.io.IOException;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.LongConsumer;
import java.util.function.UnaryOperator;

/**
 * Reads one whole object back through a {@link RangedDownloader} (so in pieces within the buffer
 * pool, several at once) and keeps only digests of it: one per part, for parts of the given
 * lengths, and, for a gzip file, whether it decompresses to its end. Nothing is written anywhere.
 */
public final class ObjectReadback {
    /** The digest taken of each part. */
    public enum Algorithm {
        SHA256("SHA-256"), MD5("MD5");

        private final String jdkName;

        Algorithm(String jdkName) {
            this.jdkName = jdkName;
        }

        MessageDigest create() {
            return Digests.named(jdkName);
        }
    }

    /**
     * What the read found.
     *
     * @param bytes       bytes read
     * @param partDigests lower-case hex digest of each part, in order; empty when none was asked for
     * @param gzipMembers gzip members decompressed whole, when gzip was checked
     * @param gzipFault   what is wrong with the gzip data, when it was checked and is faulty
     */
    public record Result(long bytes, List<String> partDigests, long gzipMembers, Optional<String> gzipFault) {
    }

    private final RangedDownloader downloader;

    public ObjectReadback(RangedDownloader downloader) {
        this.downloader = downloader;
    }

    /**
     * Reads {@code key}, pinned to the version {@code info} describes.
     *
     * @param partSizes the part lengths, adding up to the object's size; ignored without an algorithm
     * @param algorithm the digest of each part, if any
     * @param gzip      whether to decompress the bytes as gzip
     * @param progress  told of every run of bytes read
     */
    public Result read(String key, ObjectInfo info, List<Long> partSizes, Optional<Algorithm> algorithm,
                       boolean gzip, LongConsumer progress) throws IOException {
        return read(key, info, partSizes, algorithm, gzip, progress, UnaryOperator.identity());
    }

    /**
     * {@link #read(String, ObjectInfo, List, Optional, boolean, LongConsumer)}, the digests taken of the stored
     * bytes and the gzip check fed what {@code view} makes of them (e.g. a sealed object's plaintext). The
     * view's stream is closed once every byte was read; it fails the read by throwing.
     */
    public Result read(String key, ObjectInfo info, List<Long> partSizes, Optional<Algorithm> algorithm,
                       boolean gzip, LongConsumer progress, UnaryOperator<OutputStream> view) throws IOException {
        GzipCheck check = gzip ? new GzipCheck() : null;
        OutputStream viewed = view.apply(check == null ? OutputStream.nullOutputStream() : new OutputStream() {
            @Override
            public void write(int b) {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] bytes, int start, int length) {
                check.update(bytes, start, length);
            }
        });
        Digesting out = new Digesting(algorithm.isPresent() ? partSizes : List.of(), algorithm, check, viewed,
                progress);
        long bytes = info.size() == 0 ? 0
                : downloader.download(key, List.of(new ByteRange(0, info.size())), Optional.of(info.etag()), out);
        viewed.close();
        return out.finish(bytes);
    }

    /** A sink that hashes each part in turn and feeds the gzip check. */
    private static final class Digesting extends OutputStream {
        private final List<Long> partSizes;
        private final MessageDigest digest;
        private final GzipCheck gzip;
        private final OutputStream viewed;
        private final LongConsumer progress;
        private final List<String> digests = new ArrayList<>();
        private long leftInPart;

        /** @param viewed gets the bytes read, for the gzip check (through the caller's view) */
        Digesting(List<Long> partSizes, Optional<Algorithm> algorithm, GzipCheck gzip, OutputStream viewed,
                  LongConsumer progress) {
            this.partSizes = partSizes;
            this.digest = algorithm.map(Algorithm::create).orElse(null);
            this.gzip = gzip;
            this.viewed = viewed;
            this.progress = progress;
            this.leftInPart = partSizes.isEmpty() ? Long.MAX_VALUE : partSizes.get(0);
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] bytes, int start, int length) throws IOException {
            viewed.write(bytes, start, length);
            progress.accept(length);
            if (digest == null) {
                return;
            }
            int at = start;
            int end = start + length;
            while (at < end) {
                closeFinishedParts();
                int n = (int) Math.min(end - at, leftInPart);
                digest.update(bytes, at, n);
                leftInPart -= n;
                at += n;
            }
        }

        /** Parts of zero bytes (an empty object's one part) and parts just filled get their digest. */
        private void closeFinishedParts() {
            while (leftInPart == 0 && digests.size() < partSizes.size()) {
                digests.add(Digests.hex(digest.digest()));
                leftInPart = digests.size() < partSizes.size() ? partSizes.get(digests.size()) : Long.MAX_VALUE;
            }
        }

        Result finish(long bytes) {
            if (digest != null) {
                closeFinishedParts();
            }
            Optional<String> fault = gzip == null ? Optional.empty() : gzip.finish();
            return new Result(bytes, List.copyOf(digests), gzip == null ? 0 : gzip.members(), fault);
        }
    }
}
