package gpbackup.s3plugin.agent;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Set;

/**
 * The private directory through which clients reach one agent:
 * {@code /tmp/gpbackup_s3_plugin-<uid>/<key>}, where the launcher derives the key from the
 * config file and the caller's {@code AWS_*} environment. Both levels must be real directories
 * owned by this user with mode 0700; anything else is refused, never repaired, since another
 * user could have prepared it.
 */
public record AgentDirectory(Path path) {
    static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");
    /** S_IFMT and S_IFIFO of stat(2). */
    private static final int FILE_TYPE_MASK = 0170000;
    private static final int FIFO_TYPE = 0010000;

    public Path requests() {
        return path.resolve("requests");
    }

    public Path pidFile() {
        return path.resolve("pid");
    }

    public Path lockFile() {
        return path.resolve("lock");
    }

    /**
     * The file whose exclusive lock the serving agent holds for its whole life; the kernel drops
     * the lock when that process dies, so a free lock means no agent, whatever files are left.
     */
    FileChannel openLock() throws IOException {
        return FileChannel.open(lockFile(), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    }

    /** Creates the directory and its parent where missing; either way checks that both are private. */
    public AgentDirectory createPrivate() throws IOException {
        for (Path dir : new Path[] {path.getParent(), path}) {
            try {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
            } catch (FileAlreadyExistsException exists) {
                // checked below like a directory we made
            }
            checkPrivate(dir);
        }
        return this;
    }

    /** Checks that both levels exist and are private; throws naming what is wrong. */
    public AgentDirectory checkPrivate() throws IOException {
        checkPrivate(path.getParent());
        checkPrivate(path);
        return this;
    }

    /** Checks that the level above, shared by all of this user's agents, exists and is private. */
    public void checkParentPrivate() throws IOException {
        checkPrivate(path.getParent());
    }

    private static void checkPrivate(Path dir) throws IOException {
        Map<String, Object> stat = Files.readAttributes(dir, "unix:uid,mode", LinkOption.NOFOLLOW_LINKS);
        int mode = (Integer) stat.get("mode");
        if ((mode & FILE_TYPE_MASK) != 0040000) {
            throw new IOException(dir + " is not a directory");
        }
        if ((Integer) stat.get("uid") != currentUid()) {
            throw new IOException(dir + " belongs to another user");
        }
        if ((mode & 0777) != 0700) {
            throw new IOException(dir + " has mode " + Integer.toOctalString(mode & 0777) + ", not 700");
        }
    }

    /** Whether {@code file} is a FIFO of this user's, as the client makes them. */
    static boolean isOwnFifo(Path file) throws IOException {
        Map<String, Object> stat = Files.readAttributes(file, "unix:uid,mode", LinkOption.NOFOLLOW_LINKS);
        return isFifoMode((Integer) stat.get("mode")) && (Integer) stat.get("uid") == currentUid();
    }

    /** Whether a {@code unix:mode} is a FIFO's (or a pipe's). */
    static boolean isFifoMode(int mode) {
        return (mode & FILE_TYPE_MASK) == FIFO_TYPE;
    }

    /** This process's user id: the owner of its /proc entry (the JDK has no getuid). */
    static int currentUid() throws IOException {
        return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    }
}
