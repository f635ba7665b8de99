package gpbackup.s3plugin.auth;

import gpbackup.s3plugin.http.HttpClients;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Container credentials: the ECS task role ({@code AWS_CONTAINER_CREDENTIALS_RELATIVE_URI}, on
 * {@code http://169.254.170.2}) and EKS Pod Identity ({@code AWS_CONTAINER_CREDENTIALS_FULL_URI}
 * with {@code AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE}). The answer is JSON with
 * {@code AccessKeyId}, {@code SecretAccessKey}, {@code Token} and {@code Expiration}.
 *
 * <p>A full URI over plain http must point at the container agents' link-local addresses or at
 * loopback, as in the AWS SDKs: the authorization token must not travel in clear to any other
 * host. The token file is read again at every fetch, because the agent rotates it.
 *
 * <p>Neither variable set: not configured. Once one is set, every failure (a refused or unreachable
 * agent, a bad URL, a missing token file) is this source's failure and stops the chain, as in botocore.
 */
public final class ContainerCredentialsProvider implements CredentialsProvider {
    static final String ECS_BASE = "http://169.254.170.2";
    /** ECS and EKS Pod Identity agents' addresses, allowed over http besides loopback. */
    private static final Set<String> AGENT_HOSTS = Set.of("169.254.170.2", "169.254.170.23", "fd00:ec2:0:0:0:0:0:23");
    /** Only asked when its variables are set, so a slow agent costs nothing elsewhere. */
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final Function<String, String> environment;
    private final String relativeBase;
    private HttpClient http;

    public ContainerCredentialsProvider(Function<String, String> environment) {
        this(environment, ECS_BASE);
    }

    /** Tests move the ECS address to a local fake. */
    ContainerCredentialsProvider(Function<String, String> environment, String relativeBase) {
        this.environment = environment;
        this.relativeBase = relativeBase;
    }

    @Override
    public synchronized Credentials credentials() {
        Optional<String> relative = AwsConfigFiles.nonEmpty(environment.apply("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"));
        Optional<String> full = AwsConfigFiles.nonEmpty(environment.apply("AWS_CONTAINER_CREDENTIALS_FULL_URI"));
        URI uri;
        if (relative.isPresent()) {
            String path = relative.get().startsWith("/") ? relative.get() : "/" + relative.get();
            uri = AwsConfigFiles.httpUrl(relativeBase + path, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
        } else if (full.isPresent()) {
            uri = AwsConfigFiles.httpUrl(full.get(), "AWS_CONTAINER_CREDENTIALS_FULL_URI");
            requireAllowedHost(uri);
        } else {
            throw new SourceNotConfiguredException("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and"
                    + " AWS_CONTAINER_CREDENTIALS_FULL_URI are not set");
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(TIMEOUT).GET();
        authorization().ifPresent(token -> request.header("Authorization", token));
        HttpResponse<String> response = send(request.build(), uri);
        if (response.statusCode() != 200) {
            throw new CredentialsException(display(uri) + " answered HTTP " + response.statusCode());
        }
        return parseCredentials(response.body(), uri);
    }

    /** https anywhere; http only to loopback or the container agents' addresses. */
    private static void requireAllowedHost(URI uri) {
        if (uri.getScheme().equals("https")) {
            return;
        }
        String host = uri.getHost().replaceAll("^\\[|\\]$", "");
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(host);
        } catch (UnknownHostException e) {
            throw new CredentialsException("AWS_CONTAINER_CREDENTIALS_FULL_URI names an unknown host " + host);
        }
        for (InetAddress address : addresses) {
            if (!address.isLoopbackAddress() && !AGENT_HOSTS.contains(address.getHostAddress().replaceAll("%.*", ""))) {
                throw new CredentialsException("AWS_CONTAINER_CREDENTIALS_FULL_URI uses http to " + host
                        + ", which is neither loopback nor a container agent address (169.254.170.2,"
                        + " 169.254.170.23, fd00:ec2::23); use https");
            }
        }
    }

    /** The token file wins over the variable; either must be a single line (it becomes a header). */
    private Optional<String> authorization() {
        Optional<String> file = AwsConfigFiles.nonEmpty(environment.apply("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"));
        Optional<String> token;
        String origin;
        if (file.isPresent()) {
            origin = "the token file " + file.get();
            try {
                token = Optional.of(Files.readString(Path.of(file.get()), StandardCharsets.UTF_8).strip());
            } catch (NoSuchFileException e) {
                throw new CredentialsException("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE " + file.get()
                        + " does not exist");
            } catch (IOException e) {
                throw new CredentialsException("cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE " + file.get()
                        + ": " + e.getClass().getSimpleName());
            }
        } else {
            origin = "AWS_CONTAINER_AUTHORIZATION_TOKEN";
            token = AwsConfigFiles.nonEmpty(environment.apply("AWS_CONTAINER_AUTHORIZATION_TOKEN"));
        }
        if (token.isPresent() && token.get().chars().anyMatch(c -> c == '\r' || c == '\n')) {
            throw new CredentialsException(origin + " holds more than one line");
        }
        if (token.isPresent() && !SigV4Signer.isHeaderValue(token.get())) {
            // The JDK's refusal of the header would quote the token.
            throw new CredentialsException(origin + " holds a control character, which an HTTP header cannot carry");
        }
        return token.filter(t -> !t.isEmpty());
    }

    private HttpResponse<String> send(HttpRequest request, URI uri) {
        if (http == null) {
            // The agents are local: never through a proxy, and not worth waiting long for.
            http = HttpClients.direct(TIMEOUT);
        }
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (HttpTimeoutException e) {
            throw new CredentialsException("no answer from " + display(uri) + " within " + TIMEOUT.toSeconds() + " s");
        } catch (IOException e) {
            throw new CredentialsException("cannot reach " + display(uri) + ": "
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CredentialsException("interrupted while asking " + display(uri), e);
        }
    }

    /** Scheme, host and port: the path of a relative URI is a per-task secret of sorts, the query may hold one. */
    private static String display(URI uri) {
        return "the container credentials endpoint " + uri.getScheme() + "://" + uri.getHost()
                + (uri.getPort() == -1 ? "" : ":" + uri.getPort());
    }

    private static Credentials parseCredentials(String json, URI uri) {
        return CredentialsJson.parse(json, display(uri) + " answered something that is not a JSON object")
                .credentials("Token", display(uri) + " answered without AccessKeyId or SecretAccessKey",
                        display(uri) + " answered an unreadable Expiration");
    }

    @Override
    public Optional<String> configuredBy() {
        return AwsConfigFiles.nonEmpty(environment.apply("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"))
                .map(set -> "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")
                .or(() -> Optional.of("AWS_CONTAINER_CREDENTIALS_FULL_URI"));
    }

    @Override
    public String toString() {
        return "container credentials";
    }
}
