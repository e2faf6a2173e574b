package streamlearn.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The Grafana side of the repository as the tests see it: the dashboards under {@code grafana/},
 * their PromQL queries, the metric names those use, and the provisioned datasource.
 */
final class Dashboards {
    static final Path GRAFANA = Path.of("grafana");
    static final Path DATASOURCES = GRAFANA.resolve("provisioning/datasources");
    static final Path PROVIDERS = GRAFANA.resolve("provisioning/dashboards");
    static final ObjectMapper JSON = new ObjectMapper();
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    /**
     * Every metric a dashboard may use: the names of docs/DESIGN.md, and the Kafka Streams (Micrometer
     * KafkaStreamsMetrics binder) and JVM names that a real run was seen to export.
     * DashboardMetricsIT checks the names a dashboard uses against a real scrape.
     */
    static final Set<String> KNOWN_METRICS = Set.of(
            "streamlearn_records_total", "streamlearn_loss", "streamlearn_accuracy", "streamlearn_model_version",
            "streamlearn_balanced_accuracy", "streamlearn_kappa", "streamlearn_recall", "streamlearn_precision",
            "streamlearn_candidate_loss", "streamlearn_candidate_weight",
            "streamlearn_predictions_total", "streamlearn_drifts_total", "streamlearn_model_events_total",
            "streamlearn_update_seconds", "streamlearn_update_seconds_count", "streamlearn_update_seconds_sum",
            "streamlearn_update_seconds_max",
            "streamlearn_prediction_lag_seconds", "streamlearn_prediction_lag_seconds_count",
            "streamlearn_prediction_lag_seconds_sum", "streamlearn_prediction_lag_seconds_max",
            "streamlearn_labels_total", "streamlearn_pending_readings", "streamlearn_pending_dropped_total",
            "streamlearn_waiting_labels",
            "streamlearn_label_delay_seconds", "streamlearn_label_delay_seconds_count", "streamlearn_label_delay_seconds_sum",
            "streamlearn_label_delay_seconds_max",
            "kafka_stream_client_state", "kafka_stream_alive_stream_threads", "kafka_stream_failed_stream_threads_total",
            "kafka_stream_thread_process_rate", "kafka_stream_thread_process_total", "kafka_stream_thread_poll_rate",
            "kafka_stream_thread_commit_latency_avg", "kafka_stream_thread_commit_latency_max",
            "kafka_stream_thread_commit_rate", "kafka_stream_thread_commit_total",
            "kafka_stream_task_restore_total", "kafka_stream_task_restore_rate",
            "kafka_stream_task_restore_remaining_records_total", "kafka_stream_task_process_rate",
            "kafka_stream_topic_records_produced_total", "kafka_stream_topic_records_consumed_total",
            "kafka_consumer_fetch_manager_records_lag", "kafka_consumer_fetch_manager_records_lag_max",
            "kafka_consumer_coordinator_rebalance_total",
            "kafka_producer_topic_record_send_total",
            "jvm_memory_used_bytes", "jvm_memory_max_bytes", "jvm_gc_pause_seconds_count", "jvm_gc_pause_seconds_sum",
            "process_cpu_usage", "system_cpu_usage");

    /**
     * One query of a dashboard: a panel target, a template variable's query, or an annotation's
     * query (which Grafana runs as a range query over the dashboard's time range).
     */
    record Query(Path file, String where, String expr, boolean variable, boolean annotation) {
        @Override
        public String toString() {
            return file.getFileName() + " / " + where + ": " + expr;
        }
    }

    private Dashboards() {
    }

    static List<Path> files() {
        try (Stream<Path> s = Files.walk(GRAFANA)) {
            return s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode read(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        }
    }

    static JsonNode yaml(Path file) {
        try {
            return YAML.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        }
    }

    static List<Path> yamlFiles(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(".yml") || p.toString().endsWith(".yaml")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The uid of the one provisioned datasource. */
    static String datasourceUid() {
        List<String> uids = new ArrayList<>();
        for (Path f : yamlFiles(DATASOURCES)) {
            for (JsonNode ds : yaml(f).path("datasources")) {
                uids.add(ds.path("uid").asText(null));
            }
        }
        if (uids.size() != 1 || uids.get(0) == null || uids.get(0).isBlank()) {
            throw new AssertionError("expected one provisioned datasource with a uid, found " + uids);
        }
        return uids.get(0);
    }

    /** Every panel, rows' nested panels included. */
    static List<JsonNode> panels(JsonNode dashboard) {
        List<JsonNode> out = new ArrayList<>();
        collect(dashboard.path("panels"), out);
        return out;
    }

    private static void collect(JsonNode panels, List<JsonNode> out) {
        for (JsonNode p : panels) {
            out.add(p);
            collect(p.path("panels"), out);
        }
    }

    /** The PromQL of every panel target, of every query variable and of every annotation (but Grafana's built-in one). */
    static List<Query> queries(Path file, JsonNode dashboard) {
        List<Query> out = new ArrayList<>();
        for (JsonNode p : panels(dashboard)) {
            for (JsonNode t : p.path("targets")) {
                out.add(new Query(file, "panel '" + p.path("title").asText() + "' " + t.path("refId").asText(),
                        t.path("expr").asText(""), false, false));
            }
        }
        for (JsonNode v : dashboard.path("templating").path("list")) {
            if (v.path("type").asText().equals("query")) {
                JsonNode q = v.path("query");
                out.add(new Query(file, "variable $" + v.path("name").asText(),
                        q.isObject() ? q.path("query").asText("") : q.asText(""), true, false));
            }
        }
        for (JsonNode a : annotations(dashboard)) {
            // Grafana 10+ keeps the query under target; older dashboards have it at the top.
            String expr = a.path("target").path("expr").asText(a.path("expr").asText(""));
            out.add(new Query(file, "annotation '" + a.path("name").asText() + "'", expr, false, true));
        }
        return out;
    }

    /** The dashboard's annotations, but Grafana's built-in "Annotations & Alerts". */
    static List<JsonNode> annotations(JsonNode dashboard) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode a : dashboard.path("annotations").path("list")) {
            if (a.path("builtIn").asInt(0) != 1) {
                out.add(a);
            }
        }
        return out;
    }

    static List<Query> allQueries() {
        List<Query> out = new ArrayList<>();
        for (Path f : files()) {
            out.addAll(queries(f, read(f)));
        }
        return out;
    }

    /**
     * What each dashboard variable stands for when a query is run outside Grafana: a multi-value
     * or "All" variable matches everything ({@code .*}), any other its current (default) value.
     */
    static Map<String, String> variableValues(JsonNode dashboard) {
        Map<String, String> values = new LinkedHashMap<>();
        for (JsonNode v : dashboard.path("templating").path("list")) {
            String name = v.path("name").asText();
            if (v.path("includeAll").asBoolean() || v.path("multi").asBoolean()) {
                values.put(name, v.path("allValue").asText(".*"));
            } else {
                JsonNode current = v.path("current").path("value");
                values.put(name, current.isMissingNode() ? v.path("query").asText() : current.asText());
            }
        }
        return values;
    }

    private static final Pattern VARIABLE = Pattern.compile("\\$\\{(\\w+)(?::\\w+)?}|\\[\\[(\\w+)]]|\\$(\\w+)");

    /** {@code expr} with Grafana's variables replaced: $__rate_interval, $__interval, $__range, and the dashboard's. */
    static String substitute(String expr, Map<String, String> values) {
        Matcher m = VARIABLE.matcher(expr);
        StringBuilder b = new StringBuilder();
        while (m.find()) {
            String name = m.group(1) != null ? m.group(1) : m.group(2) != null ? m.group(2) : m.group(3);
            String value = switch (name) {
                case "__rate_interval" -> "10s";
                case "__interval" -> "5s";
                case "__range" -> "1m";
                default -> values.get(name);
            };
            if (value == null) {
                throw new AssertionError("unknown variable $" + name + " in " + expr);
            }
            m.appendReplacement(b, Matcher.quoteReplacement(value));
        }
        m.appendTail(b);
        return b.toString();
    }

    private static final Pattern LABEL_VALUES = Pattern.compile("^\\s*label_values\\((.*),\\s*(\\w+)\\s*\\)\\s*$");
    private static final Pattern QUERY_RESULT = Pattern.compile("^\\s*query_result\\((.*)\\)\\s*$");

    /** A variable query as PromQL: label_values(selector, label) becomes the selector. */
    static String variableAsPromQL(String query) {
        Matcher lv = LABEL_VALUES.matcher(query);
        if (lv.matches()) {
            return lv.group(1);
        }
        Matcher qr = QUERY_RESULT.matcher(query);
        return qr.matches() ? qr.group(1) : query;
    }

    private static final Set<String> KEYWORDS = Set.of("by", "without", "on", "ignoring", "group_left", "group_right",
            "bool", "offset", "and", "or", "unless", "inf", "nan", "atan2");
    private static final Pattern IDENT = Pattern.compile("(?<![\\w:.$])[a-zA-Z_:][a-zA-Z0-9_:]*");

    /** The metric names a PromQL expression selects (functions, keywords, labels and strings left out). */
    static Set<String> metricNames(String promql) {
        String s = promql
                .replaceAll("\"(?:\\\\.|[^\"\\\\])*\"", " ")
                .replaceAll("'(?:\\\\.|[^'\\\\])*'", " ")
                .replaceAll("`[^`]*`", " ")
                .replaceAll("\\{[^}]*}", " ")
                .replaceAll("\\[[^]]*]", " ")
                .replaceAll("(?i)\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ");
        Set<String> names = new TreeSet<>();
        Matcher m = IDENT.matcher(s);
        while (m.find()) {
            String word = m.group();
            if (KEYWORDS.contains(word.toLowerCase())) {
                continue;
            }
            int after = m.end();
            while (after < s.length() && Character.isWhitespace(s.charAt(after))) {
                after++;
            }
            if (after < s.length() && s.charAt(after) == '(') {
                continue; // a function or an aggregation
            }
            names.add(word);
        }
        return names;
    }

    /** Every metric name used by any dashboard query. */
    static Set<String> allMetricNames() {
        Set<String> names = new TreeSet<>();
        for (Query q : allQueries()) {
            names.addAll(metricNames(q.variable() ? variableAsPromQL(q.expr()) : q.expr()));
        }
        return names;
    }
}
