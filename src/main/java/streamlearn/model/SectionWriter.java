package streamlearn.model;

import streamlearn.nn.StateWriter;

/** A {@link StateWriter} that puts a section's prefix ("scaler.") before each name. */
record SectionWriter(StateWriter out, String prefix) implements StateWriter {
    @Override
    public void count(String name, long value) {
        out.count(prefix + name, value);
    }

    @Override
    public void number(String name, double value) {
        out.number(prefix + name, value);
    }

    @Override
    public void vector(String name, double[] values) {
        out.vector(prefix + name, values);
    }

    @Override
    public void parameters(String name, double[] values) {
        out.parameters(prefix + name, values);
    }

    @Override
    public void parameters(String name, double[] values, streamlearn.nn.Mlp layout) {
        out.parameters(prefix + name, values, layout);
    }
}
