package streamlearn.app;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every metric a dashboard queries is exported by a real run: a KRaft broker, the learner and a
 * stream of readings in this JVM, /metrics scraped over HTTP. A name that only exists in a
 * dashboard (a typo, a renamed meter, a Kafka metric Micrometer names differently) fails here.
 */
class DashboardMetricsIT {

    @Test
    @Timeout(120)
    void everyDashboardMetricIsExported(@TempDir Path tmp) throws Exception {
        Set<String> wanted = Dashboards.allMetricNames();
        assertTrue(wanted.size() >= 20, "dashboard metrics: " + wanted);
        try (LiveLearner learner = LiveLearner.start(tmp.resolve("state"), 500)) {
            // Task-level and consumer-lag metrics appear once tasks run (the binder refreshes every 5 s).
            long deadline = System.nanoTime() + 80_000_000_000L;
            Set<String> missing = wanted;
            PrometheusText scrape = null;
            while (System.nanoTime() < deadline) {
                scrape = new PrometheusText(learner.scrape());
                Set<String> now = new TreeSet<>();
                for (String name : wanted) {
                    if (!scrape.has(name)) {
                        now.add(name);
                    }
                }
                missing = now;
                if (missing.isEmpty() && scrape.sum("streamlearn_model_version", "") > 0
                        && scrape.sum("streamlearn_records_total", "outcome=\"rejected\"") > 0
                        && scrape.sum("streamlearn_labels_total", "outcome=\"matched\"") > 0) {
                    break;
                }
                Thread.sleep(1000);
            }
            assertTrue(missing.isEmpty(), "dashboard metrics not exported by a real run: " + missing);
            // The run was real: readings were learned from, and dead letters counted.
            assertTrue(scrape.sum("streamlearn_records_total", "outcome=\"trained\"") > 0, "nothing trained");
            assertTrue(scrape.sum("streamlearn_records_total", "outcome=\"rejected\"") > 0, "nothing rejected");
            assertTrue(scrape.sum("streamlearn_labels_total", "outcome=\"matched\"") > 0, "no late label matched");
            for (String design : List.of("streamlearn_records_total", "streamlearn_loss", "streamlearn_accuracy",
                    "streamlearn_model_version", "streamlearn_predictions_total", "streamlearn_update_seconds_count",
                    "streamlearn_prediction_lag_seconds_count", "streamlearn_drifts_total",
                    "streamlearn_model_events_total", "streamlearn_labels_total", "streamlearn_pending_readings",
                    "streamlearn_pending_dropped_total", "streamlearn_label_delay_seconds_count", "streamlearn_balanced_accuracy",
                    "streamlearn_kappa", "streamlearn_recall", "streamlearn_precision")) {
                assertTrue(scrape.has(design), design);
            }
            System.out.printf("DashboardMetricsIT: %d dashboard metrics exported, %d readings produced%n",
                    wanted.size(), learner.produced());
        }
    }
}
