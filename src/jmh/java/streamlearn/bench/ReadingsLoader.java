package streamlearn.bench;

import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import streamlearn.app.SensorReadingGenerator;
import streamlearn.model.Reading;

/** Writes the benchmarks' readings into the broker ahead of a run (or at a rate, through {@link #producer}). */
final class ReadingsLoader {
    private ReadingsLoader() {
    }

    /**
     * A producer for the readings topic. Not idempotent, one request in flight (the order kept, a
     * retry the only duplicate risk): the in-JVM broker, busy with a previous run's learner, more
     * than once refused an idempotent loader's batches for good (OutOfOrderSequenceException, the
     * sequence restarted at 0), and the run waited for readings that never came.
     */
    static KafkaProducer<String, byte[]> producer(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
        return new KafkaProducer<>(p);
    }

    /** {@code records} readings of {@code generator}, timestamped from {@code t0}; a failed send stops the run. */
    static void load(String bootstrap, String topic, SensorReadingGenerator generator, int records, long t0) {
        Reading r = new Reading(2);
        AtomicReference<Exception> failed = new AtomicReference<>();
        try (KafkaProducer<String, byte[]> producer = producer(bootstrap)) {
            for (int i = 0; i < records && failed.get() == null; i++) {
                generator.next(r, t0 + i);
                producer.send(new ProducerRecord<>(topic, r.sensorId(), SensorReadingGenerator.json(r)),
                        (metadata, e) -> failed.compareAndSet(null, e));
            }
            producer.flush();
        }
        if (failed.get() != null) {
            throw new IllegalStateException("loading the readings failed: " + failed.get(), failed.get());
        }
    }
}
