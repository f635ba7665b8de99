package gpbackup.s3plugin.seal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * Where master keys come from: a key file (owner-only; 32 raw bytes, or one base64 key per line with blank
 * lines and {@code #} comments) or an environment variable (base64 keys separated by commas or newlines).
 * The first key found seals; every key opens. No message shows a key or a line of a key file.
 */
public final class KeySources {
    /** A key file longer than this is not a key file. */
    static final int MAX_FILE_LENGTH = 64 << 10;

    private KeySources() {
    }

    /**
     * The keys of a key file.
     *
     * @throws SealException when the file is missing, unreadable, readable or writable by group or others, or
     *                       holds anything but keys
     */
    public static KeyRing fromFile(Path file) {
        byte[] content = readOwnerOnly(file);
        if (content.length == MasterKey.LENGTH) {
            return KeyRing.of(MasterKey.of(content));
        }
        List<MasterKey> keys = new ArrayList<>();
        String[] lines = new String(content, StandardCharsets.ISO_8859_1).split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            keys.add(decode(line, "key file " + file + " line " + (i + 1)));
        }
        if (keys.isEmpty()) {
            throw new SealException("key file " + file + " holds no key: it must be exactly 32 raw bytes, or one"
                    + " base64-encoded 32-byte key per line");
        }
        return KeyRing.of(keys);
    }

    /**
     * The keys in an environment variable's value.
     *
     * @param environment the process's environment, {@code System::getenv} in production
     * @throws SealException when the variable is unset or empty, or an entry is not a base64 32-byte key
     */
    public static KeyRing fromEnvironment(String variable, Function<String, String> environment) {
        String value = environment.apply(variable);
        if (value == null || value.isBlank()) {
            throw new SealException("environment variable " + variable + " is " + (value == null ? "not set" : "empty")
                    + "; it must hold one or more base64-encoded 32-byte keys, separated by commas or newlines");
        }
        List<MasterKey> keys = new ArrayList<>();
        int position = 0;
        for (String entry : value.split("[,\r\n]")) {
            String key = entry.strip();
            if (!key.isEmpty()) {
                keys.add(decode(key, "environment variable " + variable + " key " + ++position));
            }
        }
        if (keys.isEmpty()) {
            throw new SealException("environment variable " + variable + " holds no key");
        }
        return KeyRing.of(keys);
    }

    /** @param where the file and line, or the variable and entry, for the message */
    private static MasterKey decode(String text, String where) {
        byte[] key;
        try {
            key = Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            // Not the decoder's message: it quotes the offending character.
            throw new SealException(where + " is not base64: a key is 32 bytes, base64-encoded"
                    + " (44 characters, e.g. from: head -c 32 /dev/urandom | base64)");
        }
        if (key.length != MasterKey.LENGTH) {
            throw new SealException(where + " decodes to " + key.length
                    + " bytes; a key is exactly 32 bytes, base64-encoded (44 characters)");
        }
        return MasterKey.of(key);
    }

    private static byte[] readOwnerOnly(Path file) {
        try {
            if (Files.isDirectory(file)) {
                throw new SealException("key file " + file + " is a directory");
            }
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
            if (!ownerOnly(permissions)) {
                throw new SealException("key file " + file + " has mode " + mode(permissions)
                        + ", open to its group or others; it must be owner-only: chmod 600 " + file);
            }
            long size = Files.size(file);
            if (size > MAX_FILE_LENGTH) {
                throw new SealException("key file " + file + " is " + size + " bytes, too long to be a key file");
            }
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new SealException("key file " + file + " does not exist");
        } catch (AccessDeniedException e) {
            throw new SealException("cannot read key file " + file + ": permission denied");
        } catch (UnsupportedOperationException e) {
            throw new SealException("key file " + file + " is on a file system without POSIX permissions, so it cannot"
                    + " be proven owner-only");
        } catch (IOException e) {
            throw new SealException("cannot read key file " + file + ": " + e.getClass().getSimpleName());
        }
    }

    private static boolean ownerOnly(Set<PosixFilePermission> permissions) {
        for (PosixFilePermission p : permissions) {
            if (p != PosixFilePermission.OWNER_READ && p != PosixFilePermission.OWNER_WRITE
                    && p != PosixFilePermission.OWNER_EXECUTE) {
                return false;
            }
        }
        return true;
    }

    /** The permission bits in octal, as ls and chmod say them: 0644. */
    static String mode(Set<PosixFilePermission> permissions) {
        int bits = 0;
        for (PosixFilePermission p : permissions) {
            bits |= 1 << (8 - p.ordinal());
        }
        return String.format("%04o", bits);
    }
}
