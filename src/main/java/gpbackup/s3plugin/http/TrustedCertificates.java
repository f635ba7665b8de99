package gpbackup.s3plugin.http;

import gpbackup.s3plugin.SettingException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collection;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * TLS trust for the {@code ca_cert} option: the JDK's own trusted authorities plus those in a PEM
 * bundle, for S3-compatible stores signed by a private CA. Verification is never turned off;
 * this only adds trust anchors.
 */
public final class TrustedCertificates {
    private TrustedCertificates() {
    }

    /**
     * An SSL context with no trust anchors, for a client that only ever speaks plain http: the
     * JDK's default context would load the whole trust store first. Any handshake with it fails.
     */
    static SSLContext trustingNoOne() {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(new KeyManager[0], new TrustManager[0], null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK has no TLS", e);
        }
    }

    /** An SSL context trusting the JDK defaults and every certificate in {@code pemBundle}. */
    public static SSLContext withExtraAuthorities(Path pemBundle) {
        Collection<? extends Certificate> extra = read(pemBundle);
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int n = 0;
            for (X509Certificate anchor : defaultTrustManager().getAcceptedIssuers()) {
                store.setCertificateEntry("jdk-" + n++, anchor);
            }
            for (Certificate certificate : extra) {
                store.setCertificateEntry("ca_cert-" + n++, certificate);
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, factory.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new SettingException("cannot set up TLS trust with ca_cert " + pemBundle + ": " + e.getMessage(), e);
        }
    }

    private static Collection<? extends Certificate> read(Path pemBundle) {
        try (InputStream in = Files.newInputStream(pemBundle)) {
            Collection<? extends Certificate> certificates =
                    CertificateFactory.getInstance("X.509").generateCertificates(in);
            if (certificates.isEmpty()) {
                throw new SettingException("ca_cert " + pemBundle + " holds no PEM certificates");
            }
            return certificates;
        } catch (IOException e) {
            throw new SettingException("cannot read ca_cert " + pemBundle + ": " + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new SettingException("ca_cert " + pemBundle + " is not a PEM certificate bundle: " + e.getMessage(), e);
        }
    }

    private static X509TrustManager defaultTrustManager() throws GeneralSecurityException {
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init((KeyStore) null);
        for (var manager : factory.getTrustManagers()) {
            if (manager instanceof X509TrustManager x509) {
                return x509;
            }
        }
        throw new GeneralSecurityException("the JDK has no default X.509 trust manager");
    }
}
