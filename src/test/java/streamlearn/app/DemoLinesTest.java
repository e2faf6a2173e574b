package streamlearn.app;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** What DemoIT and DemoLabelDelayIT take for the demo's own lines, and what they do not. */
class DemoLinesTest {

    @Test
    void aDemosOwnLinesAreItsOwn() {
        List<String> demo = List.of(
                "streamlearn demo: starting a Kafka broker on 127.0.0.1 (logs: /root/.cache/streamlearn/demo.log) ...",
                "broker up at 127.0.0.1:37813 after 1.8 s",
                "learner started; live page: http://127.0.0.1:34023/ (metrics: /metrics); simulating 1000 readings/s, drift at 8 s",
                "every second: rec/s, the last 2 s window's loss, accuracy and critical recall, ...; the bars: each window's"
                        + " accuracy, ▁ 0.5 or less to █ 1.0",
                DemoCommand.progressLine(1, 0, Double.NaN, Double.NaN, "critical", Double.NaN, Double.NaN, 0, 0, ""),
                "first prediction 4.1 s after start",
                DemoCommand.progressLine(12, 1992, 0.066, 0.972, "critical", 0.95, 18957, 3, 1, "▆██▇"),
                "",
                "summary",
                "  readings sent        8000 in 8.0 s (1000/s)",
                "  predictions read     8000 (read_committed)",
                "  labeled              7195, prequential accuracy 0.9550",
                DemoCommand.recallLine(List.of("normal", "warning", "critical"), new long[][] {{5, 1, 0}, {0, 4, 1}, {0, 0, 3}}),
                "  model version        7195",
                "  rejected             0, diverged 0",
                "  drifts detected      0 (events on learner-events)",
                "  confusion matrix (rows: label, columns: prediction)",
                "                  normal   warning  critical",
                "    normal          2441        24         4",
                "    critical           7        53      2332",
                "shutting down ...",
                "done");
        List<String> lateLabels = DemoCommand.lateLabelLines(900, 10, 5, 100, 2);
        assertEquals(List.of(), DemoLines.foreign(demo));
        assertEquals(List.of(), DemoLines.foreign(lateLabels));
    }

    @Test
    void logLinesAreNot() {
        List<String> logs = List.of(
                "16:22:01.601 WARN  StreamsConfig - Processing exception handler is not enabled for the GlobalThread.",
                "16:22:01.992 INFO  LearnerApp - Kafka Streams CREATED -> REBALANCING",
                "[2026-12-07 16:22:01,000] INFO [Broker id=1] Transitioning 1 partition(s) to local leaders. (state.change.logger)",
                "java.lang.IllegalStateException: boom",
                "\tat streamlearn.app.LearnerApp.start(LearnerApp.java:120)",
                "SLF4J(W): No SLF4J providers were found.",
                "streamlearn demo: error: The learner stops: diverged (details in /tmp/demo.log)");
        assertEquals(logs, DemoLines.foreign(logs));
    }
}
