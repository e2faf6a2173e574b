package streamlearn.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import streamlearn.format.ReadingParser;
import streamlearn.model.InvalidReadingException;
import streamlearn.model.Reading;
import streamlearn.model.RejectReason;
import streamlearn.stream.LearnerSettings;
import streamlearn.stream.LearnerTopology;
import streamlearn.stream.LiveView;
import streamlearn.stream.ModelKey;
import streamlearn.stream.ModelSummaries;

/**
 * Predictions and models on request, and the live page (docs/DESIGN.md, section 7): {@code POST
 * /predict}, {@code GET /models}, {@code GET /models/{id}}, {@code GET /series}, and the page at
 * {@code /} with its scripts. Each instance answers for the models it holds and asks the others,
 * found through Kafka Streams' metadata ({@code application.server} is this endpoint's
 * host:port), for the rest.
 *
 * <p>{@code POST /predict}: the reading is parsed as the readings topic's are (a bad one: 400 with
 * the dead-letter reason), keyed by model as the router keys it, and the model's partition looked
 * up with {@link KafkaStreams#queryMetadataForKey}; the instance whose task of that partition is
 * active answers (this one, or the one the request is forwarded to, once); 404 for a model that
 * task does not hold; 503 with {@code Retry-After} whenever the partition has no running task to
 * answer: metadata not available (a rebalance), the task not (yet, or no longer) running where the
 * metadata says, a forwarded request that meets an instance that does not hold the partition, or
 * an instance that cannot be reached.
 */
final class LearnerHttpApi {
    private static final Logger LOG = LoggerFactory.getLogger(LearnerHttpApi.class);
    /** Marks a request one instance forwarded to another: never forwarded again. */
    static final String FORWARDED = "X-Streamlearn-Forwarded";
    /** Names the instance (host:port) that answered. */
    static final String INSTANCE = "X-Streamlearn-Instance";
    /** Seconds a client waits before asking again while a partition moves. */
    static final int RETRY_AFTER_SECONDS = 1;
    static final int DEFAULT_PAGE_SIZE = 50;
    static final int MAX_PAGE_SIZE = 1_000;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Serializer<String> KEYS = Serdes.String().serializer();

    private final KafkaStreams streams;
    private final LiveView view;
    private final LearnerSettings settings;
    private final HostInfo self;
    private final LongSupplier wallClock;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2))
            .version(HttpClient.Version.HTTP_1_1).build();
    private final ThreadLocal<ReadingParser> parsers;

    LearnerHttpApi(KafkaStreams streams, LiveView view, LearnerSettings settings, HostInfo self, LongSupplier wallClock) {
        this.streams = streams;
        this.view = view;
        this.settings = settings;
        this.self = self;
        this.wallClock = wallClock;
        this.parsers = ThreadLocal.withInitial(() -> new ReadingParser(settings.spec(), settings.modelKey().capturedField(),
                settings.maxReadingBytes()));
    }

    void register(MetricsServer server) {
        server.handle("/predict", guarded(this::predict));
        server.handle("/models", guarded(this::models));
        server.handle("/series", guarded(this::series));
        server.handle("/", guarded(new LivePage()::serve));
    }

    // ------------------------------------------------------------------ POST /predict

    private void predict(HttpExchange exchange) throws IOException {
        if (!exchange.getRequestMethod().equals("POST")) {
            exchange.getResponseHeaders().set("Allow", "POST");
            send(exchange, 405, error("method_not_allowed", "POST a reading to /predict"));
            return;
        }
        byte[] body = readBody(exchange.getRequestBody(), settings.maxReadingBytes() + 1);
        Reading reading = new Reading(settings.spec().features().size());
        try {
            parsers.get().parse(body, reading);
        } catch (InvalidReadingException e) {
            send(exchange, 400, rejected(e.reason(), e.getMessage()));
            return;
        }
        long now = wallClock.getAsLong();
        reading.defaultTimestamp(now);
        if (reading.timestamp() - now > settings.readingMaxFuture().toMillis()) {
            send(exchange, 400, rejected(RejectReason.FUTURE_TIMESTAMP, "timestamp " + reading.timestamp()
                    + " lies more than reading.max.future (" + settings.readingMaxFuture() + ") ahead of the wall clock (" + now + ")"));
            return;
        }
        String modelId = switch (settings.modelKey().kind()) {
            case GLOBAL -> ModelKey.GLOBAL_MODEL_ID;
            case SENSOR -> reading.sensorId();
            case FIELD -> reading.keyFieldValue();
        };
        if (modelId == null) {
            send(exchange, 400, rejected(RejectReason.MISSING_FIELD, "missing field '" + settings.modelKey().field()
                    + "' (the model key)"));
            return;
        }
        KeyQueryMetadata where;
        try {
            where = streams.queryMetadataForKey(LearnerTopology.MODEL_STORE, modelId, KEYS);
        } catch (RuntimeException e) {
            moving(exchange, "the learner is not running (" + streams.state() + ")");
            return;
        }
        if (where == null || where.equals(KeyQueryMetadata.NOT_AVAILABLE) || where.activeHost() == null
                || where.activeHost().equals(KeyQueryMetadata.NOT_AVAILABLE.activeHost())) {
            moving(exchange, "the partition of model '" + modelId + "' has no active instance now (rebalancing)");
            return;
        }
        if (!where.activeHost().equals(self)) {
            if (exchange.getRequestHeaders().containsKey(FORWARDED)) {
                moving(exchange, "model '" + modelId + "' moves: this instance does not hold partition " + where.partition());
                return;
            }
            forward(exchange, where.activeHost(), "/predict", body);
            return;
        }
        LiveView.Prediction answer = view.predict(where.partition(), modelId, reading);
        switch (answer.found()) {
            case PREDICTED -> send(exchange, 200, "application/json", answer.json());
            case UNKNOWN_MODEL -> send(exchange, 404, error("unknown_model", "no model '" + modelId + "'", "model", modelId));
            case NOT_RUNNING_HERE -> moving(exchange, "the task of model '" + modelId + "' (partition " + where.partition()
                    + ") is not running here now (restoring, or moving)");
        }
    }

    private void moving(HttpExchange exchange, String message) throws IOException {
        exchange.getResponseHeaders().set("Retry-After", String.valueOf(RETRY_AFTER_SECONDS));
        send(exchange, 503, error("moving", message));
    }

    /** Relays the request to {@code host}, once, and its answer back; a host that cannot be reached is a 503. */
    private void forward(HttpExchange exchange, HostInfo host, String path, byte[] body) throws IOException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://" + host.host() + ":" + host.port() + path))
                .timeout(Duration.ofSeconds(10)).header(FORWARDED, self.host() + ":" + self.port());
        request = body == null ? request.GET() : request.POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .header("Content-Type", "application/json");
        HttpResponse<byte[]> response;
        try {
            response = client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            moving(exchange, "interrupted while asking " + host);
            return;
        } catch (IOException e) {
            moving(exchange, "the instance holding it (" + host.host() + ":" + host.port() + ") cannot be reached: " + e);
            return;
        }
        response.headers().firstValue("Retry-After").ifPresent(v -> exchange.getResponseHeaders().set("Retry-After", v));
        response.headers().firstValue(INSTANCE).ifPresent(v -> exchange.getResponseHeaders().set(INSTANCE, v));
        send(exchange, response.statusCode(), response.headers().firstValue("Content-Type").orElse("application/json"),
                response.body());
    }

    // ------------------------------------------------------------------ GET /models, /models/{id}

    private void models(HttpExchange exchange) throws IOException {
        if (!get(exchange)) {
            return;
        }
        String path = exchange.getRequestURI().getPath();
        Map<String, String> query = query(exchange.getRequestURI());
        boolean local = "true".equals(query.get("local"));
        if (path.length() > "/models/".length() && path.startsWith("/models/")) {
            String id = URLDecoder.decode(path.substring("/models/".length()), StandardCharsets.UTF_8);
            model(exchange, id, local);
            return;
        }
        if (!path.equals("/models") && !path.equals("/models/")) {
            send(exchange, 404, error("not_found", "no such resource: " + path));
            return;
        }
        String sort = query.getOrDefault("sort", "accuracy");
        Comparator<ObjectNode> order = order(sort);
        if (order == null) {
            send(exchange, 400, error("bad_request", "sort must be accuracy, loss, drifts, lastReading, id or recall:<class> ("
                    + String.join(", ", view.summaries().classes()) + "), got '" + sort + "'"));
            return;
        }
        String q = query.getOrDefault("q", "").toLowerCase(Locale.ROOT);
        int page;
        int size;
        int limit;
        try {
            page = Integer.parseInt(query.getOrDefault("page", "1"));
            size = Integer.parseInt(query.getOrDefault("size", String.valueOf(DEFAULT_PAGE_SIZE)));
            limit = Integer.parseInt(query.getOrDefault("limit", String.valueOf(Integer.MAX_VALUE)));
            if (page < 1 || size < 1 || size > MAX_PAGE_SIZE || limit < 0) {
                throw new NumberFormatException();
            }
        } catch (NumberFormatException e) {
            send(exchange, 400, error("bad_request", "page must be >= 1 and size 1 to " + MAX_PAGE_SIZE));
            return;
        }
        // This instance's models, matching q, in order.
        List<ObjectNode> mine = new ArrayList<>();
        for (ModelSummaries.Summary s : view.summaries().all()) {
            if (q.isEmpty() || s.id().toLowerCase(Locale.ROOT).contains(q)) {
                mine.add(summaryJson(s, false));
            }
        }
        mine.sort(order);
        long wanted = (long) page * size;
        if (local) {
            ObjectNode out = JSON.createObjectNode();
            out.put("total", mine.size());
            ArrayNode models = out.putArray("models");
            mine.stream().limit(Math.min(limit, wanted)).forEach(models::add);
            send(exchange, 200, out);
            return;
        }
        // Every instance's first page*size models, merged: the page is then right whatever the spread.
        Map<String, ObjectNode> merged = new HashMap<>();
        long total = 0;
        List<String> instances = new ArrayList<>();
        List<String> unreachable = new ArrayList<>();
        instances.add(name(self));
        mine.stream().limit(wanted).forEach(m -> merged.put(m.get("id").asText(), m));
        total += mine.size();
        String ask = "/models?local=true&sort=" + URLEncoder.encode(sort, StandardCharsets.UTF_8) + "&q="
                + URLEncoder.encode(q, StandardCharsets.UTF_8) + "&limit=" + wanted;
        for (Map.Entry<HostInfo, CompletableFuture<HttpResponse<byte[]>>> other : askOthers(ask).entrySet()) {
            String name = name(other.getKey());
            try {
                HttpResponse<byte[]> response = other.getValue().join();
                if (response.statusCode() != 200) {
                    unreachable.add(name);
                    continue;
                }
                JsonNode answer = JSON.readTree(response.body());
                instances.add(name);
                total += answer.get("total").asLong();
                for (JsonNode m : answer.get("models")) {
                    ObjectNode model = (ObjectNode) m;
                    ObjectNode known = merged.get(model.get("id").asText());
                    if (known != null) {
                        total--;
                    }
                    // A model listed twice (moving): the one further on is the truth.
                    if (known == null || known.get("modelVersion").asLong() < model.get("modelVersion").asLong()) {
                        merged.put(model.get("id").asText(), model);
                    }
                }
            } catch (RuntimeException | IOException e) {
                unreachable.add(name);
            }
        }
        List<ObjectNode> all = new ArrayList<>(merged.values());
        all.sort(order);
        ObjectNode out = JSON.createObjectNode();
        out.put("total", total);
        out.put("page", page);
        out.put("size", size);
        out.put("sort", sort);
        out.set("classes", JSON.valueToTree(view.summaries().classes()));
        out.set("instances", JSON.valueToTree(instances));
        out.set("unreachable", JSON.valueToTree(unreachable));
        ArrayNode models = out.putArray("models");
        all.stream().skip((long) (page - 1) * size).limit(size).forEach(models::add);
        send(exchange, 200, out);
    }

    private void model(HttpExchange exchange, String id, boolean local) throws IOException {
        ModelSummaries.Summary s = view.summaries().get(id);
        if (s != null) {
            send(exchange, 200, summaryJson(s, true));
            return;
        }
        if (!local) {
            String ask = "/models/" + URLEncoder.encode(id, StandardCharsets.UTF_8).replace("+", "%20") + "?local=true";
            for (var other : askOthers(ask).values()) {
                try {
                    HttpResponse<byte[]> response = other.join();
                    if (response.statusCode() == 200) {
                        send(exchange, 200, "application/json", response.body());
                        return;
                    }
                } catch (RuntimeException e) {
                    // That instance is gone: the others may know.
                }
            }
        }
        send(exchange, 404, error("unknown_model", "no model '" + id + "' is listed", "model", id));
    }

    ObjectNode summaryJson(ModelSummaries.Summary s, boolean withWindows) {
        List<String> classes = view.summaries().classes();
        ObjectNode m = JSON.createObjectNode();
        m.put("id", s.id());
        m.put("instance", name(self));
        m.put("partition", s.partition());
        m.put("modelVersion", s.modelVersion());
        ModelSummaries.Window last = s.last();
        number(m, "accuracy", last == null ? Double.NaN : last.accuracy());
        number(m, "loss", last == null ? Double.NaN : last.meanLoss());
        ObjectNode recall = m.putObject("recall");
        for (int c = 0; c < classes.size(); c++) {
            number(recall, classes.get(c), last == null ? Double.NaN : last.recall()[c]);
        }
        m.put("drifts", s.drifts());
        m.put("windowDrifts", last == null ? 0 : last.drifts());
        if (s.lastReading() == Long.MIN_VALUE) {
            m.putNull("lastReading");
        } else {
            m.put("lastReading", s.lastReading());
        }
        if (last == null) {
            m.putNull("windowEnd");
        } else {
            m.put("windowEnd", last.end());
            m.put("records", last.records());
            m.put("labeled", last.labeled());
        }
        if (last == null || last.champion() == null) {
            m.putNull("champion");
        } else {
            m.put("champion", last.champion());
        }
        if (withWindows) {
            ArrayNode windows = m.putArray("windows");
            for (ModelSummaries.Window w : s.windows()) {
                ObjectNode o = windows.addObject();
                o.put("start", w.start());
                o.put("end", w.end());
                o.put("records", w.records());
                o.put("labeled", w.labeled());
                number(o, "loss", w.meanLoss());
                number(o, "accuracy", w.accuracy());
                ObjectNode r = o.putObject("recall");
                for (int c = 0; c < classes.size(); c++) {
                    number(r, classes.get(c), w.recall()[c]);
                }
                o.put("drifts", w.drifts());
                o.put("modelVersion", w.modelVersion());
                if (w.champion() != null) {
                    // As the metrics topic's window has them, after modelVersion.
                    o.put("champion", w.champion());
                    ObjectNode candidates = o.putObject("candidates");
                    for (int k = 0; k < w.candidates().size(); k++) {
                        ObjectNode c = candidates.putObject(w.candidates().get(k));
                        number(c, "loss", w.candidateLoss()[k]);
                        number(c, "weight", w.candidateWeight()[k]);
                    }
                }
            }
        }
        return m;
    }

    /** The order of {@code sort}, worst first; models without a closed window last. Null: no such order. */
    private Comparator<ObjectNode> order(String sort) {
        Comparator<ObjectNode> byId = Comparator.comparing(m -> m.get("id").asText());
        Comparator<ObjectNode> ranked;
        switch (sort) {
            case "accuracy" -> ranked = nullsLast(m -> m.get("accuracy"), false);
            case "loss" -> ranked = nullsLast(m -> m.get("loss"), true);
            case "drifts" -> ranked = Comparator.comparingLong((ObjectNode m) -> m.get("drifts").asLong()).reversed();
            case "lastReading" -> ranked = nullsLast(m -> m.get("lastReading"), true);
            case "id" -> ranked = (a, b) -> 0;
            default -> {
                if (!sort.startsWith("recall:") || !view.summaries().classes().contains(sort.substring("recall:".length()))) {
                    return null;
                }
                String c = sort.substring("recall:".length());
                ranked = nullsLast(m -> m.get("recall").get(c), false);
            }
        }
        return ranked.thenComparing(byId);
    }

    private static Comparator<ObjectNode> nullsLast(java.util.function.Function<ObjectNode, JsonNode> field, boolean highFirst) {
        return (a, b) -> {
            JsonNode x = field.apply(a);
            JsonNode y = field.apply(b);
            boolean xn = x == null || x.isNull();
            boolean yn = y == null || y.isNull();
            if (xn || yn) {
                return Boolean.compare(xn, yn);
            }
            int c = Double.compare(x.asDouble(), y.asDouble());
            return highFirst ? -c : c;
        };
    }

    // ------------------------------------------------------------------ GET /series

    private void series(HttpExchange exchange) throws IOException {
        if (!get(exchange)) {
            return;
        }
        boolean local = "true".equals(query(exchange.getRequestURI()).get("local"));
        int classes = view.summaries().classes().size();
        TreeMap<Long, ModelSummaries.Bucket> merged = new TreeMap<>();
        for (ModelSummaries.Bucket b : view.summaries().series()) {
            merged.put(b.end(), b);
        }
        List<String> unreachable = new ArrayList<>();
        if (!local) {
            for (var other : askOthers("/series?local=true").entrySet()) {
                try {
                    HttpResponse<byte[]> response = other.getValue().join();
                    if (response.statusCode() != 200) {
                        unreachable.add(name(other.getKey()));
                        continue;
                    }
                    for (JsonNode p : JSON.readTree(response.body()).get("points")) {
                        ModelSummaries.Bucket b = new ModelSummaries.Bucket(p.get("end").asLong(), p.get("models").asLong(),
                                p.get("records").asLong(), p.get("labeled").asLong(), p.get("lossSum").asDouble(),
                                p.get("lossCount").asLong(), p.get("correct").asLong(), longs(p.get("support"), classes),
                                longs(p.get("hits"), classes), p.get("drifts").asLong());
                        merged.merge(b.end(), b, LearnerHttpApi::add);
                    }
                } catch (RuntimeException | IOException e) {
                    unreachable.add(name(other.getKey()));
                }
            }
        }
        ObjectNode out = JSON.createObjectNode();
        out.put("windowMs", settings.metricsWindow().toMillis());
        out.set("classes", JSON.valueToTree(view.summaries().classes()));
        out.set("unreachable", JSON.valueToTree(unreachable));
        ArrayNode points = out.putArray("points");
        for (ModelSummaries.Bucket b : merged.values()) {
            ObjectNode p = points.addObject();
            p.put("end", b.end());
            p.put("models", b.models());
            p.put("records", b.records());
            p.put("labeled", b.labeled());
            number(p, "loss", b.lossCount() == 0 ? Double.NaN : b.lossSum() / b.lossCount());
            long supported = 0;
            for (long s : b.support()) {
                supported += s;
            }
            number(p, "accuracy", supported == 0 ? Double.NaN : (double) b.correct() / supported);
            ObjectNode recall = p.putObject("recall");
            for (int c = 0; c < classes; c++) {
                number(recall, view.summaries().classes().get(c), b.support()[c] == 0 ? Double.NaN
                        : (double) b.hits()[c] / b.support()[c]);
            }
            p.put("drifts", b.drifts());
            p.put("lossSum", b.lossSum());
            p.put("lossCount", b.lossCount());
            p.put("correct", b.correct());
            p.set("support", JSON.valueToTree(b.support()));
            p.set("hits", JSON.valueToTree(b.hits()));
        }
        send(exchange, 200, out);
    }

    private static ModelSummaries.Bucket add(ModelSummaries.Bucket a, ModelSummaries.Bucket b) {
        long[] s = a.support().clone();
        long[] h = a.hits().clone();
        for (int c = 0; c < s.length; c++) {
            s[c] += b.support()[c];
            h[c] += b.hits()[c];
        }
        return new ModelSummaries.Bucket(a.end(), a.models() + b.models(), a.records() + b.records(), a.labeled() + b.labeled(),
                a.lossSum() + b.lossSum(), a.lossCount() + b.lossCount(), a.correct() + b.correct(), s, h,
                a.drifts() + b.drifts());
    }

    private static long[] longs(JsonNode array, int n) {
        long[] out = new long[n];
        for (int i = 0; i < n && array != null && i < array.size(); i++) {
            out[i] = array.get(i).asLong();
        }
        return out;
    }

    // ------------------------------------------------------------------ plumbing

    /** GETs {@code path} of every other instance of the application, at once. */
    private Map<HostInfo, CompletableFuture<HttpResponse<byte[]>>> askOthers(String path) {
        Map<HostInfo, CompletableFuture<HttpResponse<byte[]>>> answers = new LinkedHashMap<>();
        List<HostInfo> hosts = new ArrayList<>();
        try {
            for (StreamsMetadata m : streams.metadataForAllStreamsClients()) {
                hosts.add(m.hostInfo());
            }
        } catch (RuntimeException e) {
            return answers;
        }
        for (HostInfo host : hosts) {
            if (host.equals(self) || answers.containsKey(host) || host.port() <= 0) {
                continue;
            }
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + host.host() + ":" + host.port() + path))
                    .timeout(Duration.ofSeconds(5)).header(FORWARDED, name(self)).GET().build();
            answers.put(host, client.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray()));
        }
        return answers;
    }

    private static String name(HostInfo host) {
        return host.host() + ":" + host.port();
    }

    private static boolean get(HttpExchange exchange) throws IOException {
        String method = exchange.getRequestMethod();
        if (method.equals("GET") || method.equals("HEAD")) {
            return true;
        }
        exchange.getResponseHeaders().set("Allow", "GET");
        send(exchange, 405, error("method_not_allowed", method + " is not served here"));
        return false;
    }

    interface Handler {
        void handle(HttpExchange exchange) throws IOException;
    }

    private com.sun.net.httpserver.HttpHandler guarded(Handler handler) {
        return exchange -> {
            try (exchange) {
                exchange.getResponseHeaders().set(INSTANCE, name(self));
                handler.handle(exchange);
            } catch (IOException e) {
                LOG.debug("HTTP {} {}: {}", exchange.getRequestMethod(), exchange.getRequestURI(), e.toString());
            } catch (RuntimeException e) {
                LOG.warn("HTTP {} {} failed", exchange.getRequestMethod(), exchange.getRequestURI(), e);
                try {
                    send(exchange, 500, error("internal_error", e.toString()));
                } catch (IOException | RuntimeException ignored) {
                    // The response had started.
                }
            }
        };
    }

    static Map<String, String> query(URI uri) {
        Map<String, String> out = new HashMap<>();
        String raw = uri.getRawQuery();
        if (raw == null) {
            return out;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            out.put(key, value);
        }
        return out;
    }

    private static byte[] readBody(InputStream in, int max) throws IOException {
        // Past max the parser says oversized; no need to read further.
        return in.readNBytes(max);
    }

    private static void number(ObjectNode node, String field, double value) {
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            node.putNull(field);
        } else {
            node.put(field, value);
        }
    }

    private static ObjectNode error(String error, String message, String... more) {
        ObjectNode out = JSON.createObjectNode();
        out.put("error", error);
        out.put("message", message);
        for (int i = 0; i + 1 < more.length; i += 2) {
            out.put(more[i], more[i + 1]);
        }
        return out;
    }

    private static ObjectNode rejected(RejectReason reason, String message) {
        ObjectNode out = error("invalid_reading", message);
        out.put("reason", reason.id());
        return out;
    }

    static void send(HttpExchange exchange, int status, JsonNode body) throws IOException {
        send(exchange, status, "application/json", JSON.writeValueAsBytes(body));
    }

    static void send(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        if (exchange.getRequestMethod().equals("HEAD")) {
            exchange.sendResponseHeaders(status, -1);
            return;
        }
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }
}
