package streamlearn.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The demo's progress line (DemoIT runs the whole demo; this pins the line's text). */
class DemoCommandTest {

    @Test
    void progressLineAsTheReadmeShowsIt() {
        String sparkline = DemoCommand.sparkline(List.of(0.9, 0.14, 0.096, 0.066));
        assertEquals("   5s     1992 rec/s  loss 0.0660  accuracy 0.972  model v8957     rejected 0  drifts 0  █▃▂▁",
                DemoCommand.progressLine(5, 1992, 0.066, 0.972, 8957, 0, 0, sparkline));
        assertTrue(DemoCommand.progressLine(40, 1992, 0.066, 0.972, 78957, 3, 2, sparkline)
                .endsWith("rejected 3  drifts 2  █▃▂▁"), "the drifts detected so far");
    }

    @Test
    void beforeTheFirstPredictionTheLineShowsDashesNotNaN() {
        // No gauge yet: loss, accuracy and model version read NaN.
        String line = DemoCommand.progressLine(1, 0, Double.NaN, Double.NaN, Double.NaN, 0, 0, "");
        assertFalse(line.contains("NaN"), line);
        assertTrue(line.contains("  model -         rejected 0"), line);
        assertEquals("   1s        0 rec/s  loss   -     accuracy   -    model -         rejected 0  drifts 0  ", line);
        // The same columns as a line with every value.
        String full = DemoCommand.progressLine(1, 0, 0.066, 0.972, 8957, 0, 0, "");
        for (String column : List.of("loss", "accuracy", "model", "rejected", "drifts")) {
            assertEquals(full.indexOf(column), line.indexOf(column), column + " column\n" + full + "\n" + line);
        }
    }

    @Test
    void aBusyMetricsPortIsOneLineNamingTheOptionBeforeAnyBrokerStarts() throws Exception {
        try (ServerSocket busy = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            int port = busy.getLocalPort();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int code = Main.run(new String[] {"demo", "--metrics-port", String.valueOf(port), "--duration", "1s"},
                    new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
            assertEquals(2, code);
            assertEquals("", out.toString(StandardCharsets.UTF_8), "nothing started, not even the broker");
            String message = err.toString(StandardCharsets.UTF_8);
            assertTrue(message.startsWith("streamlearn: demo --metrics-port " + port + ": cannot listen on 127.0.0.1 ("), message);
            assertEquals(1, message.lines().count(), message);
        }
    }
}
