package streamlearn.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import streamlearn.app.KafkaTestSupport.ChildLearner;
import streamlearn.app.KafkaTestSupport.Collector;
import streamlearn.app.KafkaTestSupport.PredictionCheck;
import streamlearn.app.KafkaTestSupport.Reference;
import streamlearn.format.ModelSnapshot;
import streamlearn.format.SpecJson;
import streamlearn.model.ModelSpec;
import streamlearn.model.OnlineModel;
import streamlearn.model.Outcome;
import streamlearn.stream.Topics;

/**
 * An absurd learning rate (1e308, no clipping): the first steps push weights to ~1e300, after
 * which almost every step would overflow. Those steps are refused and counted as
 * {@code diverged}, the model keeps its last good (finite) weights, every reading is still
 * predicted, and all of it equals what OnlineModel does offline, bit for bit.
 */
class DivergenceIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int READINGS = 20_000;
    private static final ModelSpec SPEC = SpecJson.parse("""
            {"features":["temperature","vibration"],"classes":["normal","warning","critical"],
             "layers":[{"units":8,"activation":"tanh"},{"units":3,"activation":"softmax"}],
             "loss":"cross_entropy","init":{"type":"xavier","seed":7},
             "optimizer":{"type":"sgd","learningRate":1e308},"clipNorm":0,"standardize":true}""");
    @RegisterExtension
    static final BrokerExtension broker = new BrokerExtension();

    @Test
    @Timeout(120)
    void stepsThatWouldMakeTheModelNonFiniteAreRefused(@TempDir Path dir) throws Exception {
        long began = System.nanoTime();
        String bootstrap = broker.bootstrapServers();
        Topics topics = KafkaTestSupport.uniqueTopics("diverge");
        KafkaTestSupport.createTopics(bootstrap, topics, 1);
        List<ProducerRecord<String, byte[]>> records =
                KafkaTestSupport.sensorStream(topics.readings(), 17, READINGS, 1_795_334_400_000L, 0.1);
        Reference reference = new Reference(SPEC, false).feedAll(records);
        long diverged = reference.count(Outcome.DIVERGED);
        assertTrue(diverged > READINGS / 2, "the spec must diverge: " + diverged);

        Path spec = dir.resolve("spec.json");
        Files.writeString(spec, SPEC.json());
        Map<String, String> config = KafkaTestSupport.learnerConfig(bootstrap, topics, "diverge-it", dir.resolve("state"),
                KafkaTestSupport.freePort());
        config.put("model.spec", spec.toString());
        config.put("metrics.window", "5s");
        try (ChildLearner child = ChildLearner.run("diverge", config);
             Collector predictions = new Collector(bootstrap, topics.predictions())) {
            child.awaitHealthy(Duration.ofSeconds(60));
            int transitionsBefore = child.stateTransitions().size();
            KafkaTestSupport.produce(bootstrap, records);
            boolean complete = predictions.awaitSize(READINGS, Duration.ofSeconds(60), child);
            assertTrue(child.isAlive() && child.healthy() && complete, predictions.size() + " predictions; " + child.diagnose());
            OnlineModel actual = KafkaTestSupport.awaitSnapshots(bootstrap, topics.models(), reference.versions(),
                    Duration.ofSeconds(30)).get("default");
            PrometheusText metrics = child.metrics();
            assertEquals(List.of(), child.stateTransitions().subList(transitionsBefore, child.stateTransitions().size()));
            assertEquals(0, child.terminate(Duration.ofSeconds(60)), child.stderrTail());

            PredictionCheck check = KafkaTestSupport.checkPredictions(predictions.records(), reference);
            assertTrue(check.exact(), check.toString());
            OnlineModel expected = reference.models.get("default");
            assertArrayEquals(ModelSnapshot.toBytes(expected), ModelSnapshot.toBytes(actual));
            assertAllFinite(ModelSnapshot.toJson(actual), "snapshot");
            assertEquals(diverged, metrics.sum("streamlearn_records_total", "outcome=\"diverged\""), 0.0);
            assertEquals(reference.count(Outcome.TRAINED), metrics.sum("streamlearn_records_total", "outcome=\"trained\""), 0.0);
            assertEquals(READINGS, metrics.sum("streamlearn_predictions_total", ""), 0.0);

            // The windowed metrics keep flowing, as JSON, however large the losses.
            List<ConsumerRecord<String, byte[]>> windows = KafkaTestSupport.readUntil(bootstrap, topics.metrics(),
                    all -> all.size() >= 3, Duration.ofSeconds(20));
            assertTrue(windows.size() >= 3, "metrics windows: " + windows.size());
            for (ConsumerRecord<String, byte[]> w : windows) {
                JSON.readTree(w.value());
            }
            KafkaTestSupport.figure("DivergenceIT", String.format(
                    "learning rate 1e308: %,d readings, %,d steps refused as diverged, %,d taken; model finite and "
                            + "bit-identical to the offline run; %s; test %d s", READINGS, diverged,
                    reference.count(Outcome.TRAINED), check, (System.nanoTime() - began) / 1_000_000_000));
        }
    }

    private static void assertAllFinite(JsonNode node, String where) {
        if (node.isNumber()) {
            assertTrue(Double.isFinite(node.asDouble()), where + " = " + node);
        } else if (node.isTextual()) {
            String t = node.asText();
            assertTrue(!t.equals("NaN") && !t.endsWith("Infinity"), where + " = " + t);
        } else if (node.isContainerNode()) {
            var fields = node.fields();
            while (fields.hasNext()) {
                var e = fields.next();
                assertAllFinite(e.getValue(), where + "." + e.getKey());
            }
            for (int i = 0; node.isArray() && i < node.size(); i++) {
                assertAllFinite(node.get(i), where + "[" + i + "]");
            }
        }
    }
}
