package streamlearn.app;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The lines `streamlearn demo` itself prints (DemoCommand), as patterns: its terminal is for a
 * person, so a line of any other form (a log line of Kafka's or of the learner's, a stack trace, a
 * JVM warning) is one too many. The demo's error lines ({@code streamlearn demo: error: ...}, {@code
 * streamlearn demo: failed: ...}) are not among them: a run these tests pass has none.
 */
final class DemoLines {
    private static final String CLASS = "[A-Za-z0-9_.-]+";
    private static final List<Pattern> FORMS = List.of(
            Pattern.compile("streamlearn demo: starting a Kafka broker on 127\\.0\\.0\\.1 \\(logs: /.+\\) \\.\\.\\."),
            Pattern.compile("broker up at 127\\.0\\.0\\.1:\\d+ after [0-9.]+ s"),
            Pattern.compile("learner started; live page: http://127\\.0\\.0\\.1:\\d+/ \\(metrics: /metrics\\); simulating .+"),
            Pattern.compile("every second: rec/s, .+"),
            Pattern.compile("first prediction [0-9.]+ s after start"),
            // A progress line (DemoCommand.progressLine).
            Pattern.compile(" *\\d+s +\\d+ rec/s  loss ( *- *|\\d+\\.\\d{4})  accuracy ( *- *|[0-9.]+)  " + CLASS
                    + " recall ( *- *|[0-9.]+)  model (v\\d+ *|- *) rejected \\d+  drifts \\d+  [▁▂▃▄▅▆▇█]*"),
            Pattern.compile("\\((SIGINT|SIGTERM)\\)"),
            Pattern.compile(""),
            Pattern.compile("summary"),
            Pattern.compile("  readings sent +\\d+ in [0-9.]+ s \\(\\d+/s\\)"),
            Pattern.compile("  predictions read +\\d+ \\(read_committed\\)"),
            Pattern.compile("  labeled +\\d+, prequential accuracy .+"),
            Pattern.compile("  recall by class +.+"),
            Pattern.compile("  model version +\\d+"),
            Pattern.compile("  rejected +\\d+, diverged \\d+"),
            Pattern.compile("  drifts detected +\\d+ \\(events on .+\\)"),
            Pattern.compile("  late labels +\\d+ matched: .+"),
            Pattern.compile(" {23}\\d+ unmatched: .+"),
            Pattern.compile(" {23}\\d+ readings still waiting for a label .+"),
            Pattern.compile("  confusion matrix \\(rows: label, columns: prediction\\)"),
            // The confusion matrix: its header (the class names), then a row of counts per class.
            Pattern.compile(" +" + CLASS + "( +" + CLASS + ")*"),
            Pattern.compile("    " + CLASS + "( +\\d+)+"),
            Pattern.compile("shutting down \\.\\.\\."),
            Pattern.compile("done"));

    private DemoLines() {
    }

    /** The lines of {@code output} that are none of the demo's own. */
    static List<String> foreign(List<String> output) {
        List<String> foreign = new ArrayList<>();
        for (String line : output) {
            if (FORMS.stream().noneMatch(p -> p.matcher(line).matches())) {
                foreign.add(line);
            }
        }
        return foreign;
    }
}
