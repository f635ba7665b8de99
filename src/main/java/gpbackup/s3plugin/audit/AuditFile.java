package gpbackup.s3plugin.audit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The audit trail's file, shared by every plugin process on the host and every call in the host
 * agent. Opened with O_APPEND on first use and each line handed to the kernel in one write(), so
 * lines from many writers land whole, one after another, never interleaved. Created 0600 (its
 * parent directories 0700): it names buckets, keys and access key ids.
 *
 * <p>A line that cannot be written is lost, not retried and not fatal: the trail records the
 * backup, and must not be what fails it. The first failure is one warning in the plugin log; how
 * many lines were lost is another when the call ends.
 */
final class AuditFile implements AutoCloseable {
    private static final Set<StandardOpenOption> APPEND =
            Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);

    private final Path path;
    private final Consumer<String> warn;
    private FileChannel channel;
    private boolean closed;
    private long lost;

    /** @param warn where the first failure, and the count of lost lines, are reported */
    AuditFile(Path path, Consumer<String> warn) {
        this.path = path;
        this.warn = warn;
    }

    /** Appends one whole line in one write; a failure loses it, with a warning the first time. */
    void append(byte[] line) {
        FileChannel out;
        try {
            out = open();
            if (out == null) {
                return;
            }
            // One write() of the whole line: O_APPEND puts it after every line already there, whole.
            // A short write (a full disk) leaves a torn last line, which the summary counts as unreadable.
            int written = out.write(ByteBuffer.wrap(line));
            if (written != line.length) {
                failed("the disk took " + written + " of " + line.length + " bytes");
            }
        } catch (IOException | RuntimeException e) {
            failed(e.toString());
        }
    }

    private synchronized FileChannel open() throws IOException {
        if (channel == null && !closed) {
            Path parent = path.getParent();
            if (parent != null && !Files.isDirectory(parent)) {
                Files.createDirectories(parent, PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rwx------")));
            }
            channel = FileChannel.open(path, APPEND, PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rw-------")));
        }
        return channel;
    }

    private synchronized void failed(String why) {
        if (lost++ == 0) {
            warn.accept("audit_log " + path + ": cannot write (" + why + "); the backup goes on, but its S3"
                    + " requests are missing from the audit trail");
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (lost > 0) {
            warn.accept("audit_log " + path + ": " + lost + " line(s) of this call were not written");
        }
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // Every line was handed to the kernel with its own write; closing adds nothing to keep.
            }
            channel = null;
        }
    }
}
