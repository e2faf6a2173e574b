package streamlearn.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import streamlearn.app.KafkaTestSupport.ChildLearner;
import streamlearn.stream.Topics;

/**
 * Predictions and models on request across instances: two learners (child JVMs, as an operator
 * runs them) share a 4-partition stream with {@code model.key=sensor}. {@code POST /predict} sent
 * to the instance that does not hold a sensor's model is answered by the one that does, and equals,
 * byte for byte, the prediction the topic then gets when the same reading is produced; {@code GET
 * /models} on either lists the models of both. While a third instance joins and leaves, requests
 * keep coming: none fails other than with 503 and {@code Retry-After}.
 */
class PredictIT {
    private static final long FIRST_TIMESTAMP = 1_795_334_400_000L;
    private static final int SENSORS = 16;
    private static final int READINGS = 4_000;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2))
            .version(HttpClient.Version.HTTP_1_1).build();
    @RegisterExtension
    static final BrokerExtension broker = new BrokerExtension();

    @Test
    @Timeout(300)
    void anInstanceAnswersForTheModelsOfAnotherAndRebalancesOnlyDelay(@TempDir Path tmp) throws Exception {
        String bootstrap = broker.bootstrapServers();
        Topics topics = KafkaTestSupport.uniqueTopics("predict");
        KafkaTestSupport.createTopics(bootstrap, topics, 4);
        Map<String, ChildLearner> learners = new HashMap<>();
        try {
            ChildLearner a = start("predict-a", bootstrap, topics, tmp);
            ChildLearner b = start("predict-b", bootstrap, topics, tmp);
            learners.put("a", a);
            learners.put("b", b);
            a.awaitHealthy(Duration.ofSeconds(90));
            b.awaitHealthy(Duration.ofSeconds(90));
            a.awaitSettled(Duration.ofSeconds(3), Duration.ofSeconds(90));
            b.awaitSettled(Duration.ofSeconds(3), Duration.ofSeconds(90));

            KafkaTestSupport.produce(bootstrap, KafkaTestSupport.sensorStream(topics.readings(), 7, SENSORS, READINGS,
                    FIRST_TIMESTAMP, 0.1, -1, -1));
            List<ConsumerRecord<String, byte[]>> predicted = KafkaTestSupport.readUntil(bootstrap, topics.predictions(),
                    l -> l.size() >= READINGS, Duration.ofSeconds(120));
            assertEquals(READINGS, predicted.size());

            // GET /models on either instance lists the 16 models, of both instances.
            Map<String, String> holder = new TreeMap<>();
            for (ChildLearner asked : List.of(a, b)) {
                JsonNode models = getJson(asked.metricsPort, "/models?size=100");
                assertEquals(SENSORS, models.get("total").asInt(), "models listed by " + asked.name + ": " + models);
                assertEquals(2, models.get("instances").size(), models.get("instances").toString());
                for (JsonNode m : models.get("models")) {
                    holder.put(m.get("id").asText(), m.get("instance").asText());
                }
            }
            assertEquals(SENSORS, holder.size());
            String nameA = "127.0.0.1:" + a.metricsPort;
            String nameB = "127.0.0.1:" + b.metricsPort;
            assertTrue(holder.containsValue(nameA) && holder.containsValue(nameB), "models on both instances: " + holder);
            // The default spec is a pool: once its windows close (a quiet model's by the wall clock), every listed
            // model names its champion, and its windows, asked of the instance that does not hold it, the weights.
            List<String> pool = List.of("main", "linear", "wide");
            long championsDeadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            JsonNode listed = getJson(a.metricsPort, "/models?size=100");
            while (!allChampions(listed, pool) && System.nanoTime() < championsDeadline) {
                Thread.sleep(250);
                listed = getJson(a.metricsPort, "/models?size=100");
            }
            assertTrue(allChampions(listed, pool), "every model's champion: " + listed);
            for (var e : holder.entrySet()) {
                ChildLearner other = e.getValue().equals(nameA) ? b : a;
                JsonNode model = getJson(other.metricsPort, "/models/" + e.getKey());
                assertTrue(model.get("windows").size() > 0, model.toString());
                for (JsonNode w : model.get("windows")) {
                    KafkaTestSupport.assertPoolWindow(w, pool);
                }
            }

            // POST /predict to the instance that does not hold the model; the same reading then goes to the topic.
            Map<Long, String> asked = new TreeMap<>();
            List<ProducerRecord<String, byte[]>> same = new ArrayList<>();
            int i = 0;
            for (var e : holder.entrySet()) {
                String sensor = e.getKey();
                ChildLearner other = e.getValue().equals(nameA) ? b : a;
                long timestamp = FIRST_TIMESTAMP + READINGS + 1_000 + i;
                String label = i % 2 == 0 ? ",\"label\":\"warning\"" : "";
                String reading = "{\"sensorId\":\"" + sensor + "\",\"timestamp\":" + timestamp
                        + ",\"features\":{\"temperature\":" + (30 + i * 1.7) + ",\"vibration\":" + (1.1 + i * 0.21) + "}" + label + "}";
                HttpResponse<String> response = post(other.metricsPort, reading);
                assertEquals(200, response.statusCode(), sensor + ": " + response.body());
                assertEquals(e.getValue(), response.headers().firstValue("X-Streamlearn-Instance").orElse(null),
                        sensor + " answered by the instance holding it");
                asked.put(timestamp, response.body());
                same.add(new ProducerRecord<>(topics.readings(), sensor, reading.getBytes(StandardCharsets.UTF_8)));
                i++;
            }
            KafkaTestSupport.produce(bootstrap, same);
            List<ConsumerRecord<String, byte[]>> all = KafkaTestSupport.readUntil(bootstrap, topics.predictions(),
                    l -> l.size() >= READINGS + SENSORS, Duration.ofSeconds(60));
            Map<Long, String> topic = new TreeMap<>();
            for (ConsumerRecord<String, byte[]> r : all) {
                JsonNode p = JSON.readTree(r.value());
                if (asked.containsKey(p.get("timestamp").asLong())) {
                    topic.put(p.get("timestamp").asLong(), new String(r.value(), StandardCharsets.UTF_8));
                }
            }
            assertEquals(asked, topic, "the predictions on request are the topic's next predictions, byte for byte");

            // An unknown model is 404 (asked of the instance of its partition), a bad reading 400 with its reason.
            for (ChildLearner any : List.of(a, b)) {
                HttpResponse<String> unknown = post(any.metricsPort,
                        "{\"sensorId\":\"no-such-sensor\",\"features\":{\"temperature\":30,\"vibration\":1}}");
                assertEquals(404, unknown.statusCode(), unknown.body());
                HttpResponse<String> bad = post(any.metricsPort, "{\"sensorId\":\"press-01\",\"features\":{\"temperature\":30}}");
                assertEquals(400, bad.statusCode());
                assertEquals("missing_feature", JSON.readTree(bad.body()).get("reason").asText());
            }

            // A third instance joins and leaves while requests keep coming to A and B.
            Map<Integer, AtomicLong> statuses = new ConcurrentHashMap<>();
            List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
            AtomicBoolean stop = new AtomicBoolean();
            List<String> sensors = new ArrayList<>(holder.keySet());
            Thread load = new Thread(() -> {
                int n = 0;
                while (!stop.get()) {
                    ChildLearner to = n % 2 == 0 ? a : b;
                    String sensor = sensors.get(n % sensors.size());
                    String reading = "{\"sensorId\":\"" + sensor + "\",\"features\":{\"temperature\":40,\"vibration\":2}}";
                    try {
                        HttpResponse<String> r = post(to.metricsPort, reading);
                        statuses.computeIfAbsent(r.statusCode(), k -> new AtomicLong()).incrementAndGet();
                        boolean ok = r.statusCode() == 200
                                || r.statusCode() == 503 && r.headers().firstValue("Retry-After").isPresent();
                        if (!ok) {
                            failures.add(r.statusCode() + " " + r.headers().map() + " " + r.body());
                        }
                    } catch (Exception e) {
                        failures.add(e.toString());
                    }
                    n++;
                }
            }, "predict-load");
            load.start();
            ChildLearner c = start("predict-c", bootstrap, topics, tmp);
            learners.put("c", c);
            c.awaitHealthy(Duration.ofSeconds(90));
            c.awaitSettled(Duration.ofSeconds(3), Duration.ofSeconds(120));
            long okWithThree = statuses.getOrDefault(200, new AtomicLong()).get();
            assertEquals(0, c.terminate(Duration.ofSeconds(60)));
            a.awaitSettled(Duration.ofSeconds(3), Duration.ofSeconds(120));
            b.awaitSettled(Duration.ofSeconds(3), Duration.ofSeconds(120));
            Thread.sleep(1_000);
            stop.set(true);
            load.join();
            assertTrue(failures.isEmpty(), failures.size() + " requests failed otherwise than 503 with Retry-After, e.g. "
                    + failures.subList(0, Math.min(5, failures.size())));
            long ok = statuses.getOrDefault(200, new AtomicLong()).get();
            assertTrue(okWithThree > 0 && ok > okWithThree, "answered through the rebalances: " + statuses);
            KafkaTestSupport.figure("PredictIT", "POST /predict during a join and a leave of a third instance: " + statuses
                    + " (status: requests)");
        } finally {
            learners.values().forEach(ChildLearner::close);
        }
    }

    private static ChildLearner start(String name, String bootstrap, Topics topics, Path tmp) throws Exception {
        Map<String, String> config = KafkaTestSupport.learnerConfig(bootstrap, topics, "predict-it",
                tmp.resolve(name), KafkaTestSupport.freePort());
        config.put("model.key", "sensor");
        config.put("metrics.window", "1s");
        return ChildLearner.run(name, config);
    }

    private static boolean allChampions(JsonNode listed, List<String> pool) {
        for (JsonNode m : listed.get("models")) {
            if (!pool.contains(m.path("champion").asText())) {
                return false;
            }
        }
        return listed.get("models").size() == SENSORS;
    }

    private static HttpResponse<String> post(int port, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/predict"))
                .timeout(Duration.ofSeconds(15)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode getJson(int port, String path) throws Exception {
        HttpResponse<String> r = KafkaTestSupport.get(port, path);
        assertEquals(200, r.statusCode(), path + ": " + r.body());
        return JSON.readTree(r.body());
    }
}
