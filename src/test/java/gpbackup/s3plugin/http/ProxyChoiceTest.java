package gpbackup.s3plugin.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gpbackup.s3plugin.SettingException;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which proxy reaches the endpoint, and that its password stays hidden. */
class ProxyChoiceTest {

    @Test
    void theOptionWinsOverTheEnvironment() {
        Optional<ProxySetting> proxy = ProxyChoice.choose(Optional.of("http://opt:3128"), "https", "s3.example.com",
                Map.of("HTTPS_PROXY", "http://env:8080")::get);
        assertEquals("opt", proxy.orElseThrow().host());
        assertEquals(3128, proxy.orElseThrow().port());
    }

    @Test
    void theEnvironmentVariableFollowsTheScheme() {
        Map<String, String> env = Map.of("HTTPS_PROXY", "http://secure:1", "http_proxy", "http://plain:2");
        assertEquals("secure", ProxyChoice.choose(Optional.empty(), "https", "h", env::get).orElseThrow().host());
        assertEquals("plain", ProxyChoice.choose(Optional.empty(), "http", "h", env::get).orElseThrow().host());
        assertEquals(Optional.empty(), ProxyChoice.choose(Optional.empty(), "https", "h", Map.<String, String>of()::get));
    }

    @ParameterizedTest(name = "NO_PROXY={0} host={1} bypassed={2}")
    @CsvSource(delimiter = '|', value = {
        "s3.internal             | s3.internal:9000      | true",
        ".internal               | s3.internal           | true",
        "internal                | minio.s3.internal     | true",
        "ternal                  | s3.internal           | false",
        "10.0.0.5,s3.example.com | 10.0.0.5:9000         | true",
        "*                       | anything.example      | true",
        "other.com               | s3.amazonaws.com      | false",
        "'::1'                   | [::1]:9000            | true"})
    void noProxyMatchesHostsDomainsAndAddresses(String noProxy, String host, boolean bypassed) {
        Map<String, String> env = Map.of("HTTP_PROXY", "http://proxy:3128", "NO_PROXY", noProxy);
        assertEquals(bypassed, ProxyChoice.choose(Optional.empty(), "http", host, env::get).isEmpty());
    }

    @Test
    void userAndPasswordAreReadButThePasswordIsNeverShown() {
        ProxySetting proxy = ProxySetting.parse("http://backup:p%40ss-w0rd@proxy.corp:3128", "http_proxy option");
        assertEquals(Optional.of("backup"), proxy.user());
        assertEquals(Optional.of("p@ss-w0rd"), proxy.password());
        assertFalse(proxy.toString().contains("p@ss") || proxy.toString().contains("w0rd"), proxy.toString());
        assertTrue(proxy.toString().contains("backup"), proxy.toString());
    }

    @Test
    void aBadProxyNamesItsSourceButNotItsText() {
        SettingException e = assertThrows(SettingException.class,
                () -> ProxySetting.parse("socks5://user:hunter2@proxy:1080", "HTTPS_PROXY"));
        assertTrue(e.getMessage().contains("HTTPS_PROXY"), e.getMessage());
        assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
    }
}
