package streamlearn.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
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
import streamlearn.stream.Topics;

/**
 * A model whose state is larger than the Kafka producer's default max.request.size (1 MiB): two
 * 256-unit hidden layers with Adam and weight averaging, 67,331 parameters, about 2.2 MB in the
 * changelog and 5 MB as a snapshot. ModelSpec accepts it (up to MAX_PARAMETERS), so it must be
 * stored and published like the default one, not stop the stream at its first commit (as it did
 * while the producer's max.request.size and the changelog's max.message.bytes were Kafka's
 * defaults).
 */
class LargeModelIT {
    private static final ModelSpec SPEC = SpecJson.parse("""
            {"features":["temperature","vibration"],"classes":["normal","warning","critical"],
             "layers":[{"units":256,"activation":"relu"},{"units":256,"activation":"relu"},{"units":3,"activation":"softmax"}],
             "loss":"cross_entropy","init":{"type":"he","seed":42},"optimizer":{"type":"adam","learningRate":0.001},
             "clipNorm":5.0,"standardize":true,"averaging":{"decay":0.999}}""");
    @RegisterExtension
    static final BrokerExtension broker = new BrokerExtension();

    @Test
    @Timeout(120)
    void aModelOverOneMebibyteIsStoredAndPublished(@TempDir Path dir) throws Exception {
        String bootstrap = broker.bootstrapServers();
        Topics topics = KafkaTestSupport.uniqueTopics("large");
        KafkaTestSupport.createTopics(bootstrap, topics, 1);
        int readings = 3_000;
        List<ProducerRecord<String, byte[]>> records =
                KafkaTestSupport.sensorStream(topics.readings(), 13, readings, 1_795_334_400_000L, 0.1);
        KafkaTestSupport.produce(bootstrap, records);
        Reference reference = new Reference(SPEC, false).feedAll(records);
        OnlineModel expected = reference.models.get("default");
        assertTrue(ModelSnapshot.binarySize(expected) > 2_000_000, "the model state must exceed 1 MiB");

        Path spec = dir.resolve("spec.json");
        Files.writeString(spec, SPEC.json());
        Map<String, String> config = KafkaTestSupport.learnerConfig(bootstrap, topics, "large-it", dir.resolve("state"),
                KafkaTestSupport.freePort());
        config.put("model.spec", spec.toString());
        try (ChildLearner child = ChildLearner.run("large", config);
             Collector predictions = new Collector(bootstrap, topics.predictions())) {
            child.awaitHealthy(Duration.ofSeconds(60));
            boolean complete = predictions.awaitSize(readings, Duration.ofSeconds(60), child);
            assertTrue(child.isAlive() && complete, predictions.size() + " predictions; " + child.diagnose());
            OnlineModel actual = KafkaTestSupport.awaitSnapshots(bootstrap, topics.models(), reference.versions(),
                    Duration.ofSeconds(30)).get("default");
            assertEquals(0, child.terminate(Duration.ofSeconds(60)), child.stderrTail());
            PredictionCheck check = KafkaTestSupport.checkPredictions(predictions.records(), reference);
            assertTrue(check.exact(), check.toString());
            assertArrayEquals(ModelSnapshot.toBytes(expected), ModelSnapshot.toBytes(actual));
        }
    }
}
