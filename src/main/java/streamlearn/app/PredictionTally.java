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
 * learner thinks it did).
 */
final class PredictionTally implements Runnable {
    private final String bootstrap;
    private final String topic;
    private final List<String> classes;
    private final long[][] confusion;
    private final JsonFactory json = new JsonFactory();
    private volatile boolean stopped;
    private volatile long predictions;
    private volatile long firstPredictionAt = -1;

    PredictionTally(String bootstrap, String topic, List<String> classes) {
        this.bootstrap = bootstrap;
        this.topic = topic;
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
            consumer.subscribe(List.of(topic));
            while (!stopped) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    add(r.value());
                }
            }
        }
    }

    private void add(byte[] prediction) {
        int predicted = -1;
        int label = -1;
        try (JsonParser parser = json.createParser(prediction)) {
            while (parser.nextToken() != null) {
                if (parser.currentToken() == JsonToken.FIELD_NAME && parser.getParsingContext().getParent().inRoot()) {
                    String name = parser.currentName();
                    parser.nextToken();
                    if (name.equals("predicted")) {
                        predicted = classes.indexOf(parser.getText());
                    } else if (name.equals("label")) {
                        label = classes.indexOf(parser.getText());
                    } else {
                        parser.skipChildren();
                    }
                }
            }
        } catch (IOException e) {
            return;
        }
        synchronized (confusion) {
            if (label >= 0 && predicted >= 0) {
                confusion[label][predicted]++;
            }
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
