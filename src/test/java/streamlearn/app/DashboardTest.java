package streamlearn.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The Grafana dashboards of {@code grafana/}: they parse, every panel and query uses the one
 * provisioned datasource (by its fixed uid), and every metric they query is one streamlearn exports.
 */
class DashboardTest {

    @Test
    void everyDashboardParsesAndHasAStableIdentity() {
        List<Path> files = Dashboards.files();
        assertFalse(files.isEmpty(), "no dashboard JSON under grafana/");
        assertTrue(files.contains(Path.of("grafana/dashboards/streamlearn.json")), files.toString());
        Set<String> uids = new HashSet<>();
        for (Path f : files) {
            JsonNode d = Dashboards.read(f);
            assertTrue(d.path("uid").isTextual() && !d.path("uid").asText().isBlank(), f + ": no uid");
            assertTrue(uids.add(d.path("uid").asText()), f + ": uid used twice");
            assertTrue(d.path("title").isTextual(), f + ": no title");
            // A provisioned dashboard is loaded as it is: an export's ${DS_...} inputs would stay unresolved.
            assertTrue(d.path("__inputs").isMissingNode(), f + ": has __inputs (an export for import, not provisioning)");
            assertFalse(d.toString().contains("${DS_"), f + ": refers to an import-time datasource input");
            Set<Integer> ids = new HashSet<>();
            for (JsonNode p : Dashboards.panels(d)) {
                assertTrue(ids.add(p.path("id").asInt(-1)), f + ": panel id " + p.path("id") + " twice");
                assertTrue(p.path("gridPos").has("w") && p.path("gridPos").has("h"), f + ": panel without gridPos " + p.path("title"));
                if (!p.path("type").asText().equals("row")) {
                    assertFalse(p.path("targets").isEmpty(), f + ": panel '" + p.path("title").asText() + "' has no query");
                }
            }
        }
    }

    @Test
    void everyPanelAndQueryUsesTheProvisionedDatasource() {
        String uid = Dashboards.datasourceUid();
        assertEquals("streamlearn-prometheus", uid);
        List<String> wrong = new ArrayList<>();
        for (Path f : Dashboards.files()) {
            JsonNode d = Dashboards.read(f);
            for (JsonNode p : Dashboards.panels(d)) {
                String title = p.path("title").asText();
                if (!p.path("type").asText().equals("row")) {
                    check(p.path("datasource"), uid, f + " panel '" + title + "'", wrong);
                }
                for (JsonNode t : p.path("targets")) {
                    check(t.path("datasource"), uid, f + " panel '" + title + "' target " + t.path("refId").asText(), wrong);
                }
            }
            for (JsonNode v : d.path("templating").path("list")) {
                if (v.path("type").asText().equals("query")) {
                    check(v.path("datasource"), uid, f + " variable $" + v.path("name").asText(), wrong);
                }
            }
            for (JsonNode a : Dashboards.annotations(d)) {
                check(a.path("datasource"), uid, f + " annotation '" + a.path("name").asText() + "'", wrong);
                if (a.has("target")) {
                    check(a.path("target").path("datasource"), uid, f + " annotation '" + a.path("name").asText()
                            + "' target", wrong);
                }
            }
        }
        assertTrue(wrong.isEmpty(), "not the provisioned datasource " + uid + ":\n" + String.join("\n", wrong));
    }

    private static void check(JsonNode ds, String uid, String where, List<String> wrong) {
        if (!ds.isObject() || !uid.equals(ds.path("uid").asText()) || !"prometheus".equals(ds.path("type").asText())) {
            wrong.add(where + ": " + ds);
        }
    }

    @Test
    void everyQueriedMetricIsKnown() {
        List<Dashboards.Query> queries = Dashboards.allQueries();
        assertTrue(queries.size() >= 20, "queries: " + queries.size());
        List<String> unknown = new ArrayList<>();
        for (Dashboards.Query q : queries) {
            assertFalse(q.expr().isBlank(), "empty query: " + q);
            Set<String> names = Dashboards.metricNames(q.variable() ? Dashboards.variableAsPromQL(q.expr()) : q.expr());
            assertFalse(names.isEmpty(), "no metric in " + q);
            for (String n : names) {
                if (!Dashboards.KNOWN_METRICS.contains(n)) {
                    unknown.add(n + " in " + q);
                }
            }
        }
        assertTrue(unknown.isEmpty(), "unknown metrics:\n" + String.join("\n", unknown));
    }

    @Test
    void theDashboardShowsWhatTheIssueAsksFor() {
        Set<String> used = Dashboards.allMetricNames();
        for (String name : List.of("streamlearn_loss", "streamlearn_accuracy", "streamlearn_records_total",
                "streamlearn_predictions_total", "streamlearn_model_version", "streamlearn_prediction_lag_seconds_max",
                "streamlearn_drifts_total", "streamlearn_labels_total", "streamlearn_pending_readings",
                "streamlearn_label_delay_seconds_count", "streamlearn_label_delay_seconds_max",
                "streamlearn_update_seconds_count", "kafka_consumer_fetch_manager_records_lag",
                "kafka_stream_thread_process_rate", "kafka_stream_thread_commit_latency_avg",
                "kafka_stream_task_restore_remaining_records_total", "streamlearn_balanced_accuracy", "streamlearn_recall",
                "streamlearn_precision", "streamlearn_kappa")) {
            assertTrue(used.contains(name), name + " is on no panel");
        }
        String all = String.join("\n", Dashboards.allQueries().stream().map(Dashboards.Query::expr).toList());
        for (String outcome : List.of("by (model, outcome)", "outcome=\"rejected\"", "outcome=\"diverged\"", "outcome=\"failed\"",
                "by (model, class)", "streamlearn_recall{model=~\"$model\"}")) {
            assertTrue(all.contains(outcome), "no query with " + outcome);
        }
    }

    @Test
    void driftsHaveAPanelAndAreMarkedOnTheLossAndAccuracyPanels() {
        JsonNode d = Dashboards.read(Path.of("grafana/dashboards/streamlearn.json"));
        JsonNode panel = null;
        Map<String, Integer> ids = new java.util.HashMap<>();
        for (JsonNode p : Dashboards.panels(d)) {
            ids.put(p.path("title").asText(), p.path("id").asInt());
            if (p.path("title").asText().equals("Drifts detected")) {
                panel = p;
            }
        }
        assertTrue(panel != null, "no panel 'Drifts detected'");
        assertTrue(panel.path("targets").get(0).path("expr").asText().contains("streamlearn_drifts_total"), panel.toString());
        List<JsonNode> drifts = Dashboards.annotations(d).stream()
                .filter(a -> a.path("target").path("expr").asText().contains("streamlearn_drifts_total")).toList();
        assertEquals(1, drifts.size(), "one annotation marks the drifts");
        JsonNode a = drifts.get(0);
        assertTrue(a.path("enable").asBoolean(), a.toString());
        assertEquals(a.path("target").path("expr").asText(), a.path("expr").asText(), "the legacy expr is the same query");
        Set<Integer> shownOn = new TreeSet<>();
        a.path("filter").path("ids").forEach(id -> shownOn.add(id.asInt()));
        assertFalse(a.path("filter").path("exclude").asBoolean(), a.toString());
        assertEquals(new TreeSet<>(Set.of(ids.get("Loss per model"), ids.get("Accuracy per model"))), shownOn,
                "marked on the loss and accuracy panels");
    }

    @Test
    void everyVariableIsDefinedAndSubstitutes() {
        for (Path f : Dashboards.files()) {
            JsonNode d = Dashboards.read(f);
            Map<String, String> values = Dashboards.variableValues(d);
            for (Dashboards.Query q : Dashboards.queries(f, d)) {
                String s = Dashboards.substitute(q.expr(), values);
                assertFalse(s.contains("$"), "unsubstituted variable in " + s);
            }
        }
    }

    @Test
    void theDashboardProviderLoadsTheDashboardsFolderAsComposeMountsIt() throws Exception {
        List<Path> providers = Dashboards.yamlFiles(Dashboards.PROVIDERS);
        assertEquals(1, providers.size(), providers.toString());
        JsonNode p = Dashboards.yaml(providers.get(0)).path("providers").get(0);
        assertEquals("file", p.path("type").asText());
        String path = p.path("options").path("path").asText();
        String compose = Files.readString(Path.of("docker-compose.yml"));
        assertTrue(compose.contains("./grafana/dashboards:" + path), "docker-compose.yml mounts no ./grafana/dashboards at " + path);
        assertTrue(compose.contains("./grafana/provisioning:/etc/grafana/provisioning"), "provisioning not mounted");
        JsonNode ds = Dashboards.yaml(Dashboards.yamlFiles(Dashboards.DATASOURCES).get(0)).path("datasources").get(0);
        assertEquals("http://prometheus:9090", ds.path("url").asText());
    }

    @Test
    void metricNamesAreExtractedFromPromQL() {
        assertEquals(Set.of("a_total", "b_count"), Dashboards.metricNames(
                "sum by (model, outcome) (rate(a_total{model=~\"$model\",x=\"y(z)\"}[$__rate_interval])) / ignoring(le) b_count offset 5m"));
        assertEquals(Set.of("up"), Dashboards.metricNames("max without (instance) (up) > bool 0.5e3"));
        assertEquals(Set.of("x"), Dashboards.metricNames(Dashboards.variableAsPromQL("label_values(x{a=\"b\"}, model)")));
        assertEquals("rate(a{m=~\".*\"}[10s])",
                Dashboards.substitute("rate(a{m=~\"$model\"}[$__rate_interval])", Map.of("model", ".*")));
        assertEquals("a{t=\"dlq\"}", Dashboards.substitute("a{t=\"${topic}\"}", Map.of("topic", "dlq")));
        assertEquals(new TreeSet<>(Set.of()), Dashboards.metricNames("vector(1)"));
    }
}
