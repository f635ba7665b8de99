package gpbackup.s3plugin.audit;

import java.util.Optional;

/**
 * Who made the requests of one plugin call: the host, the process (the caller's, for a call the
 * host agent runs), the command, and the backup its arguments name.
 *
 * @param backup the backup timestamp the call's arguments name, for requests whose key names none
 */
public record CallIdentity(String host, long pid, String command, Optional<String> backup) {
}
