package gpbackup.s3plugin.auth;

import java.time.Clock;
import java.util.Optional;

/**
 * A role assumed with STS {@code AssumeRole}, signed with the credentials of another source (a
 * profile's {@code source_profile} or {@code credential_source}). The source is asked again at
 * each fetch, so a source with temporary keys of its own (an instance role) stays current.
 *
 * @param signingSource whose credentials sign the AssumeRole
 * @param sessionName {@code role_session_name}; without it one is made up per call
 * @param description for {@link #toString()}, e.g. "profile 'prod': role arn:... from profile 'base'"
 */
public record AssumeRoleCredentialsProvider(CredentialsProvider signingSource, String roleArn, Optional<String> sessionName,
                                            Optional<String> externalId, Optional<Integer> durationSeconds,
                                            StsClient sts, Clock clock, String description)
        implements CredentialsProvider {
    @Override
    public Credentials credentials() {
        Credentials signWith;
        try {
            signWith = signingSource.credentials();
        } catch (SourceNotConfiguredException e) {
            // The profile chose this source to sign with: its absence is the role's failure, not a reason to move on.
            throw new CredentialsException(description + ": the source has no credentials (" + e.getMessage() + ")",
                    e);
        }
        String session = sessionName.orElseGet(() -> "gpbackup-s3-plugin-" + clock.millis());
        return sts.assumeRole(signWith, new StsClient.AssumeRole(roleArn, session, externalId, durationSeconds));
    }

    @Override
    public String toString() {
        return description;
    }
}
