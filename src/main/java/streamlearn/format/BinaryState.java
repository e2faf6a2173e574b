package streamlearn.format;

import java.nio.ByteBuffer;
import streamlearn.nn.StateReader;
import streamlearn.nn.StateWriter;

/** Model state as raw big-endian values in the order written: names are not stored. */
final class BinaryState {
    private BinaryState() {
    }

    static final class Writer implements StateWriter {
        private final ByteBuffer out;

        Writer(ByteBuffer out) {
            this.out = out;
        }

        @Override
        public void count(String name, long value) {
            out.putLong(value);
        }

        @Override
        public void number(String name, double value) {
            out.putDouble(value);
        }

        @Override
        public void vector(String name, double[] values) {
            for (double v : values) {
                out.putDouble(v);
            }
        }

        @Override
        public void parameters(String name, double[] values) {
            vector(name, values);
        }
    }

    static final class Reader implements StateReader {
        private final ByteBuffer in;

        Reader(ByteBuffer in) {
            this.in = in;
        }

        @Override
        public long count(String name) {
            return in.getLong();
        }

        @Override
        public double number(String name) {
            return in.getDouble();
        }

        @Override
        public void vector(String name, double[] into) {
            for (int i = 0; i < into.length; i++) {
                into[i] = in.getDouble();
            }
        }

        @Override
        public void parameters(String name, double[] into) {
            vector(name, into);
        }
    }

    /** Counts the bytes a {@link Writer} would write. */
    static final class Size implements StateWriter {
        private int bytes;

        int bytes() {
            return bytes;
        }

        @Override
        public void count(String name, long value) {
            bytes += Long.BYTES;
        }

        @Override
        public void number(String name, double value) {
            bytes += Double.BYTES;
        }

        @Override
        public void vector(String name, double[] values) {
            bytes += Double.BYTES * values.length;
        }

        @Override
        public void parameters(String name, double[] values) {
            vector(name, values);
        }
    }
}
