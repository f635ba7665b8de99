package gpbackup.s3plugin.backup;

import gpbackup.s3plugin.seal.FrameSpan;
import gpbackup.s3plugin.seal.KeyRing;
import gpbackup.s3plugin.seal.ObjectOpener;
import gpbackup.s3plugin.seal.SealException;
import gpbackup.s3plugin.seal.SealedHeader;
import gpbackup.s3plugin.seal.SealingInputStream;
import gpbackup.s3plugin.s3.ObjectInfo;
import gpbackup.s3plugin.transfer.ByteRange;
import gpbackup.s3plugin.transfer.RangedDownloader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * How a backup's objects are sealed on the host (client-side encryption, spec/sealed-format.md): the
 * frame size new objects get, the user metadata that marks them, the name each is bound to (its file's base
 * name), and the streams that seal an upload and open a download. With no keys configured nothing is sealed,
 * and a sealed object met on restore fails naming its key's fingerprint.
 */
public final class SealedObjects {
    /**
     * The plaintext bytes per frame of every object this plugin seals. Measured (spec/sealed-format.md, "Cost"):
     * the cost hardly depends on it, while a filtered restore reads up to two frames more per range than it
     * needs, so the smallest size measured. Readers take it from each object's header.
     */
    public static final int FRAME_SIZE = 64 << 10;
    /** The user metadata ({@code x-amz-meta-gpbackup-seal}) that marks a sealed object, and its value. */
    public static final String METADATA = "gpbackup-seal";
    public static final String FORMAT = "v1";

    private final Optional<KeyRing> keys;

    /** @param keys the config's master keys; empty when {@code client_side_encryption} is off */
    public SealedObjects(Optional<KeyRing> keys) {
        this.keys = keys;
    }

    /** Whether what is uploaded gets sealed. */
    public boolean sealing() {
        return keys.isPresent();
    }

    /** The name an object is sealed under: the last path component of its key, the backup file's base name. */
    public static String objectName(String key) {
        return key.substring(key.lastIndexOf('/') + 1);
    }

    /** The stream to upload to {@code key} for {@code plaintext}: sealed under the ring's first key, or as it is. */
    public InputStream forUpload(InputStream plaintext, String key) {
        return keys.<InputStream>map(ring -> SealingInputStream.seal(plaintext, ring, objectName(key), FRAME_SIZE,
                new SecureRandom())).orElse(plaintext);
    }

    /** The user metadata an uploaded object gets: the seal's mark when sealing, else none. */
    public Map<String, String> uploadMetadata() {
        return sealing() ? Map.of(METADATA, FORMAT) : Map.of();
    }

    /**
     * Whether the object is sealed, by its user metadata (a HEAD's or the first GET's), not by its bytes: an
     * unsealed backup file may start with any bytes.
     *
     * @throws SealException when the mark names a format this plugin does not read
     */
    public static boolean isSealed(ObjectInfo info, String key) {
        String mark = info.userMetadata().get(METADATA);
        if (mark == null) {
            return false;
        }
        if (!mark.equals(FORMAT)) {
            throw new SealException(objectName(key) + " is marked sealed in format " + mark + " (" + METADATA
                    + " metadata), which this plugin does not read (it reads " + FORMAT + ")");
        }
        return true;
    }

    /**
     * Where the bytes of a download of the whole object {@code key} go: straight to {@code out} when it is not
     * sealed, else through a stream that opens it and writes only authenticated plaintext. Call
     * {@link Opening#finish()} once every byte was written: it fails when the object was cut short.
     */
    public Opening forWholeDownload(ObjectInfo info, String key, OutputStream out) {
        return isSealed(info, key) ? new WholeObjectOpening(this, key, info.size(), out) : new Opening.Plain(out);
    }

    /**
     * What a read-back of the whole stored object {@code key} (verify) makes of its bytes for the checks of its
     * content: an unsealed object's bytes as they are; a sealed one's plaintext, every frame opened, with the
     * keys; without them nothing, the header and length alone checked. The stream fails on close when the
     * object is cut short.
     */
    public UnaryOperator<OutputStream> forReadback(ObjectInfo info, String key) {
        if (!isSealed(info, key)) {
            return UnaryOperator.identity();
        }
        return out -> sealing() ? new WholeObjectOpening(this, key, info.size(), out)
                : new WholeObjectOpening(this, key, info.size(), null);
    }

    /** The opener of sealed object {@code key}, from its header bytes; fails naming the key it needs. */
    public ObjectOpener opener(String key, byte[] headerBytes) {
        String name = objectName(key);
        SealedHeader header = SealedHeader.parse(headerBytes, name);
        if (keys.isEmpty()) {
            throw new SealException(name + " is sealed (client-side encryption) with key " + header.fingerprint()
                    + ", but client_side_encryption is off in this config: set client_side_encryption: on and"
                    + " cse_key_file or cse_key_env to the key with that fingerprint");
        }
        return ObjectOpener.of(header, keys.get(), name);
    }

    /** Reads the header of sealed object {@code key} (a ranged GET or two) and gives its opener. */
    public ObjectOpener opener(RangedDownloader downloader, String key, ObjectInfo info) throws IOException {
        String name = objectName(key);
        long prefix = Math.min(info.size(), SealedHeader.FIXED_LENGTH);
        ByteArrayOutputStream header = new ByteArrayOutputStream();
        downloader.download(key, List.of(new ByteRange(0, prefix)), Optional.of(info.etag()), header);
        int length = SealedHeader.lengthFrom(header.toByteArray(), header.size(), name);
        if (length > header.size() && length <= info.size()) {
            downloader.download(key, List.of(new ByteRange(header.size(), length)), Optional.of(info.etag()), header);
        }
        return opener(key, header.toByteArray());
    }

    /**
     * The plaintext of the whole frames in {@code prefix}, the first bytes of sealed object {@code key} (all of
     * it, for a small one): what a reader of the start of a file, such as gpbackup's report, gets. Empty
     * without keys, since listing and deleting backups need none.
     */
    public Optional<byte[]> openPrefix(String key, ObjectInfo info, byte[] prefix) throws IOException {
        if (keys.isEmpty()) {
            return Optional.empty();
        }
        ObjectOpener opener = opener(key, prefix);
        long plaintext = opener.plaintextLength(info.size());
        int headerLength = opener.header().length();
        long frames = Math.max(0, prefix.length - headerLength) / opener.layout().sealedFrameSize();
        long to = prefix.length >= info.size() ? plaintext
                : Math.min(plaintext, frames * opener.layout().frameSize());
        FrameSpan span = opener.span(info.size(), 0, to);
        ByteArrayOutputStream opened = new ByteArrayOutputStream();
        try (Opening sink = forSpans(opener, List.of(span), opened)) {
            sink.write(prefix, (int) span.sealedStart(), (int) span.sealedLength());
            sink.finish();
        }
        return Optional.of(opened.toByteArray());
    }

    /**
     * A stream taking the sealed bytes of {@code spans}, one after the other and in any chunks, that writes the
     * spans' plaintext to {@code out}, each frame once it authenticated.
     */
    public static Opening forSpans(ObjectOpener opener, List<FrameSpan> spans, OutputStream out) {
        return new SpanOpening(opener, spans, out);
    }

    /** A download's output that may open what it is given; {@link #finish()} says whether all of it came. */
    public abstract static class Opening extends OutputStream {
        /** Checks that every byte the object or spans hold was written and opened; flushes the output. */
        public abstract void finish() throws IOException;

        /** {@link #finish()}; the output stays open. */
        @Override
        public void close() throws IOException {
            finish();
        }

        /** What an unsealed object's download writes to: the output itself. */
        static final class Plain extends Opening {
            private final OutputStream out;

            Plain(OutputStream out) {
                this.out = out;
            }

            @Override
            public void write(int b) throws IOException {
                out.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
            }

            @Override
            public void flush() throws IOException {
                out.flush();
            }

            @Override
            public void finish() throws IOException {
                out.flush();
            }
        }
    }
}
