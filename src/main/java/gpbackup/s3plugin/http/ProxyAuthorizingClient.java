package gpbackup.s3plugin.http;

import java.net.Authenticator;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Sends Basic {@code Proxy-Authorization} with every request. The JDK copies it onto the
 * CONNECT of an https tunnel and keeps it off the tunnelled request.
 *
 * <p>Why not a {@link Authenticator}: once a client has one, the JDK drops every
 * {@code Authorization} header the caller set, and that header carries the SigV4 signature.
 */
final class ProxyAuthorizingClient extends ForwardingHttpClient {
    private final String authorization;

    ProxyAuthorizingClient(HttpClient delegate, String user, String password) {
        super(delegate);
        this.authorization = "Basic " + Base64.getEncoder()
                .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    HttpRequest forwarded(HttpRequest request) {
        return HttpRequest.newBuilder(request, (name, value) -> true)
                .setHeader("Proxy-Authorization", authorization)
                .build();
    }
}
