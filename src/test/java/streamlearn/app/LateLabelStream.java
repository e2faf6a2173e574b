package streamlearn.app;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import streamlearn.model.Reading;

/**
 * The seeds' sensor stream with its labels arriving late, as the tests of issue #13 need it: every
 * reading goes out unlabeled with an id ({@code r-<i>}); its label follows after a delay of
 * {@code minDelay} to {@code maxDelay} readings (uniform), except for a fraction whose label never
 * comes; and a fraction of labels name readings that never existed ({@code x-<n>}). Labels still
 * due when the readings end follow the last reading, in their order. Seeded: the same stream every
 * time. Also the same readings labeled inline, for comparison.
 */
final class LateLabelStream {
    static final long T0 = 1_795_334_400_000L;

    /** One line of the stream: a reading or a label, the sensor it belongs to, its JSON. */
    record Line(boolean label, String sensorId, String json) {
        byte[] bytes() {
            return json.getBytes(StandardCharsets.UTF_8);
        }
    }

    final List<Line> lines = new ArrayList<>();
    /** The same readings, each with its label inline. */
    final List<String> inline = new ArrayList<>();
    /** The true class of every reading, by id. */
    final Map<String, Integer> truth = new HashMap<>();
    int readings;
    int labels;
    int missing;
    int bogus;

    private record Due(long at, long order, Line line) { }

    static LateLabelStream generate(long seed, int count, int minDelay, int maxDelay, double missingFraction,
                                    double bogusFraction) {
        LateLabelStream s = new LateLabelStream();
        SensorReadingGenerator generator = new SensorReadingGenerator(seed, 16, 0.0);
        SplittableRandom random = new SplittableRandom(seed ^ 0x5DEECE66DL);
        PriorityQueue<Due> due = new PriorityQueue<>((a, b) -> a.at != b.at ? Long.compare(a.at, b.at)
                : Long.compare(a.order, b.order));
        Reading r = new Reading(2);
        long order = 0;
        for (int i = 0; i < count; i++) {
            generator.next(r, T0 + i);
            String id = "r-" + i;
            String features = String.format(Locale.ROOT, "\"features\":{\"temperature\":%s,\"vibration\":%s}",
                    Double.toString(r.features()[0]), Double.toString(r.features()[1]));
            String head = "{\"sensorId\":\"" + r.sensorId() + "\",\"id\":\"" + id + "\",\"timestamp\":" + (T0 + i) + ",";
            s.lines.add(new Line(false, r.sensorId(), head + features + "}"));
            s.inline.add(head + features + ",\"label\":\"" + SensorReadingGenerator.CLASSES[r.label()] + "\"}");
            s.truth.put(id, r.label());
            s.readings++;
            if (random.nextDouble() < missingFraction) {
                s.missing++;
            } else {
                long at = i + minDelay + random.nextInt(maxDelay - minDelay + 1);
                due.add(new Due(at, order++, new Line(true, r.sensorId(), label(r.sensorId(), id, r.label()))));
            }
            if (random.nextDouble() < bogusFraction) {
                String sensor = SensorReadingGenerator.sensorId(random.nextInt(16));
                s.lines.add(new Line(true, sensor, label(sensor, "x-" + s.bogus, random.nextInt(3))));
                s.bogus++;
            }
            while (!due.isEmpty() && due.peek().at <= i) {
                s.lines.add(due.poll().line);
                s.labels++;
            }
        }
        while (!due.isEmpty()) {
            s.lines.add(due.poll().line);
            s.labels++;
        }
        return s;
    }

    static String label(String sensorId, String id, int label) {
        return "{\"sensorId\":\"" + sensorId + "\",\"id\":\"" + id + "\",\"label\":\""
                + SensorReadingGenerator.CLASSES[label] + "\"}";
    }

    List<String> jsonLines() {
        return lines.stream().map(Line::json).toList();
    }
}
