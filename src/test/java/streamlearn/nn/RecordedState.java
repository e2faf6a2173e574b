package streamlearn.nn;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Learner state as a map from name to values, written and read through {@link StateWriter} and
 * {@link StateReader}: what a test inspects or sets without going through a snapshot format.
 */
public final class RecordedState implements StateWriter {
    private final Map<String, double[]> values = new LinkedHashMap<>();

    public static RecordedState of(Optimizer optimizer) {
        RecordedState state = new RecordedState();
        optimizer.writeState(state);
        return state;
    }

    public double number(String name) {
        return get(name)[0];
    }

    public double[] get(String name) {
        double[] v = values.get(name);
        if (v == null) {
            throw new IllegalArgumentException("no state named " + name + " (have " + values.keySet() + ")");
        }
        return v;
    }

    public RecordedState set(String name, double... v) {
        values.put(name, v.clone());
        return this;
    }

    public Map<String, double[]> asMap() {
        return values;
    }

    @Override
    public void count(String name, long value) {
        values.put(name, new double[] {value});
    }

    @Override
    public void number(String name, double value) {
        values.put(name, new double[] {value});
    }

    @Override
    public void vector(String name, double[] v) {
        values.put(name, v.clone());
    }

    @Override
    public void parameters(String name, double[] v) {
        values.put(name, v.clone());
    }

    /** Reads back what was recorded (or set). */
    public StateReader reader() {
        return new StateReader() {
            @Override
            public long count(String name) {
                return (long) get(name)[0];
            }

            @Override
            public double number(String name) {
                return get(name)[0];
            }

            @Override
            public void vector(String name, double[] into) {
                System.arraycopy(get(name), 0, into, 0, into.length);
            }

            @Override
            public void parameters(String name, double[] into) {
                vector(name, into);
            }
        };
    }
}
