package gpbackup.s3plugin.it;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A throwaway self-signed server certificate for 127.0.0.1, made with the JDK's keytool: a
 * PKCS12 key store for the server and the certificate as PEM for the plugin's {@code ca_cert}.
 */
public record TestCertificate(Path keyStore, String password, Path pem) {

    public static TestCertificate create(Path dir) throws IOException, InterruptedException {
        Path keyStore = dir.resolve("server.p12");
        Path pem = dir.resolve("ca.pem");
        String password = "test-store-pass";
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        run(List.of(keytool, "-genkeypair", "-alias", "server", "-keyalg", "RSA", "-keysize", "2048",
                "-dname", "CN=127.0.0.1", "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2",
                "-keystore", keyStore.toString(), "-storetype", "PKCS12",
                "-storepass", password, "-keypass", password));
        run(List.of(keytool, "-exportcert", "-rfc", "-alias", "server", "-keystore", keyStore.toString(),
                "-storetype", "PKCS12", "-storepass", password, "-file", pem.toString()));
        return new TestCertificate(keyStore, password, pem);
    }

    private static void run(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (process.waitFor() != 0) {
            throw new IOException("keytool failed: " + output);
        }
    }
}
