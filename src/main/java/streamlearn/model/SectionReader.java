package streamlearn.model;

import streamlearn.nn.StateReader;

/**
 * A {@link StateReader} that puts a section's prefix ("scaler.") before each name, and, for a
 * candidate's network ({@code layout} not null), gives its parameter vectors that network's layout.
 */
record SectionReader(StateReader in, String prefix, streamlearn.nn.Mlp layout) implements StateReader {
    /** A section whose parameter vectors take the layout their caller names, if any. */
    SectionReader(StateReader in, String prefix) {
        this(in, prefix, null);
    }

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
        if (layout == null) {
            in.parameters(prefix + name, into);
        } else {
            in.parameters(prefix + name, into, layout);
        }
    }

    @Override
    public void parameters(String name, double[] into, streamlearn.nn.Mlp net) {
        in.parameters(prefix + name, into, net);
    }
}
