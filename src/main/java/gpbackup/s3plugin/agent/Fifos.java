package gpbackup.s3plugin.agent;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Makes named pipes: the JDK cannot, so coreutils' mkfifo does, once per agent start. */
final class Fifos {
    private Fifos() {
    }

    static void make(Path fifo) throws IOException {
        Process mkfifo = new ProcessBuilder("mkfifo", "-m", "600", fifo.toString())
                .redirectErrorStream(true)
                .start();
        try {
            String output = new String(mkfifo.getInputStream().readAllBytes()).strip();
            if (!mkfifo.waitFor(10, TimeUnit.SECONDS) || mkfifo.exitValue() != 0) {
                throw new IOException("mkfifo " + fifo + " failed: " + output);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while making " + fifo, e);
        }
    }
}
