package gpbackup.s3plugin.auth;

import gpbackup.s3plugin.http.HttpTransport;
import java.net.URI;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The plugin's credential chain, in the AWS SDKs' order: config keys, environment keys, web
 * identity from the environment, the shared profile (role, credential_process or keys),
 * container credentials, the EC2 instance role. A source that is not configured passes to the next;
 * the first configured one answers or fails the lookup (see {@link CredentialsChain}). The source
 * that answered is kept and refreshed before its credentials expire.
 */
public final class CredentialSources {
    private CredentialSources() {
    }

    /**
     * @param configKeys the config's {@code aws_access_key_id}/{@code aws_secret_access_key}
     *                   [/{@code aws_session_token}], if set
     * @param region     the signing region, which also picks the regional STS endpoint
     * @param stsHttp    the HTTP client for the STS endpoint (proxy and trust are the caller's choice)
     */
    public static CredentialsProvider chain(Optional<Credentials> configKeys, Function<String, String> environment,
                                            AwsConfigFiles files, String region, Clock clock,
                                            Function<URI, HttpTransport> stsHttp, Consumer<String> warnings) {
        return new RefreshingCredentialsProvider(new CredentialsChain(sources(configKeys, environment, files, region,
                clock, stsHttp)), clock, warnings);
    }

    /** The sources in order, unrefreshed; tests ask the chain of them directly. */
    static List<CredentialsProvider> sources(Optional<Credentials> configKeys, Function<String, String> environment,
                                             AwsConfigFiles files, String region, Clock clock,
                                             Function<URI, HttpTransport> stsHttp) {
        Supplier<StsClient> sts = memoized(() -> StsClient.forRegion(region, environment, clock, stsHttp));
        List<CredentialsProvider> sources = new ArrayList<>();
        configKeys.ifPresent(keys -> sources.add(new StaticCredentialsProvider(keys, "config file keys")));
        sources.add(new EnvironmentCredentialsProvider(environment));
        sources.add(WebIdentityCredentialsProvider.fromEnvironment(environment, sts, clock));
        sources.add(new ProfileCredentialsProvider(files, environment, clock, sts));
        sources.add(new ContainerCredentialsProvider(environment));
        sources.add(new InstanceMetadataCredentialsProvider(environment, clock));
        return sources;
    }

    private static <T> Supplier<T> memoized(Supplier<T> make) {
        return new Supplier<>() {
            private T value;

            @Override
            public synchronized T get() {
                if (value == null) {
                    value = make.get();
                }
                return value;
            }
        };
    }
}
