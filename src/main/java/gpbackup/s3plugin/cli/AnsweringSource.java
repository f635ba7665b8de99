package gpbackup.s3plugin.cli;

import gpbackup.s3plugin.auth.Credentials;
import gpbackup.s3plugin.auth.CredentialsChain;
import gpbackup.s3plugin.auth.CredentialsProvider;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Which source of the credential chain answered, and with which keys: the chain itself asks the
 * sources, in its order and by its rules; each source is watched so its name can be told.
 *
 * @param name     the source as the chain names it ("config file keys", "profile 'default'")
 * @param chain    the chain, now sticking to that source, for the requests that follow
 * @param answered the keys it gave
 */
record AnsweringSource(String name, CredentialsProvider chain, Credentials answered) {

    /**
     * Asks the chain over {@code sources} for credentials.
     *
     * @throws gpbackup.s3plugin.auth.CredentialsException when no source has any, saying what each said
     */
    static AnsweringSource ask(List<CredentialsProvider> sources) {
        AtomicReference<String> answering = new AtomicReference<>();
        CredentialsChain chain = new CredentialsChain(sources.stream()
                .map(source -> (CredentialsProvider) new Watched(source, answering)).toList());
        Credentials credentials = chain.credentials();
        return new AnsweringSource(answering.get(), chain, credentials);
    }

    @Override
    public String toString() {
        return "AnsweringSource[" + name + ", " + answered + "]";
    }

    /** A source that notes its own name when it answers. */
    private record Watched(CredentialsProvider source, AtomicReference<String> answering)
            implements CredentialsProvider {
        @Override
        public Credentials credentials() {
            Credentials found = source.credentials();
            answering.compareAndSet(null, source.toString());
            return found;
        }

        @Override
        public String toString() {
            return source.toString(); // the chain's failure message names each source by this
        }
    }
}
