package gpbackup.s3plugin.http;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

/**
 * Which proxy, if any, carries requests to the S3 endpoint: the {@code http_proxy} option when
 * set, else {@code HTTPS_PROXY} or {@code HTTP_PROXY} (by the endpoint's scheme, upper or lower
 * case) unless {@code NO_PROXY} names the host.
 */
public final class ProxyChoice {
    private ProxyChoice() {
    }

    public static Optional<ProxySetting> choose(Optional<String> option, String scheme, String host,
                                                Function<String, String> environment) {
        if (option.isPresent()) {
            return Optional.of(ProxySetting.parse(option.get(), "http_proxy option"));
        }
        String variable = scheme.equals("https") ? "HTTPS_PROXY" : "HTTP_PROXY";
        Optional<String> name = firstSet(environment, variable, variable.toLowerCase(Locale.ROOT));
        if (name.isEmpty() || bypassed(host, environment)) {
            return Optional.empty();
        }
        return Optional.of(ProxySetting.parse(environment.apply(name.get()), name.get()));
    }

    /**
     * {@code NO_PROXY}: comma-separated host names, domain suffixes ({@code .example.com} or
     * {@code example.com}, both matching sub-domains), IP addresses, or {@code *} for all.
     */
    static boolean bypassed(String host, Function<String, String> environment) {
        Optional<String> name = firstSet(environment, "NO_PROXY", "no_proxy");
        if (name.isEmpty()) {
            return false;
        }
        String target = bareHost(host).toLowerCase(Locale.ROOT);
        return Arrays.stream(environment.apply(name.get()).split(","))
                .map(String::strip)
                .filter(entry -> !entry.isEmpty())
                .map(entry -> bareHost(entry).toLowerCase(Locale.ROOT))
                .anyMatch(entry -> entry.equals("*") || matches(target, entry));
    }

    private static boolean matches(String host, String entry) {
        String domain = entry.startsWith(".") ? entry.substring(1) : entry;
        return host.equals(domain) || host.endsWith("." + domain);
    }

    /** The host without port or IPv6 brackets. */
    private static String bareHost(String hostAndPort) {
        String text = hostAndPort;
        if (text.startsWith("[")) {
            int end = text.indexOf(']');
            return end > 0 ? text.substring(1, end) : text;
        }
        int colon = text.lastIndexOf(':');
        return colon > 0 && text.indexOf(':') == colon ? text.substring(0, colon) : text;
    }

    private static Optional<String> firstSet(Function<String, String> environment, String... names) {
        return Arrays.stream(names).filter(n -> {
            String value = environment.apply(n);
            return value != null && !value.isBlank();
        }).findFirst();
    }
}
