package gpbackup.s3plugin.auth;

import java.util.ArrayList;
import java.util.List;

/**
 * Asks each source in order and uses the first that has complete credentials; it sticks with
 * that source afterwards. A source that is not configured passes to the next; a source that is
 * configured and fails stops the chain with its own error, as botocore does: the source the
 * environment or a profile names is the one the DBA chose, and the next source (the EC2 instance
 * role, say) standing in would sign with a privilege nobody picked. When no source is configured,
 * the error says what each one said.
 */
public final class CredentialsChain implements CredentialsProvider {
    private final List<CredentialsProvider> sources;
    private volatile CredentialsProvider lastWorking;

    public CredentialsChain(List<CredentialsProvider> sources) {
        this.sources = List.copyOf(sources);
    }

    @Override
    public Credentials credentials() {
        CredentialsProvider known = lastWorking;
        if (known != null) {
            // A refresh asks the same source again and never falls over to another one: a set from a
            // different source mid-backup would change who signs.
            return known.credentials();
        }
        List<String> reasons = new ArrayList<>();
        for (CredentialsProvider source : sources) {
            try {
                Credentials found = source.credentials();
                lastWorking = source;
                return found;
            } catch (SourceNotConfiguredException e) {
                reasons.add(source + ": " + e.getMessage());
            } catch (CredentialsException e) {
                throw failed(source, e);
            }
        }
        throw new CredentialsException("no AWS credentials found (" + String.join("; ", reasons) + ")");
    }

    private static ConfiguredSourceFailedException failed(CredentialsProvider source, CredentialsException e) {
        String name = source.toString();
        String by = source.configuredBy().map(variable -> ", configured by " + variable + ",").orElse("");
        return new ConfiguredSourceFailedException(name, name + by + " failed: " + e.getMessage()
                + "; the sources after it were not tried", e);
    }

    /** The source that answered (the one the chain now sticks with), or "no source has answered yet". */
    @Override
    public String source() {
        CredentialsProvider known = lastWorking;
        return known == null ? "no source has answered yet" : known.source();
    }

    @Override
    public String toString() {
        return "credentials chain";
    }
}
