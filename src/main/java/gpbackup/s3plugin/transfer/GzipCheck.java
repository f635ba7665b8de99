package gpbackup.s3plugin.transfer;

import java.io.ByteArrayOutputStream;
import java.util.Optional;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Decompresses a gzip stream pushed to it in pieces, as {@code gzip -d} would read the file, and
 * keeps nothing of the output: each member's header is parsed, its deflate data inflated to the
 * end, and its trailer's CRC-32 and length compared with what came out. Members may follow one
 * another (gzip concatenates them); anything after the last member that is not another member is
 * a fault, as is a stream that ends inside one.
 */
public final class GzipCheck {
    /** A header longer than this (a file name or comment without end) is not a header. */
    private static final int MAX_HEADER = 4096;
    private static final int FHCRC = 2;
    private static final int FEXTRA = 4;
    private static final int FNAME = 8;
    private static final int FCOMMENT = 16;

    private enum Stage { HEADER, DEFLATE, TRAILER }

    private final Inflater inflater = new Inflater(true);
    private final CRC32 crc = new CRC32();
    private final byte[] scratch = new byte[64 * 1024];
    private final ByteArrayOutputStream header = new ByteArrayOutputStream();
    private final byte[] trailer = new byte[8];
    private Stage stage = Stage.HEADER;
    private int trailerBytes;
    private long inflated;
    private long members;
    private long offset;
    private String fault;

    /** The next {@code length} bytes of the file. */
    public void update(byte[] bytes, int start, int length) {
        int at = start;
        int end = start + length;
        while (at < end && fault == null) {
            switch (stage) {
                case HEADER -> at = header(bytes, at, end);
                case DEFLATE -> at = deflate(bytes, at, end);
                case TRAILER -> at = trailer(bytes, at, end);
            }
        }
    }

    /** Members decompressed whole so far. */
    public long members() {
        return members;
    }

    /** What is wrong with the file, once all of it has been given; empty when it decompresses to its end. */
    public Optional<String> finish() {
        inflater.end();
        if (fault == null && (stage != Stage.HEADER || header.size() > 0 || members == 0)) {
            fault = members == 0 && stage == Stage.HEADER && header.size() == 0 ? "empty, not gzip"
                    : "truncated: ends inside " + (stage == Stage.HEADER ? "the header" : stage == Stage.DEFLATE
                    ? "the compressed data" : "the trailer") + " of gzip member " + (members + 1)
                    + " at byte " + offset;
        }
        return Optional.ofNullable(fault);
    }

    private int header(byte[] bytes, int at, int end) {
        // Byte by byte: a header is a few bytes, and this stops exactly where the deflate data begins.
        while (at < end) {
            header.write(bytes[at++]);
            offset++;
            int length = headerLength(header.toByteArray());
            if (fault != null) {
                return end;
            }
            if (length > 0) {
                header.reset();
                stage = Stage.DEFLATE;
                return at;
            }
        }
        return at;
    }

    /** The header's length when {@code h} holds all of it, 0 while it is incomplete; sets {@link #fault} when it is not gzip. */
    private int headerLength(byte[] h) {
        if (h.length > MAX_HEADER) {
            fault = "gzip member " + (members + 1) + " has a header longer than " + MAX_HEADER + " bytes";
            return 0;
        }
        if ((h.length >= 1 && (h[0] & 0xff) != 0x1f) || (h.length >= 2 && (h[1] & 0xff) != 0x8b)) {
            fault = members == 0 ? "not gzip (no gzip magic at byte 0)"
                    : "bytes after gzip member " + members + " that are not gzip, at byte " + (offset - h.length);
            return 0;
        }
        if (h.length >= 3 && h[2] != 8) {
            fault = "gzip member " + (members + 1) + " uses compression method " + h[2] + ", not deflate";
            return 0;
        }
        if (h.length >= 4 && (h[3] & 0xe0) != 0) {
            fault = "gzip member " + (members + 1) + " sets reserved header flags";
            return 0;
        }
        if (h.length < 10) {
            return 0;
        }
        int flags = h[3];
        int at = 10;
        if ((flags & FEXTRA) != 0) {
            if (h.length < at + 2) {
                return 0;
            }
            at += 2 + ((h[at] & 0xff) | (h[at + 1] & 0xff) << 8);
        }
        for (int zeroTerminated : new int[] {FNAME, FCOMMENT}) {
            if ((flags & zeroTerminated) != 0) {
                while (at < h.length && h[at] != 0) {
                    at++;
                }
                if (at >= h.length) {
                    return 0;
                }
                at++;
            }
        }
        if ((flags & FHCRC) != 0) {
            at += 2;
        }
        return h.length >= at ? at : 0;
    }

    private int deflate(byte[] bytes, int at, int end) {
        inflater.setInput(bytes, at, end - at);
        try {
            while (true) {
                int n = inflater.inflate(scratch);
                crc.update(scratch, 0, n);
                inflated += n;
                if (inflater.finished()) {
                    int used = (end - at) - inflater.getRemaining();
                    offset += used;
                    stage = Stage.TRAILER;
                    return at + used;
                }
                if (inflater.needsDictionary()) {
                    fault = "gzip member " + (members + 1) + " asks for a preset dictionary";
                    return end;
                }
                if (n == 0 && inflater.needsInput()) {
                    offset += end - at;
                    return end;
                }
            }
        } catch (DataFormatException e) {
            fault = "gzip member " + (members + 1) + " has corrupt compressed data near byte " + offset + ": "
                    + e.getMessage();
            return end;
        }
    }

    private int trailer(byte[] bytes, int at, int end) {
        int n = Math.min(end - at, trailer.length - trailerBytes);
        System.arraycopy(bytes, at, trailer, trailerBytes, n);
        trailerBytes += n;
        offset += n;
        if (trailerBytes == trailer.length) {
            long storedCrc = littleEndian(0);
            long storedLength = littleEndian(4);
            if (storedCrc != crc.getValue()) {
                fault = "gzip member " + (members + 1) + " decompresses to data whose CRC-32 differs from its trailer's";
            } else if (storedLength != (inflated & 0xffffffffL)) {
                fault = "gzip member " + (members + 1) + " decompresses to " + inflated
                        + " bytes, its trailer says " + storedLength + " (mod 2^32)";
            }
            members++;
            inflater.reset();
            crc.reset();
            inflated = 0;
            trailerBytes = 0;
            stage = Stage.HEADER;
        }
        return at + n;
    }

    private long littleEndian(int at) {
        return (trailer[at] & 0xffL) | (trailer[at + 1] & 0xffL) << 8 | (trailer[at + 2] & 0xffL) << 16
                | (trailer[at + 3] & 0xffL) << 24;
    }
}
