package gpbackup.s3plugin.auth;

import java.util.ArrayList;
import java.util.List;

/**
 * Asks each source in order and uses the first that has complete credentials; it sticks with
 * that source afterwards. When every source fails, the error says what each one said. A
 * malformed profile file is an error of its own and stops the search.
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
            return known.credentials();
        }
        List<String> reasons = new ArrayList<>();
        for (CredentialsProvider source : sources) {
            try {
                Credentials found = source.credentials();
                lastWorking = source;
                return found;
            } catch (MalformedProfileFileException e) {
                throw e;
            } catch (CredentialsException e) {
                reasons.add(source + ": " + e.getMessage());
            }
        }
        throw new CredentialsException("no AWS credentials found (" + String.join("; ", reasons) + ")");
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
