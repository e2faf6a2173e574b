package streamlearn.app;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads the committed predictions, as a user of the output topic would, and keeps the counts
 * and the confusion matrix the demo reports (what the stream actually delivered, not what the
 * learner thinks it did). With late labels it reads the labels topic too, and counts each
 * prediction against its reading's label when both have been seen (by the reading's id).
 */
final class PredictionTally implements Runnable {
    private final String bootstrap;
    private final String topic;
    private final String labelsTopic;
    private final java.util.Map<String, Integer> predictedById = new java.util.HashMap<>();
    private final java.util.Map<String, Integer> labelById = new java.util.HashMap<>();
    private final List<String> classes;
    private final long[][] confusion;
    private final JsonFactory json = new JsonFactory();
    private volatile boolean stopped;
    private volatile long predictions;
    private volatile long firstPredictionAt = -1;

    PredictionTally(String bootstrap, String topic, List<String> classes) {
        this(bootstrap, topic, null, classes);
    }

    /** @param labelsTopic the late labels to count the predictions against, or null: labels inline only */
    PredictionTally(String bootstrap, String topic, String labelsTopic, List<String> classes) {
        this.bootstrap = bootstrap;
        this.topic = topic;
        this.labelsTopic = labelsTopic;
        this.classes = classes;
        this.confusion = new long[classes.size()][classes.size()];
    }

    @Override
    public void run() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "streamlearn-demo-tally");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(p)) {
            consumer.subscribe(labelsTopic == null ? List.of(topic) : List.of(topic, labelsTopic));
            while (!stopped) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    add(r.value(), r.topic().equals(topic));
                }
            }
        }
    }

    private void add(byte[] record, boolean prediction) {
        int predicted = -1;
        int label = -1;
        String id = null;
        try (JsonParser parser = json.createParser(record)) {
            while (parser.nextToken() != null) {
                if (parser.currentToken() == JsonToken.FIELD_NAME && parser.getParsingContext().getParent().inRoot()) {
                    String name = parser.currentName();
                    parser.nextToken();
                    if (name.equals("predicted")) {
                        predicted = classes.indexOf(parser.getText());
                    } else if (name.equals("label")) {
                        label = classes.indexOf(parser.getText());
                    } else if (name.equals("id")) {
                        id = parser.getText();
                    } else {
                        parser.skipChildren();
                    }
                }
            }
        } catch (IOException e) {
            return;
        }
        synchronized (confusion) {
            if (labelsTopic != null && id != null) {
                // A late label and its reading's prediction meet here, whichever is read first.
                if (prediction && label < 0) {
                    Integer late = labelById.remove(id);
                    if (late == null) {
                        predictedById.put(id, predicted);
                    } else {
                        label = late;
                    }
                } else if (!prediction) {
                    Integer made = predictedById.remove(id);
                    if (made == null) {
                        labelById.put(id, label);
                    } else if (label >= 0 && made >= 0) {
                        confusion[label][made]++;
                    }
                    return;
                }
            }
            if (label >= 0 && predicted >= 0) {
                confusion[label][predicted]++;
            }
        }
        if (!prediction) {
            return;
        }
        if (firstPredictionAt < 0) {
            firstPredictionAt = System.nanoTime();
        }
        predictions++;
    }

    void stop() {
        stopped = true;
    }

    long predictions() {
        return predictions;
    }

    /** System.nanoTime() of the first prediction, or -1. */
    long firstPredictionAt() {
        return firstPredictionAt;
    }

    long[][] confusion() {
        synchronized (confusion) {
            long[][] copy = new long[confusion.length][];
            for (int i = 0; i < copy.length; i++) {
                copy[i] = confusion[i].clone();
            }
            return copy;
        }
    }
}
