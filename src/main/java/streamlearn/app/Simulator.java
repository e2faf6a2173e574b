package streamlearn.app;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import streamlearn.model.Reading;

/**
 * Produces the seeds' synthetic sensor readings at a steady rate: each reading is due at
 * {@code start + i / rate}, so a slow send is caught up rather than lowering the average rate.
 * Timestamps are the wall clock at sending time.
 */
final class Simulator implements Runnable {
    private final Producer<String, byte[]> producer;
    private final String topic;
    private final SensorReadingGenerator generator;
    private final SensorGlitches glitches;
    private final double rate;
    private final long count;
    private final long driftAt;
    private final AtomicLong sent = new AtomicLong();
    private volatile boolean stopped;

    /**
     * @param count   readings to send, or -1 to run until stopped
     * @param driftAt    the reading from which the machine runs hotter, or -1 for never
     * @param glitchRate the fraction of readings a sensor glitch replaces (see {@link SensorGlitches})
     */
    Simulator(Producer<String, byte[]> producer, String topic, long seed, int sensors, double rate, long count,
              double unlabeledFraction, long driftAt, double glitchRate) {
        this.producer = producer;
        this.topic = topic;
        this.generator = new SensorReadingGenerator(seed, sensors, unlabeledFraction);
        this.glitches = new SensorGlitches(seed, glitchRate);
        this.rate = rate;
        this.count = count;
        this.driftAt = driftAt;
    }

    @Override
    public void run() {
        Reading reading = new Reading(2);
        long start = System.nanoTime();
        double nanosPerReading = 1e9 / rate;
        for (long i = 0; !stopped && (count < 0 || i < count); i++) {
            long due = start + (long) (i * nanosPerReading);
            long wait = due - System.nanoTime();
            if (wait > 1_000_000) {
                try {
                    TimeUnit.NANOSECONDS.sleep(wait);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            if (i == driftAt) {
                generator.drift(true);
            }
            generator.next(reading, System.currentTimeMillis());
            glitches.apply(reading);
            producer.send(new ProducerRecord<>(topic, reading.sensorId(), SensorReadingGenerator.json(reading)));
            sent.incrementAndGet();
        }
        producer.flush();
    }

    void stop() {
        stopped = true;
    }

    long sent() {
        return sent.get();
    }
}
