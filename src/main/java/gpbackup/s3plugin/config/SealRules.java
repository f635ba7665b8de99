package gpbackup.s3plugin.config;

import gpbackup.s3plugin.seal.KeyRing;
import gpbackup.s3plugin.seal.KeySources;
import gpbackup.s3plugin.seal.SealException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The rules for client-side encryption (spec/config.md, "Client-side encryption"): whether backups are
 * sealed on the host, and where the master keys are. The key file or variable is read here, at config load,
 * so a missing, open or short key fails the call before any request. No message shows a key.
 */
final class SealRules {
    static final String CLIENT_SIDE_ENCRYPTION = "client_side_encryption";
    static final String CSE_KEY_FILE = "cse_key_file";
    static final String CSE_KEY_ENV = "cse_key_env";

    static final List<String> OPTIONS = List.of(CLIENT_SIDE_ENCRYPTION, CSE_KEY_FILE, CSE_KEY_ENV);

    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private final Function<String, Optional<String>> options;
    private final Function<String, String> environment;
    private final Problems problems;

    /**
     * @param options     an option's text; empty when absent or empty
     * @param environment expands {@code $VAR} in the key file's path and holds the variable {@code cse_key_env} names
     */
    SealRules(Function<String, Optional<String>> options, Function<String, String> environment, Problems problems) {
        this.options = options;
        this.environment = environment;
        this.problems = problems;
    }

    /** The key ring when {@code client_side_encryption: on}; empty when off or after a problem. */
    Optional<KeyRing> apply() {
        boolean on = options.apply(CLIENT_SIDE_ENCRYPTION)
                .flatMap(text -> ConfigRules.onOffAnyCase(CLIENT_SIDE_ENCRYPTION, text, problems)).orElse(false);
        Optional<String> file = options.apply(CSE_KEY_FILE);
        Optional<String> variable = options.apply(CSE_KEY_ENV);
        if (file.isPresent() && variable.isPresent()) {
            problems.add(CSE_KEY_FILE + " and " + CSE_KEY_ENV + " exclude each other: set one (a key file holds"
                    + " several keys, one per line, for rotation)");
            return Optional.empty();
        }
        if (!on) {
            if (file.isPresent() || variable.isPresent()) {
                problems.add((file.isPresent() ? CSE_KEY_FILE : CSE_KEY_ENV) + " is set but " + CLIENT_SIDE_ENCRYPTION
                        + " is not on: set " + CLIENT_SIDE_ENCRYPTION + ": on to seal backups with it, or remove "
                        + (file.isPresent() ? CSE_KEY_FILE : CSE_KEY_ENV));
            }
            return Optional.empty();
        }
        if (file.isEmpty() && variable.isEmpty()) {
            problems.add(CLIENT_SIDE_ENCRYPTION + ": on needs the master keys: set " + CSE_KEY_FILE + " (an owner-only"
                    + " file) or " + CSE_KEY_ENV + " (an environment variable)");
            return Optional.empty();
        }
        return file.isPresent() ? fromFile(file.get()) : fromEnvironment(variable.get());
    }

    /** Expanded as executablepath is; absolute, because the host agent runs calls in another working directory. */
    private Optional<KeyRing> fromFile(String written) {
        String expanded = EnvExpansion.expand(written, environment);
        if (!expanded.startsWith("/")) {
            return refused(CSE_KEY_FILE + " " + SafeText.quoted(written) + " must be an absolute file path"
                    + (expanded.equals(written) ? "" : " once environment variables are expanded"));
        }
        try {
            return Optional.of(KeySources.fromFile(Path.of(expanded)));
        } catch (SealException e) {
            return refused(CSE_KEY_FILE + ": " + e.getMessage());
        }
    }

    private Optional<KeyRing> fromEnvironment(String name) {
        if (!ENV_NAME.matcher(name).matches()) {
            return refused(CSE_KEY_ENV + " " + SafeText.quoted(name) + " is not an environment variable name");
        }
        try {
            return Optional.of(KeySources.fromEnvironment(name, environment));
        } catch (SealException e) {
            return refused(CSE_KEY_ENV + ": " + e.getMessage());
        }
    }

    private Optional<KeyRing> refused(String problem) {
        problems.add(problem);
        return Optional.empty();
    }
}
