package streamlearn.format;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import streamlearn.model.ModelSpec;
import streamlearn.model.SpecException;
import streamlearn.nn.Mlp;
import streamlearn.nn.StateReader;
import streamlearn.nn.StateWriter;

/**
 * Model state in a JSON snapshot. A name is a path: "scaler.mean" is the field {@code mean} of
 * the object {@code scaler}. A parameter vector is laid out like an explicit init, one
 * {@code {"W":[[...]],"b":[...]}} per layer, so that a snapshot's weights can seed a new spec.
 */
final class JsonState {
    private JsonState() {
    }

    static final class Writer implements StateWriter {
        private final ObjectNode root;
        private final Mlp net;

        Writer(ObjectNode root, Mlp net) {
            this.root = root;
            this.net = net;
        }

        @Override
        public void count(String name, long value) {
            parent(name).put(leaf(name), value);
        }

        @Override
        public void number(String name, double value) {
            parent(name).put(leaf(name), value);
        }

        @Override
        public void vector(String name, double[] values) {
            array(parent(name).putArray(leaf(name)), values, 0, values.length);
        }

        @Override
        public void parameters(String name, double[] flat) {
            parameters(name, flat, net);
        }

        @Override
        public void parameters(String name, double[] flat, Mlp net) {
            ArrayNode layers = parent(name).putArray(leaf(name));
            for (int l = 0; l < net.layerCount(); l++) {
                ObjectNode layer = layers.addObject();
                ArrayNode w = layer.putArray("W");
                int in = net.fanIn(l);
                for (int i = 0; i < net.fanOut(l); i++) {
                    array(w.addArray(), flat, net.weightOffset(l) + i * in, in);
                }
                array(layer.putArray("b"), flat, net.biasOffset(l), net.fanOut(l));
            }
        }

        private ObjectNode parent(String path) {
            ObjectNode node = root;
            int from = 0;
            for (int dot = path.indexOf('.'); dot >= 0; dot = path.indexOf('.', from)) {
                node = node.with(path.substring(from, dot));
                from = dot + 1;
            }
            return node;
        }

        private static void array(ArrayNode into, double[] v, int from, int length) {
            for (int i = 0; i < length; i++) {
                into.add(v[from + i]);
            }
        }
    }

    static final class Reader implements StateReader {
        private final JsonNode root;
        private final ModelSpec spec;
        private final Mlp net;

        /** @param net the network of the model being read, whose layout the parameters take */
        Reader(JsonNode root, ModelSpec spec, Mlp net) {
            this.root = root;
            this.spec = spec;
            this.net = net;
        }

        @Override
        public long count(String name) {
            JsonNode v = find(name);
            if (!v.canConvertToLong() || !v.isIntegralNumber() || v.asLong() < 0) {
                throw new SpecException(name, "must be a non-negative integer");
            }
            return v.asLong();
        }

        @Override
        public double number(String name) {
            JsonNode v = find(name);
            if (!v.isNumber()) {
                throw new SpecException(name, "must be a number");
            }
            return v.asDouble();
        }

        @Override
        public void vector(String name, double[] into) {
            double[] v = SpecJson.vector(find(name), name, into.length);
            System.arraycopy(v, 0, into, 0, into.length);
        }

        @Override
        public void parameters(String name, double[] into) {
            parameters(name, into, net);
        }

        @Override
        public void parameters(String name, double[] into, Mlp net) {
            JsonNode layers = find(name);
            if (!layers.isArray() || layers.size() != net.layerCount()) {
                throw new SpecException(name, "must have one {\"W\",\"b\"} entry per layer (" + net.layerCount() + ")");
            }
            for (int l = 0; l < net.layerCount(); l++) {
                String at = name + "[" + l + "]";
                JsonNode layer = SpecJson.object(layers.get(l), at);
                int in = net.fanIn(l);
                int out = net.fanOut(l);
                JsonNode w = layer.get("W");
                if (w == null || !w.isArray() || w.size() != out) {
                    throw new SpecException(at + ".W", "must have " + out + " rows");
                }
                for (int i = 0; i < out; i++) {
                    double[] row = SpecJson.vector(w.get(i), at + ".W[" + i + "]", in);
                    System.arraycopy(row, 0, into, net.weightOffset(l) + i * in, in);
                }
                System.arraycopy(SpecJson.vector(layer.get("b"), at + ".b", out), 0, into, net.biasOffset(l), out);
            }
        }

        /** The node at a dotted path; missing is an error naming the path and why it is needed. */
        private JsonNode find(String path) {
            JsonNode node = root;
            for (String part : path.split("\\.")) {
                node = node.get(part);
                if (node == null) {
                    throw new SpecException(path, "missing (a snapshot of this spec, " + summary() + ", has it)");
                }
            }
            return node;
        }

        private String summary() {
            return spec.optimizer().type() + (spec.standardize() ? ", standardised" : "")
                    + (spec.averagingDecay() > 0 ? ", averaged" : "");
        }
    }

    private static String leaf(String path) {
        return path.substring(path.lastIndexOf('.') + 1);
    }
}
