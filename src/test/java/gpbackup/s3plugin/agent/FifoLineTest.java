package gpbackup.s3plugin.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class FifoLineTest {

    @Test
    void aCallNamesTheClientPidAndItsFiles() {
        FifoLine request = FifoLine.parse("call 4242 call.4242").orElseThrow();
        assertEquals(FifoLine.Kind.CALL, request.kind());
        assertEquals(4242, request.clientPid());
        assertEquals("call.4242", request.callName());
        assertEquals("call 4242 call.4242", request.line());
    }

    @Test
    void stopIsARequest() {
        assertEquals(Optional.of(FifoLine.stop()), FifoLine.parse("stop"));
        assertEquals("stop", FifoLine.stop().line());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "call", "call 12", "call 12 ../etc/passwd", "call 12 call.12/../x", "call 0 call.1",
            "call -1 call.1", "call 12 call.", "call 12 call.1 extra", "call 99999999999 call.1", "STOP", " stop",
            "call 12 /tmp/call.12", "call 1 call.01"})
    void anythingElseIsIgnored(String line) {
        assertTrue(FifoLine.parse(line).isEmpty(), line);
    }
}
