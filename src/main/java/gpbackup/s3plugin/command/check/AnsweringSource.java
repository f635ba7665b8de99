package gpbackup.s3plugin.command.check;

import gpbackup.s3plugin.auth.Credentials;
import gpbackup.s3plugin.auth.CredentialsProvider;

/**
 * Which source of the credential chain answered, and with which keys.
 *
 * @param name     the source as the chain names it ("config file keys", "profile 'default': ...")
 * @param chain    the chain, now sticking to that source, for the requests that follow
 * @param answered the keys it gave
 */
record AnsweringSource(String name, CredentialsProvider chain, Credentials answered) {

    /**
     * Asks the chain for credentials.
     *
     * @throws gpbackup.s3plugin.auth.CredentialsException when no source is configured, saying what each
     *         said, or (a ConfiguredSourceFailedException) when a configured source failed
     */
    static AnsweringSource ask(CredentialsProvider chain) {
        Credentials credentials = chain.credentials();
        return new AnsweringSource(chain.source(), chain, credentials);
    }

    @Override
    public String toString() {
        return "AnsweringSource[" + name + ", " + answered + "]";
    }
}
