package gpbackup.s3plugin.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AwsRegionTest {
    @TempDir
    Path home;

    @Test
    void aWhitespaceOnlyVariableCountsAsUnset() throws IOException {
        Path aws = Files.createDirectories(home.resolve(".aws"));
        Files.writeString(aws.resolve("config"), "[default]\nregion = eu-north-1\n");
        Map<String, String> env = new HashMap<>(Map.of("HOME", home.toString(), "AWS_REGION", "  ",
                "AWS_DEFAULT_REGION", "us-west-1"));
        AwsConfigFiles files = AwsConfigFiles.from(env::get);
        assertEquals(new AwsRegion("us-west-1", "from AWS_DEFAULT_REGION"),
                AwsRegion.resolve(Optional.empty(), env::get, files));
        env.put("AWS_DEFAULT_REGION", "\t");
        assertEquals(new AwsRegion("eu-north-1", "from profile 'default' of " + aws.resolve("config")),
                AwsRegion.resolve(Optional.empty(), env::get, files));
    }

    @Test
    void eachSourceIsNamed() throws IOException {
        Map<String, String> env = new HashMap<>(Map.of("HOME", home.toString(), "AWS_REGION", "us-west-2"));
        AwsConfigFiles files = AwsConfigFiles.from(env::get);
        assertEquals(new AwsRegion("ap-east-1", "from the config"),
                AwsRegion.resolve(Optional.of("ap-east-1"), env::get, files));
        assertEquals(new AwsRegion("us-west-2", "from AWS_REGION"), AwsRegion.resolve(Optional.empty(), env::get, files));
        env.remove("AWS_REGION");
        assertEquals(new AwsRegion(AwsRegion.FALLBACK, "the default"), AwsRegion.resolve(Optional.empty(), env::get, files));
    }
}
