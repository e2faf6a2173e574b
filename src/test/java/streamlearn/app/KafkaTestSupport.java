package streamlearn.app;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import streamlearn.model.Reading;
import streamlearn.model.SensorReadingGenerator;
import streamlearn.stream.Topics;

/** Helpers the integration tests share: topics, producing the seeds' stream, reading back. */
final class KafkaTestSupport {
    private KafkaTestSupport() {
    }

    static void createTopics(String bootstrap, Topics topics, int partitions) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            TopicDefinitions.create(admin, topics, partitions);
        }
    }

    /** Topic names unique to one test, so tests can share a broker. */
    static Topics uniqueTopics(String prefix) {
        return new Topics(prefix + "-readings", prefix + "-predictions", prefix + "-metrics", prefix + "-models",
                prefix + "-dlq");
    }

    static KafkaProducer<String, byte[]> producer(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 4 * 1024 * 1024);
        return new KafkaProducer<>(p);
    }

    /** The JSON of reading {@code i} of the seeds' sensor stream; its timestamp is i (unique). */
    static String readingJson(Reading r) {
        StringBuilder b = new StringBuilder(160);
        b.append("{\"sensorId\":\"").append(r.sensorId()).append("\",\"timestamp\":").append(r.timestamp())
                .append(",\"features\":{\"temperature\":").append(r.features()[0])
                .append(",\"vibration\":").append(r.features()[1]).append('}');
        if (r.label() >= 0) {
            b.append(",\"label\":\"").append(SensorReadingGenerator.CLASSES[r.label()]).append('"');
        }
        return b.append('}').toString();
    }

    /** The seeds' stream: {@code count} readings, timestamps {@code firstTimestamp + i}. */
    static List<ProducerRecord<String, byte[]>> sensorStream(String topic, long seed, int count, long firstTimestamp,
                                                             double unlabeledFraction) {
        SensorReadingGenerator generator = new SensorReadingGenerator(seed, 16, unlabeledFraction);
        Reading r = new Reading(2);
        List<ProducerRecord<String, byte[]>> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            generator.next(r, firstTimestamp + i);
            out.add(new ProducerRecord<>(topic, r.sensorId(), readingJson(r).getBytes(StandardCharsets.UTF_8)));
        }
        return out;
    }

    static void produce(String bootstrap, List<ProducerRecord<String, byte[]>> records) {
        try (KafkaProducer<String, byte[]> producer = producer(bootstrap)) {
            for (ProducerRecord<String, byte[]> r : records) {
                producer.send(r);
            }
            producer.flush();
        }
    }

    static KafkaConsumer<String, byte[]> committedConsumer(String bootstrap, String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "test-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p);
        c.subscribe(List.of(topic));
        return c;
    }

    /** Reads committed records of {@code topic} until {@code done} holds or the time is up. */
    static List<ConsumerRecord<String, byte[]>> readUntil(String bootstrap, String topic,
                                                          Predicate<List<ConsumerRecord<String, byte[]>>> done,
                                                          Duration timeout) {
        List<ConsumerRecord<String, byte[]>> all = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        try (KafkaConsumer<String, byte[]> c = committedConsumer(bootstrap, topic)) {
            while (!done.test(all) && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(200)).forEach(all::add);
            }
        }
        return all;
    }

    static HttpResponse<String> get(int port, String path) throws Exception {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    static int freePort() throws Exception {
        try (var s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
