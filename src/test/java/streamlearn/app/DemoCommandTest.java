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
        DemoCommand.WindowSparkline sparkline = new DemoCommand.WindowSparkline();
        for (double accuracy : new double[] {0.41, 0.80, 0.93, 0.972}) {
            sparkline.offer(1 - accuracy, accuracy);
        }
        assertEquals("   5s     1992 rec/s  loss 0.0660  accuracy 0.972  critical recall 0.950  model v8957     rejected 0"
                + "  drifts 0  ▁▅▇█", DemoCommand.progressLine(5, 1992, 0.066, 0.972, "critical", 0.95, 8957, 0, 0, sparkline.toString()));
        assertTrue(DemoCommand.progressLine(40, 1992, 0.066, 0.972, "critical", 0.95, 78957, 3, 2, sparkline.toString())
                .endsWith("rejected 3  drifts 2  ▁▅▇█"), "the drifts detected so far");
    }

    @Test
    void beforeTheFirstPredictionTheLineShowsDashesNotNaN() {
        // No gauge yet: loss, accuracy, recall and model version read NaN.
        String line = DemoCommand.progressLine(1, 0, Double.NaN, Double.NaN, "critical", Double.NaN, Double.NaN, 0, 0, "");
        assertFalse(line.contains("NaN"), line);
        assertTrue(line.contains("  model -         rejected 0"), line);
        assertEquals("   1s        0 rec/s  loss   -     accuracy   -    critical recall   -    model -         rejected 0"
                + "  drifts 0  ", line);
        // The same columns as a line with every value.
        String full = DemoCommand.progressLine(1, 0, 0.066, 0.972, "critical", 0.95, 8957, 0, 0, "");
        for (String column : List.of("loss", "accuracy", "critical recall", "model", "rejected", "drifts")) {
            assertEquals(full.indexOf(column), line.indexOf(column), column + " column\n" + full + "\n" + line);
        }
    }

    @Test
    void theSparklineHasOneBarPerWindowOnAFixedScale() {
        DemoCommand.WindowSparkline sparkline = new DemoCommand.WindowSparkline();
        sparkline.offer(Double.NaN, Double.NaN); // before the first window: no bar
        // A 2 s window read on three seconds: one bar, not three.
        sparkline.offer(0.2, 0.95);
        sparkline.offer(0.2, 0.95);
        sparkline.offer(0.2, 0.95);
        assertEquals("▇", sparkline.toString());
        sparkline.offer(0.19, 0.96);
        assertEquals("▇▇", sparkline.toString(), "0.95 and 0.96 look alike, not ▁ against █");
        // Fixed: a bad early window does not flatten the rest, and 1.0 is always the top.
        sparkline.offer(4.26, 0.2);
        sparkline.offer(0.06, 1.0);
        assertEquals("▇▇▁█", sparkline.toString());
        assertEquals('▁', DemoCommand.WindowSparkline.bar(0.5));
        assertEquals('▅', DemoCommand.WindowSparkline.bar(0.8));
        for (int i = 0; i < 40; i++) {
            sparkline.offer(i, 0.99);
        }
        assertEquals(DemoCommand.WindowSparkline.BARS, sparkline.toString().length(), "the last windows only");
    }

    @Test
    void theSummarySaysEachClasssRecallAndTheLateLabelsInWords() {
        long[][] confusion = {{1000, 0, 0}, {10, 90, 0}, {0, 159, 1302}};
        assertEquals("  recall by class      normal 1.000 (1000 of 1000), warning 0.900 (90 of 100), critical 0.891 (1302 of 1461)",
                DemoCommand.recallLine(List.of("normal", "warning", "critical"), confusion));
        List<String> lines = DemoCommand.lateLabelLines(9000, 12, 3, 310, 0);
        assertEquals(3, lines.size());
        assertTrue(lines.get(0).startsWith("  late labels          9012 matched: found their reading and scored the prediction"
                + " made for it (9000 after it, 12 before it)"), lines.get(0));
        assertTrue(lines.get(1).contains("3 unmatched: their reading had stopped waiting"), lines.get(1));
        assertTrue(lines.get(2).contains("310 readings still waiting for a label"), lines.get(2));
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
