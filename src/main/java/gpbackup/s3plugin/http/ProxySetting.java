package gpbackup.s3plugin.http;

import gpbackup.s3plugin.SettingException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * An HTTP proxy, {@code http://[user:password@]host:port}. HTTPS requests go through it with
 * CONNECT. {@link #toString()} never shows the password.
 *
 * @param source where the setting came from, for messages ("http_proxy option", "HTTPS_PROXY")
 */
public record ProxySetting(String host, int port, Optional<String> user, Optional<String> password, String source) {

    /** Parses a proxy URL; a bad one is a setting error that names the source, not the URL. */
    public static ProxySetting parse(String url, String source) {
        String text = url.strip();
        URI uri;
        try {
            uri = URI.create(text.contains("://") ? text : "http://" + text);
        } catch (IllegalArgumentException e) {
            throw new SettingException(source + " is not a proxy URL like http://[user:password@]host:port");
        }
        if (uri.getHost() == null || !"http".equalsIgnoreCase(uri.getScheme())) {
            throw new SettingException(source + " must be an http:// proxy URL like http://[user:password@]host:port");
        }
        if (uri.getPort() > 65535) {
            // URI accepts any digits; the socket would refuse them later with a bare IllegalArgumentException.
            throw new SettingException(source + " has port " + uri.getPort() + "; a port is 1 to 65535");
        }
        Optional<String> user = Optional.empty();
        Optional<String> password = Optional.empty();
        String userInfo = uri.getRawUserInfo();
        if (userInfo != null) {
            int colon = userInfo.indexOf(':');
            user = Optional.of(decode(colon < 0 ? userInfo : userInfo.substring(0, colon)));
            password = Optional.of(colon < 0 ? "" : decode(userInfo.substring(colon + 1)));
        }
        return new ProxySetting(uri.getHost(), uri.getPort() == -1 ? 80 : uri.getPort(), user, password, source);
    }

    private static String decode(String text) {
        return URLDecoder.decode(text.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "http://" + user.map(u -> u + ":****@").orElse("") + host + ":" + port + " (" + source + ")";
    }
}
