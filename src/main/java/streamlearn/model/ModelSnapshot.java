package streamlearn.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import streamlearn.nn.Adam;
import streamlearn.nn.Mlp;
import streamlearn.nn.Sgd;
import streamlearn.nn.Trainer;

/**
 * The whole state of an {@link OnlineModel} (spec, modelVersion, weights, weight average,
 * scaler, optimizer state) in two forms that both restore it bit for bit:
 * <ul>
 *   <li>JSON, the format of DESIGN.md, for the {@code learner-models} topic and files. Doubles
 *   are written with Java's shortest round-tripping decimal form, so text loses nothing.</li>
 *   <li>a compact binary form with a format version, for the state store, where size and speed
 *   matter and nobody reads it.</li>
 * </ul>
 */
public final class ModelSnapshot {
    /** Bumped whenever the binary layout changes; older layouts stay readable or fail clearly. */
    public static final byte BINARY_FORMAT_VERSION = 1;
    private static final int MAGIC = 0x534c4d31; // "SLM1"
    private static final ObjectMapper JSON = new ObjectMapper();

    private ModelSnapshot() {
    }

    // ---------------------------------------------------------------- JSON

    public static ObjectNode toJson(OnlineModel model) {
        Trainer trainer = model.trainer();
        Mlp net = trainer.network();
        ObjectNode root = JSON.createObjectNode();
        root.set("spec", model.spec().toJson());
        root.put("modelVersion", trainer.updates());
        root.set("weights", layers(net, trainer.parameters()));
        if (trainer.average() != null) {
            ObjectNode averaging = root.putObject("averaging");
            averaging.put("decay", model.spec().averagingDecay());
            averaging.set("weights", layers(net, trainer.average()));
        }
        OnlineScaler scaler = model.scaler();
        if (scaler != null) {
            ObjectNode s = root.putObject("scaler");
            s.put("count", scaler.count());
            s.set("mean", array(scaler.mean(), 0, scaler.mean().length));
            s.set("m2", array(scaler.m2(), 0, scaler.m2().length));
        }
        ObjectNode opt = root.putObject("optimizer");
        opt.put("type", trainer.optimizer().type());
        if (trainer.optimizer() instanceof Sgd sgd) {
            if (sgd.velocity().length > 0) {
                opt.set("velocity", layers(net, sgd.velocity()));
            }
        } else if (trainer.optimizer() instanceof Adam adam) {
            opt.put("beta1Power", adam.beta1Power());
            opt.put("beta2Power", adam.beta2Power());
            opt.set("m", layers(net, adam.firstMoment()));
            opt.set("v", layers(net, adam.secondMoment()));
        }
        return root;
    }

    public static String toJsonString(OnlineModel model) {
        return toJson(model).toString();
    }

    public static OnlineModel fromJson(String text) {
        try {
            return fromJson(JSON.readTree(text));
        } catch (JsonProcessingException e) {
            throw new SpecException("snapshot", "not valid JSON: " + e.getOriginalMessage());
        }
    }

    public static OnlineModel fromJson(JsonNode root) {
        if (root == null || !root.isObject()) {
            throw new SpecException("snapshot", "must be a JSON object");
        }
        ModelSpec spec = ModelSpec.fromJson(root.get("spec"));
        Mlp net = OnlineModel.network(spec);
        double[] params = readLayers(net, root.get("weights"), "weights");
        Trainer trainer = OnlineModel.trainer(spec, net, params);
        double[] average = null;
        if (trainer.average() != null) {
            JsonNode averaging = root.get("averaging");
            average = readLayers(net, averaging == null ? null : averaging.get("weights"), "averaging.weights");
        }
        JsonNode version = root.get("modelVersion");
        if (version == null || !version.canConvertToLong() || version.asLong() < 0) {
            throw new SpecException("modelVersion", "must be a non-negative integer");
        }
        trainer.restore(params, average, version.asLong());
        JsonNode opt = root.path("optimizer");
        if (trainer.optimizer() instanceof Sgd sgd && sgd.velocity().length > 0) {
            double[] v = readLayers(net, opt.get("velocity"), "optimizer.velocity");
            System.arraycopy(v, 0, sgd.velocity(), 0, v.length);
        } else if (trainer.optimizer() instanceof Adam adam) {
            System.arraycopy(readLayers(net, opt.get("m"), "optimizer.m"), 0, adam.firstMoment(), 0, params.length);
            System.arraycopy(readLayers(net, opt.get("v"), "optimizer.v"), 0, adam.secondMoment(), 0, params.length);
            if (!opt.path("beta1Power").isNumber() || !opt.path("beta2Power").isNumber()) {
                throw new SpecException("optimizer.beta1Power", "an adam snapshot needs beta1Power and beta2Power");
            }
            adam.restorePowers(opt.get("beta1Power").asDouble(), opt.get("beta2Power").asDouble());
        }
        OnlineModel model = OnlineModel.assemble(spec, trainer);
        if (model.scaler() != null) {
            JsonNode s = root.get("scaler");
            if (s == null || !s.isObject()) {
                throw new SpecException("scaler", "missing (the spec standardises its inputs)");
            }
            int n = spec.features().size();
            model.scaler().restore(s.path("count").asLong(),
                    ModelSpec.vector(s.get("mean"), "scaler.mean", n), ModelSpec.vector(s.get("m2"), "scaler.m2", n));
        }
        return model;
    }

    private static ArrayNode layers(Mlp net, double[] flat) {
        ArrayNode result = JSON.createArrayNode();
        for (int l = 0; l < net.layerCount(); l++) {
            ObjectNode layer = result.addObject();
            ArrayNode w = layer.putArray("W");
            int in = net.fanIn(l);
            for (int i = 0; i < net.fanOut(l); i++) {
                w.add(array(flat, net.weightOffset(l) + i * in, in));
            }
            layer.set("b", array(flat, net.biasOffset(l), net.fanOut(l)));
        }
        return result;
    }

    private static ArrayNode array(double[] v, int from, int length) {
        ArrayNode a = JSON.createArrayNode();
        for (int i = 0; i < length; i++) {
            a.add(v[from + i]);
        }
        return a;
    }

    private static double[] readLayers(Mlp net, JsonNode node, String where) {
        if (node == null || !node.isArray() || node.size() != net.layerCount()) {
            throw new SpecException(where, "must have one {\"W\",\"b\"} entry per layer (" + net.layerCount() + ")");
        }
        double[] flat = new double[net.parameterCount()];
        for (int l = 0; l < net.layerCount(); l++) {
            JsonNode w = node.get(l).get("W");
            int in = net.fanIn(l);
            int out = net.fanOut(l);
            if (w == null || !w.isArray() || w.size() != out) {
                throw new SpecException(where + "[" + l + "].W", "must have " + out + " rows");
            }
            for (int i = 0; i < out; i++) {
                double[] row = ModelSpec.vector(w.get(i), where + "[" + l + "].W[" + i + "]", in);
                System.arraycopy(row, 0, flat, net.weightOffset(l) + i * in, in);
            }
            double[] b = ModelSpec.vector(node.get(l).get("b"), where + "[" + l + "].b", out);
            System.arraycopy(b, 0, flat, net.biasOffset(l), out);
        }
        return flat;
    }

    // ---------------------------------------------------------------- binary

    /** Size in bytes of {@link #toBytes} for this model. */
    public static int binarySize(OnlineModel model) {
        Trainer trainer = model.trainer();
        int p = trainer.parameters().length;
        int doubles = p;
        if (trainer.average() != null) {
            doubles += p;
        }
        if (model.scaler() != null) {
            doubles += 2 * model.scaler().mean().length;
        }
        if (trainer.optimizer() instanceof Sgd sgd) {
            doubles += sgd.velocity().length;
        } else {
            doubles += 2 * p + 2;
        }
        byte[] spec = model.spec().json().getBytes(StandardCharsets.UTF_8);
        return 4 + 1 + 4 + spec.length + 8 + 8 + 8 * doubles;
    }

    public static byte[] toBytes(OnlineModel model) {
        ByteBuffer buffer = ByteBuffer.allocate(binarySize(model));
        write(model, buffer);
        return buffer.array();
    }

    /** Layout: magic, version, spec JSON, modelVersion, params, [average], [scaler], optimizer. */
    public static void write(OnlineModel model, ByteBuffer out) {
        Trainer trainer = model.trainer();
        byte[] spec = model.spec().json().getBytes(StandardCharsets.UTF_8);
        out.putInt(MAGIC).put(BINARY_FORMAT_VERSION).putInt(spec.length).put(spec);
        out.putLong(trainer.updates());
        putAll(out, trainer.parameters());
        if (trainer.average() != null) {
            putAll(out, trainer.average());
        }
        OnlineScaler scaler = model.scaler();
        out.putLong(scaler == null ? 0 : scaler.count());
        if (scaler != null) {
            putAll(out, scaler.mean());
            putAll(out, scaler.m2());
        }
        if (trainer.optimizer() instanceof Sgd sgd) {
            putAll(out, sgd.velocity());
        } else if (trainer.optimizer() instanceof Adam adam) {
            out.putDouble(adam.beta1Power()).putDouble(adam.beta2Power());
            putAll(out, adam.firstMoment());
            putAll(out, adam.secondMoment());
        }
    }

    public static OnlineModel fromBytes(byte[] bytes) {
        try {
            ByteBuffer in = ByteBuffer.wrap(bytes);
            if (in.getInt() != MAGIC) {
                throw new SpecException("snapshot", "not a streamlearn binary snapshot");
            }
            byte version = in.get();
            if (version != BINARY_FORMAT_VERSION) {
                throw new SpecException("snapshot", "binary format version " + version
                        + " is not supported (this build reads " + BINARY_FORMAT_VERSION + ")");
            }
            int specLength = in.getInt();
            if (specLength < 0 || specLength > in.remaining()) {
                throw new SpecException("snapshot", "corrupt binary snapshot (spec length " + specLength + ")");
            }
            byte[] specBytes = new byte[specLength];
            in.get(specBytes);
            ModelSpec spec = ModelSpec.parse(new String(specBytes, StandardCharsets.UTF_8));
            Mlp net = OnlineModel.network(spec);
            long updates = in.getLong();
            double[] params = getAll(in, net.parameterCount());
            Trainer trainer = OnlineModel.trainer(spec, net, params);
            double[] average = trainer.average() != null ? getAll(in, params.length) : null;
            trainer.restore(params, average, updates);
            OnlineModel model = OnlineModel.assemble(spec, trainer);
            long count = in.getLong();
            if (model.scaler() != null) {
                int n = spec.features().size();
                model.scaler().restore(count, getAll(in, n), getAll(in, n));
            }
            if (trainer.optimizer() instanceof Sgd sgd) {
                double[] velocity = getAll(in, sgd.velocity().length);
                System.arraycopy(velocity, 0, sgd.velocity(), 0, velocity.length);
            } else if (trainer.optimizer() instanceof Adam adam) {
                adam.restorePowers(in.getDouble(), in.getDouble());
                System.arraycopy(getAll(in, params.length), 0, adam.firstMoment(), 0, params.length);
                System.arraycopy(getAll(in, params.length), 0, adam.secondMoment(), 0, params.length);
            }
            if (in.hasRemaining()) {
                throw new SpecException("snapshot", in.remaining() + " unexpected trailing bytes");
            }
            return model;
        } catch (BufferUnderflowException | IllegalArgumentException e) {
            throw new SpecException("snapshot", "truncated or corrupt binary snapshot");
        }
    }

    private static void putAll(ByteBuffer out, double[] values) {
        for (double v : values) {
            out.putDouble(v);
        }
    }

    private static double[] getAll(ByteBuffer in, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = in.getDouble();
        }
        return v;
    }
}
