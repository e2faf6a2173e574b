package streamlearn.model;

import streamlearn.nn.StateWriter;

/**
 * A {@link StateWriter} that puts a section's prefix ("scaler.") before each name, and, for a
 * candidate's network ({@code layout} not null), gives its parameter vectors that network's layout.
 */
record SectionWriter(StateWriter out, String prefix, streamlearn.nn.Mlp layout) implements StateWriter {
    /** A section whose parameter vectors take the layout their caller names, if any. */
    SectionWriter(StateWriter out, String prefix) {
        this(out, prefix, null);
    }

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
        if (layout == null) {
            out.parameters(prefix + name, values);
        } else {
            out.parameters(prefix + name, values, layout);
        }
    }

    @Override
    public void parameters(String name, double[] values, streamlearn.nn.Mlp net) {
        out.parameters(prefix + name, values, net);
    }
}
