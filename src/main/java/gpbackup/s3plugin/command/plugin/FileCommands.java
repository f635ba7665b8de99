package gpbackup.s3plugin.command.plugin;

import gpbackup.s3plugin.PluginException;
import gpbackup.s3plugin.backup.DigestRecordStore;
import gpbackup.s3plugin.backup.SealedObjects;
import gpbackup.s3plugin.command.PluginContext;
import gpbackup.s3plugin.progress.Progress;
import gpbackup.s3plugin.progress.ProgressStreams;
import gpbackup.s3plugin.transfer.ByteRange;
import gpbackup.s3plugin.transfer.DescriptorOutput;
import gpbackup.s3plugin.transfer.RangedDownloader;
import gpbackup.s3plugin.transfer.StreamUploader.Upload;
import gpbackup.s3plugin.transfer.StreamUploader;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.UUID;

/** {@code backup_file} and {@code restore_file}: metadata files gpbackup writes and reads on local disk. */
public final class FileCommands {
    private FileCommands() {
    }

    /** Uploads a local file to its key; the file stays where it is. */
    public static void backupFile(PluginContext context) throws IOException {
        Path file = Path.of(context.arg(1));
        String key = context.layout().keyFor(context.arg(1));
        long start = System.nanoTime();
        Upload uploaded;
        try (Progress progress = context.progress(DataCommands.task("backup_file", context.arg(1)), size(file))) {
            uploaded = upload(context.uploader(), context.sealedObjects(), file, key, progress);
        }
        DigestRecordStore.store(context.s3(), key, uploaded);
        context.log().info(TransferReport.line("Uploaded", uploaded.size(), key, start));
    }

    /** Downloads a key to a local file; on failure no file, and no partial file, is left behind. */
    public static void restoreFile(PluginContext context) throws IOException {
        Path target = Path.of(context.arg(1));
        long start = System.nanoTime();
        StoredObject object = StoredObject.locate(context, context.arg(1));
        long bytes;
        try (Progress progress = context.progress(DataCommands.task("restore_file", context.arg(1)),
                object.info().size())) {
            bytes = download(context.downloader(), context.sealedObjects(), object, target, context.umask(), progress);
        }
        context.log().info(TransferReport.line("Downloaded", bytes, object.key(), start));
    }

    /** The size of the file to back up, for a progress line; unknown (-1) when it is not a readable file. */
    private static long size(Path file) {
        try {
            return Files.isRegularFile(file) ? Files.size(file) : -1;
        } catch (IOException e) {
            return -1; // upload says what is wrong
        }
    }

    /** Uploads {@code file} to {@code key}, sealed when client-side encryption is on. */
    static Upload upload(StreamUploader uploader, SealedObjects sealed, Path file, String key, Progress progress)
            throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new PluginException("cannot back up " + file + ": not a readable regular file");
        }
        try (InputStream in = Files.newInputStream(file)) {
            return uploader.uploadRecorded(key, sealed.forUpload(ProgressStreams.counting(in, progress), key),
                    sealed.uploadMetadata());
        } catch (NoSuchFileException e) {
            throw new PluginException("cannot back up " + file + ": no such file");
        }
    }

    /**
     * Downloads into a hidden temporary file beside the target and renames it into place only
     * when every byte has arrived, so an interrupted restore never leaves a file that looks whole. A sealed
     * object is opened on the way, and a frame that does not authenticate leaves no file either.
     */
    static long download(RangedDownloader downloader, SealedObjects sealed, StoredObject object, Path target,
                         OptionalInt umask, Progress progress) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        createDirectories(dir, umask);
        // Not createTempFile: its 0600 mode would stick to the restored file; this one gets the umask's.
        Path partial = dir.resolve("." + target.getFileName() + "." + UUID.randomUUID() + ".partial");
        boolean done = false;
        try {
            long bytes;
            try (OutputStream out = new DescriptorOutput(
                    FileChannel.open(partial, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE))) {
                SealedObjects.Opening opening = sealed.forWholeDownload(object.info(), object.key(),
                        ProgressStreams.counting(out, progress));
                bytes = downloader.download(object.key(), List.of(new ByteRange(0, object.info().size())),
                        Optional.of(object.info().etag()), opening);
                opening.finish();
            }
            if (umask.isPresent()) {
                Files.setPosixFilePermissions(partial, permissions(0666 & ~umask.getAsInt()));
            }
            moveIntoPlace(partial, target);
            done = true;
            return bytes;
        } finally {
            if (!done) {
                Files.deleteIfExists(partial);
            }
        }
    }

    /**
     * Creates {@code dir} and its missing parents; with the caller's {@code umask} (a relayed call,
     * whose process has the agent's umask) each one created gets the mode the caller's would have.
     */
    private static void createDirectories(Path dir, OptionalInt umask) throws IOException {
        List<Path> missing = new ArrayList<>();
        for (Path d = dir; d != null && !Files.exists(d); d = d.getParent()) {
            missing.add(0, d);
        }
        Files.createDirectories(dir);
        if (umask.isPresent()) {
            for (Path created : missing) {
                Files.setPosixFilePermissions(created, permissions(0777 & ~umask.getAsInt()));
            }
        }
    }

    private static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] bits = PosixFilePermission.values(); // OWNER_READ first, OTHERS_EXECUTE last
        for (int i = 0; i < bits.length; i++) {
            if ((mode & (0400 >> i)) != 0) {
                set.add(bits[i]);
            }
        }
        return set;
    }

    private static void moveIntoPlace(Path partial, Path target) throws IOException {
        try {
            Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
