package streamlearn.model;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;

/**
 * How readings parsed with one spec (the configured one) reach a model built with another: its
 * features and classes are matched by name, never by position. Only a model whose spec names the
 * same features and the same classes (in any order) can be served this way; any other difference
 * (layers, optimizer, ...) is the model's own business.
 */
public final class SpecMapping {
    /** For each of the model's features, the index of that feature in the configured spec. */
    private final int[] features;
    /** For each configured class, its index in the model's classes. */
    private final int[] classes;
    /** For each of the model's classes, its index in the configured classes. */
    private final int[] classesBack;

    private SpecMapping(int[] features, int[] classes, int[] classesBack) {
        this.features = features;
        this.classes = classes;
        this.classesBack = classesBack;
    }

    /**
     * The mapping from readings of {@code configured} to a model of {@code model}; null when none
     * is needed (the same features and classes in the same order).
     *
     * @throws SpecException when the model cannot serve such readings, naming what differs
     */
    public static SpecMapping of(ModelSpec configured, ModelSpec model) {
        if (configured.task() != model.task()) {
            throw new SpecException("task", "the model is " + id(model.task()) + ", the configured spec " + id(configured.task()));
        }
        if (!new HashSet<>(configured.features()).equals(new HashSet<>(model.features()))) {
            throw new SpecException("features", "the model reads " + model.features()
                    + ", the configured readings carry " + configured.features());
        }
        if (!new HashSet<>(configured.classes()).equals(new HashSet<>(model.classes()))) {
            throw new SpecException("classes", "the model predicts " + model.classes()
                    + ", the configured spec " + configured.classes());
        }
        if (configured.features().equals(model.features()) && configured.classes().equals(model.classes())) {
            return null;
        }
        int[] f = new int[model.features().size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = configured.features().indexOf(model.features().get(i));
        }
        int[] c = new int[configured.classes().size()];
        int[] back = new int[c.length];
        for (int i = 0; i < c.length; i++) {
            c[i] = model.classes().indexOf(configured.classes().get(i));
            back[c[i]] = i;
        }
        return new SpecMapping(f, c, back);
    }

    /** {@code reading} (in the configured order) into {@code into}, in the model's order. */
    public Reading apply(Reading reading, Reading into) {
        into.sensorId = reading.sensorId;
        into.id = reading.id;
        into.timestamp = reading.timestamp;
        into.hasTimestamp = reading.hasTimestamp;
        for (int i = 0; i < features.length; i++) {
            into.features[i] = reading.features[features[i]];
        }
        into.label = reading.label == Reading.UNLABELED ? Reading.UNLABELED : classes[reading.label];
        into.hasTarget = reading.hasTarget;
        into.target = reading.target;
        into.keyFieldValue = reading.keyFieldValue;
        return into;
    }

    /** A late label's class, configured index to the model's. */
    public int modelClass(int configuredClass) {
        return configuredClass < 0 ? configuredClass : classes[configuredClass];
    }

    /** A predicted class, the model's index to the configured one. */
    public int configuredClass(int modelClass) {
        return classesBack.length == 0 ? modelClass : classesBack[modelClass];
    }

    /**
     * What differs between two specs, field by field, for the one line an operator reads:
     * e.g. {@code features [temperature, vibration] -> [vibration, temperature]}.
     */
    public static String differences(ModelSpec stored, ModelSpec configured) {
        List<String> out = new ArrayList<>();
        diff(out, "task", id(stored.task()), id(configured.task()));
        diff(out, "features", stored.features(), configured.features());
        diff(out, "classes", stored.classes(), configured.classes());
        diff(out, "layers", stored.layers(), configured.layers());
        diff(out, "loss", stored.loss().id(), configured.loss().id());
        diff(out, "optimizer", stored.optimizer(), configured.optimizer());
        diff(out, "l2", stored.l2(), configured.l2());
        diff(out, "clipNorm", stored.clipNorm(), configured.clipNorm());
        diff(out, "standardize", stored.standardizeMemory(), configured.standardizeMemory());
        diff(out, "averaging", stored.averagingDecay(), configured.averagingDecay());
        diff(out, "drift", stored.drift(), configured.drift());
        diff(out, "candidates", stored.candidates(), configured.candidates());
        diff(out, "selection", stored.selection(), configured.selection());
        if (out.isEmpty()) {
            out.add("other fields (init, ranges, target): " + stored.json() + " -> " + configured.json());
        }
        return String.join("; ", out);
    }

    private static void diff(List<String> out, String field, Object stored, Object configured) {
        if (!Objects.equals(stored, configured)) {
            out.add(field + " " + stored + " -> " + configured);
        }
    }

    private static String id(ModelSpec.Task task) {
        return task.name().toLowerCase(java.util.Locale.ROOT);
    }
}
