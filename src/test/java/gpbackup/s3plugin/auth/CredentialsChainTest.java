package gpbackup.s3plugin.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The order of the credential chain: config keys, environment, shared files, instance role.
 * Each row sets up some sources and names the key id that must win. A configured source that
 * fails stops the chain (ConfiguredSourceStopsTheChainTest has the cases with fakes standing ready). The instance role is
 * always disabled here (no network); its own test covers it.
 */
class CredentialsChainTest {
    @TempDir
    Path home;

    private static final String CREDENTIALS = "[default]\naws_access_key_id = FILE_CRED\naws_secret_access_key = s1\n"
            + "[other]\naws_access_key_id = OTHER_CRED\naws_secret_access_key = s2\naws_session_token = tok2\n";
    private static final String CONFIG = "[default]\naws_access_key_id = FILE_CONF\naws_secret_access_key = s3\n"
            + "[profile onlyconfig]\naws_access_key_id = CONF_ONLY\naws_secret_access_key = s4\n";

    static Stream<Arguments> chainRows() {
        return Stream.of(
                Arguments.of("config keys beat everything", true, Map.of("AWS_ACCESS_KEY_ID", "ENV",
                        "AWS_SECRET_ACCESS_KEY", "e"), CREDENTIALS, CONFIG, "CONFIG_KEYS"),
                Arguments.of("environment beats files", false, Map.of("AWS_ACCESS_KEY_ID", "ENV",
                        "AWS_SECRET_ACCESS_KEY", "e"), CREDENTIALS, CONFIG, "ENV"),
                Arguments.of("empty environment counts as missing", false, Map.of("AWS_ACCESS_KEY_ID", "",
                        "AWS_SECRET_ACCESS_KEY", ""), CREDENTIALS, CONFIG, "FILE_CRED"),
                Arguments.of("credentials file beats config file", false, Map.of(), CREDENTIALS, CONFIG, "FILE_CRED"),
                Arguments.of("config file when the credentials file lacks the profile", false, Map.of(), "", CONFIG,
                        "FILE_CONF"),
                Arguments.of("AWS_PROFILE picks the section", false, Map.of("AWS_PROFILE", "other"), CREDENTIALS,
                        CONFIG, "OTHER_CRED"),
                Arguments.of("AWS_PROFILE found only in the config file", false, Map.of("AWS_PROFILE", "onlyconfig"),
                        CREDENTIALS, CONFIG, "CONF_ONLY"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("chainRows")
    void theFirstCompleteSourceWins(String name, boolean configKeys, Map<String, String> extraEnv,
                                    String credentialsFile, String configFile, String winner) throws IOException {
        Map<String, String> env = environment(extraEnv, credentialsFile, configFile);
        assertEquals(winner, chain(configKeys, env).credentials().accessKeyId());
    }

    @Test
    void halfAKeyPairInTheEnvironmentFailsTheLookupInsteadOfMixingWithTheFiles() throws IOException {
        // The DBA exported keys: the profile's keys standing in for the missing half would sign as someone else.
        Map<String, String> idOnly = environment(Map.of("AWS_ACCESS_KEY_ID", "ENV_ONLY"), CREDENTIALS, CONFIG);
        assertEquals("environment variables, configured by AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, failed:"
                + " AWS_SECRET_ACCESS_KEY is not set while AWS_ACCESS_KEY_ID is; the sources after it were not tried",
                assertThrows(ConfiguredSourceFailedException.class, () -> chain(false, idOnly).credentials())
                        .getMessage());
        Map<String, String> secretOnly = environment(Map.of("AWS_SECRET_ACCESS_KEY", "lonely"), CREDENTIALS, CONFIG);
        String message = assertThrows(ConfiguredSourceFailedException.class,
                () -> chain(false, secretOnly).credentials()).getMessage();
        assertTrue(message.contains("AWS_ACCESS_KEY_ID is not set while AWS_SECRET_ACCESS_KEY is"), message);
        assertFalse(message.contains("lonely"), "never the secret");
    }

    @Test
    void theSessionTokenComesWithItsSection() throws IOException {
        Map<String, String> env = environment(Map.of("AWS_PROFILE", "other"), CREDENTIALS, CONFIG);
        assertEquals(Optional.of("tok2"), chain(false, env).credentials().sessionToken());
        Map<String, String> withEnvToken = environment(Map.of("AWS_ACCESS_KEY_ID", "E", "AWS_SECRET_ACCESS_KEY", "S",
                "AWS_SESSION_TOKEN", "envtok"), "", "");
        assertEquals(Optional.of("envtok"), chain(false, withEnvToken).credentials().sessionToken());
    }

    @Test
    void whenNoSourceIsConfiguredTheErrorSaysWhatEachOneSaid() throws IOException {
        Map<String, String> env = environment(Map.of(), "[other]\naws_access_key_id = OTHER\naws_secret_access_key = s2\n",
                "[default]\nregion = eu-west-1\n");
        CredentialsException e = assertThrows(CredentialsException.class, () -> chain(false, env).credentials());
        String message = e.getMessage();
        assertFalse(e instanceof ConfiguredSourceFailedException, message);
        assertTrue(message.startsWith("no AWS credentials found ("), message);
        assertTrue(message.contains("environment variables: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set"),
                message);
        assertTrue(message.contains("profile 'default': profile 'default' has no keys"), message);
        assertTrue(message.contains("EC2 instance metadata: disabled by AWS_EC2_METADATA_DISABLED"), message);
        assertFalse(message.contains("s2"), "no secrets in the message");
    }

    @Test
    void aProfileThatAwsProfileNamesButNoFileHoldsFailsTheLookup() throws IOException {
        Map<String, String> env = environment(Map.of("AWS_PROFILE", "nobody"), CREDENTIALS, CONFIG);
        String message = assertThrows(ConfiguredSourceFailedException.class, () -> chain(false, env).credentials())
                .getMessage();
        assertEquals("profile 'nobody', configured by AWS_PROFILE, failed: AWS_PROFILE names profile 'nobody', which is"
                + " in neither " + home.resolve(".aws/credentials") + " nor " + home.resolve(".aws/config")
                + "; the sources after it were not tried", message);
    }

    @Test
    void aMalformedProfileFileStopsTheChain() throws IOException {
        Map<String, String> env = environment(Map.of(), "[default]\naws_access_key_id AKID\n", CONFIG);
        List<String> asked = new ArrayList<>();
        List<CredentialsProvider> sources = List.of(new ProfileCredentialsProvider(AwsConfigFiles.from(env::get), env::get,
                Clock.systemUTC(), () -> { throw new AssertionError("no STS here"); }),
                () -> {
                    asked.add("instance role");
                    return Credentials.of("ROLE", "r", null);
                });
        CredentialsException e = assertThrows(CredentialsException.class,
                () -> new CredentialsChain(sources).credentials());
        assertTrue(e.getMessage().startsWith("profile 'default' failed: "), e.getMessage());
        assertTrue(e.getMessage().contains("credentials line 2 is malformed: expected 'name = value';"), e.getMessage());
        assertEquals(List.of(), asked, "the next source is not asked");
    }

    @Test
    void aHalfProfileIsAnError() throws IOException {
        Map<String, String> env = environment(Map.of(), "[default]\naws_access_key_id = ONLY_ID\n", "");
        CredentialsException e = assertThrows(CredentialsException.class, () -> chain(false, env).credentials());
        assertTrue(e.getMessage().contains("aws_access_key_id but no aws_secret_access_key"), e.getMessage());
    }

    @Test
    void theChainSticksWithTheSourceThatWorked() {
        List<String> asked = new ArrayList<>();
        CredentialsProvider absent = () -> {
            asked.add("first");
            throw new SourceNotConfiguredException("nothing");
        };
        CredentialsProvider working = () -> {
            asked.add("second");
            return Credentials.of("ID", "SECRET", null);
        };
        CredentialsChain chain = new CredentialsChain(List.of(absent, working));
        chain.credentials();
        chain.credentials();
        assertEquals(List.of("first", "second", "second"), asked);
    }

    @Test
    void regionComesFromConfigThenEnvironmentThenProfileThenDefault() throws IOException {
        Map<String, String> env = environment(Map.of(), "", "[default]\nregion = eu-north-1\n");
        AwsConfigFiles files = AwsConfigFiles.from(env::get);
        assertEquals("ap-east-1", AwsRegion.resolve(Optional.of("ap-east-1"), env::get, files).name());
        assertEquals("eu-north-1", AwsRegion.resolve(Optional.empty(), env::get, files).name());
        env.put("AWS_DEFAULT_REGION", "us-west-1");
        assertEquals("us-west-1", AwsRegion.resolve(Optional.empty(), env::get, files).name());
        env.put("AWS_REGION", "us-west-2");
        assertEquals("us-west-2", AwsRegion.resolve(Optional.empty(), env::get, files).name());
        Map<String, String> bare = environment(Map.of(), "", "");
        assertEquals("us-east-1", AwsRegion.resolve(Optional.empty(), bare::get, AwsConfigFiles.from(bare::get)).name());
    }

    @Test
    void fileLocationsFollowTheEnvironment() throws IOException {
        Path elsewhere = Files.writeString(home.resolve("creds-elsewhere"),
                "[default]\naws_access_key_id = MOVED\naws_secret_access_key = m\n");
        Map<String, String> env = environment(Map.of("AWS_SHARED_CREDENTIALS_FILE", elsewhere.toString()),
                CREDENTIALS, CONFIG);
        assertEquals("MOVED", chain(false, env).credentials().accessKeyId());
    }

    private Map<String, String> environment(Map<String, String> extra, String credentialsFile, String configFile)
            throws IOException {
        Path aws = Files.createDirectories(home.resolve(".aws"));
        Files.writeString(aws.resolve("credentials"), credentialsFile);
        Files.writeString(aws.resolve("config"), configFile);
        Map<String, String> env = new HashMap<>();
        env.put("HOME", home.toString());
        env.put("AWS_EC2_METADATA_DISABLED", "true");
        env.putAll(extra);
        return env;
    }

    private static CredentialsProvider chain(boolean configKeys, Map<String, String> env) {
        List<CredentialsProvider> sources = new ArrayList<>();
        if (configKeys) {
            sources.add(new StaticCredentialsProvider(Credentials.of("CONFIG_KEYS", "c", null), "config file keys"));
        }
        sources.add(new EnvironmentCredentialsProvider(env::get));
        sources.add(new ProfileCredentialsProvider(AwsConfigFiles.from(env::get), env::get,
                Clock.systemUTC(), () -> { throw new AssertionError("no STS here"); }));
        sources.add(new InstanceMetadataCredentialsProvider(env::get, Clock.systemUTC()));
        return new CredentialsChain(sources);
    }
}
