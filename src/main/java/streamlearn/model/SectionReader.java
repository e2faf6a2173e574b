package streamlearn.model;

import streamlearn.nn.StateReader;

/** A {@link StateReader} that puts a section's prefix ("scaler.") before each name. */
record SectionReader(StateReader in, String prefix) implements StateReader {
    @Override
    public long count(String name) {
        return in.count(prefix + name);
    }

    @Override
    public double number(String name) {
        return in.number(prefix + name);
    }

    @Override
    public void vector(String name, double[] into) {
        in.vector(prefix + name, into);
    }

    @Override
    public void parameters(String name, double[] into) {
        in.parameters(prefix + name, into);
    }

    @Override
    public void parameters(String name, double[] into, streamlearn.nn.Mlp layout) {
        in.parameters(prefix + name, into, layout);
    }
}
