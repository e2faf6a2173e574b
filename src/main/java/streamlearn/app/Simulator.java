package streamlearn.app;

import java.time.Duration;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import streamlearn.model.Reading;

/**
 * Produces the seeds' synthetic sensor readings at a steady rate: each reading is due at
 * {@code start + i / rate}, so a slow send is caught up rather than lowering the average rate.
 * Timestamps are the wall clock at sending time.
 *
 * <p>With a label delay, readings go out unlabeled with an id ({@code r<seed>-<i>}), and the label
 * of each reading the generator labeled follows on the labels topic after a random delay, uniform
 * up to the limit; the readings it left unlabeled ({@code --unlabeled-fraction}) never get one.
 * The delays are drawn apart from the readings, so the readings are the ones sent without a delay.
 * With a count, the simulator ends once the last label is sent; stopped, it drops the labels not
 * yet due (a label that never comes).
 */
final class Simulator implements Runnable {
    /** Where the records go: the topics through a producer, or one JSON-lines file in arrival order. */
    interface Sink {
        void send(String topic, String key, byte[] json);

        void flush();
    }

    private final Sink sink;
    /** True: no waiting, the readings' timestamps step by 1/rate and end at the time the run began (a file). */
    private final boolean virtualClock;
    private final String topic;
    private final SensorReadingGenerator generator;
    private final SensorGlitches glitches;
    private final double rate;
    private final long count;
    private final long driftAt;
    private final String labelsTopic;
    private final long labelDelayNanos;
    private final String idPrefix;
    private final SplittableRandom delays;
    private final PriorityQueue<DueLabel> due = new PriorityQueue<>((a, b) -> Long.compare(a.at, b.at));
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong labelsSent = new AtomicLong();
    private volatile boolean stopped;

    private record DueLabel(long at, String sensorId, byte[] json) { }

    /**
     * @param count      readings to send, or -1 to run until stopped
     * @param driftAt    the reading from which the machine runs hotter, or -1 for never
     * @param glitchRate the fraction of readings a sensor glitch replaces (see {@link SensorGlitches})
     * @param labelDelay null: labels inline; else the longest delay of a late label on {@code labelsTopic}
     */
    Simulator(Producer<String, byte[]> producer, String topic, long seed, int sensors, double rate, long count,
              double unlabeledFraction, long driftAt, double glitchRate, String labelsTopic, Duration labelDelay) {
        this(producer, topic, seed, sensors, rate, count, unlabeledFraction, driftAt, glitchRate, labelsTopic, labelDelay, null);
    }

    /** @param classPriors how often each class comes (see {@link SensorReadingGenerator#priors}), or null for equally often */
    Simulator(Producer<String, byte[]> producer, String topic, long seed, int sensors, double rate, long count,
              double unlabeledFraction, long driftAt, double glitchRate, String labelsTopic, Duration labelDelay,
              double[] classPriors) {
        this(new Sink() {
            @Override
            public void send(String t, String key, byte[] json) {
                producer.send(new ProducerRecord<>(t, key, json));
            }

            @Override
            public void flush() {
                producer.flush();
            }
        }, false, topic, seed, sensors, rate, count, unlabeledFraction, driftAt, glitchRate, labelsTopic, labelDelay, classPriors);
    }

    /**
     * A simulator on a virtual clock for a file ({@code simulate --output}): the same readings and
     * labels as on the topics, written as fast as they come, in the order they would arrive. The
     * readings' timestamps are {@code 1/rate} apart and the last is the time the run began (none
     * in the future); a late label comes after the readings sent within its delay.
     */
    static Simulator toFile(Sink sink, long seed, int sensors, double rate, long count, double unlabeledFraction,
                            long driftAt, double glitchRate, Duration labelDelay, double[] classPriors) {
        return new Simulator(sink, true, "readings", seed, sensors, rate, count, unlabeledFraction, driftAt, glitchRate,
                "labels", labelDelay, classPriors);
    }

    private Simulator(Sink sink, boolean virtualClock, String topic, long seed, int sensors, double rate, long count,
                      double unlabeledFraction, long driftAt, double glitchRate, String labelsTopic, Duration labelDelay,
                      double[] classPriors) {
        if (virtualClock && count < 0) {
            throw new IllegalArgumentException("a virtual clock needs a count");
        }
        this.sink = sink;
        this.virtualClock = virtualClock;
        this.topic = topic;
        this.generator = new SensorReadingGenerator(seed, sensors, unlabeledFraction, classPriors);
        this.glitches = new SensorGlitches(seed, glitchRate);
        this.rate = rate;
        this.count = count;
        this.driftAt = driftAt;
        this.labelsTopic = labelsTopic;
        this.labelDelayNanos = labelDelay == null ? -1 : labelDelay.toNanos();
        this.idPrefix = "r" + seed + "-";
        this.delays = new SplittableRandom(seed ^ 0x1ABE1DE1A7L);
    }

    @Override
    public void run() {
        Reading reading = new Reading(2);
        long start = System.nanoTime();
        double nanosPerReading = 1e9 / rate;
        // The virtual clock's last reading is dated now: a file of old readings, none in the future.
        long firstMillis = System.currentTimeMillis() - (long) (Math.max(0, count - 1) * 1000.0 / rate);
        for (long i = 0; !stopped && (count < 0 || i < count); i++) {
            long dueAt = start + (long) (i * nanosPerReading);
            sendLabelsDue(dueAt);
            long wait = virtualClock ? 0 : dueAt - System.nanoTime();
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
            generator.next(reading, virtualClock ? firstMillis + (long) (i * 1000.0 / rate) : System.currentTimeMillis());
            glitches.apply(reading);
            if (labelDelayNanos >= 0) {
                delay(reading, i, virtualClock ? dueAt : System.nanoTime());
            }
            sink.send(topic, reading.sensorId(), SensorReadingGenerator.json(reading));
            sent.incrementAndGet();
        }
        if (virtualClock && !stopped) {
            sendLabelsDue(Long.MAX_VALUE); // the rest, in the order they are due
        }
        // With a count, every label follows; stopped, those not yet due never come.
        while (!stopped && !due.isEmpty()) {
            long wait = due.peek().at - System.nanoTime();
            if (wait > 0) {
                try {
                    TimeUnit.NANOSECONDS.sleep(Math.min(wait, 100_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            sendLabelsDue(System.nanoTime());
        }
        sink.flush();
    }

    /** The reading goes out unlabeled with an id; its label, if it has one, waits for its time. */
    private void delay(Reading reading, long i, long now) {
        String id = idPrefix + i;
        reading.setId(id);
        int label = reading.label();
        if (label != Reading.UNLABELED) {
            long at = now + (labelDelayNanos == 0 ? 0 : delays.nextLong(labelDelayNanos + 1));
            due.add(new DueLabel(at, reading.sensorId(), SensorReadingGenerator.labelJson(reading.sensorId(), id, label)));
            reading.setLabel(Reading.UNLABELED);
        }
    }

    private void sendLabelsDue(long now) {
        while (!due.isEmpty() && due.peek().at <= now) {
            DueLabel l = due.poll();
            sink.send(labelsTopic, l.sensorId(), l.json());
            labelsSent.incrementAndGet();
        }
    }

    /** The command line's {@code --class-priors a,b,c}, or null when not given; a bad value is a usage error. */
    static double[] classPriors(String command, CliOptions options) {
        if (!options.has("class-priors")) {
            return null;
        }
        try {
            return SensorReadingGenerator.priors(options.string("class-priors", null));
        } catch (IllegalArgumentException e) {
            throw new UsageException(command + ": --class-priors " + e.getMessage());
        }
    }

    void stop() {
        stopped = true;
    }

    long sent() {
        return sent.get();
    }

    long labelsSent() {
        return labelsSent.get();
    }
}
