package streamlearn.stream;

import java.nio.ByteBuffer;
import streamlearn.model.ModelSnapshot;
import streamlearn.model.ModelSpec;
import streamlearn.model.OnlineModel;
import streamlearn.model.PrequentialMetrics;

/**
 * Everything the learner keeps per model key: the model, its open metrics window, and the model
 * version of its last published snapshot. All of it is stored together, so after a crash the
 * window counts and the snapshot schedule resume exactly where the committed model left them.
 */
final class ModelState {
    final String modelId;
    final OnlineModel model;
    final PrequentialMetrics window;
    /** Start of the open metrics window (epoch ms), or -1 before the first reading. */
    long windowStart = -1;
    /** modelVersion of the last snapshot sent to the models topic, -1 for none. */
    long snapshotVersion = -1;
    /** This model's meters, looked up once (not persisted). */
    LearnerMetrics.ModelMeters meters;

    ModelState(String modelId, OnlineModel model) {
        this.modelId = modelId;
        this.model = model;
        this.window = new PrequentialMetrics(model.spec());
    }

    static ModelState create(String modelId, ModelSpec spec) {
        return new ModelState(modelId, OnlineModel.create(spec));
    }

    byte[] toBytes() {
        int modelSize = ModelSnapshot.binarySize(model);
        ByteBuffer out = ByteBuffer.allocate(4 + modelSize + 16 + window.binarySize());
        out.putInt(modelSize);
        ModelSnapshot.write(model, out);
        out.putLong(windowStart).putLong(snapshotVersion);
        window.writeTo(out);
        return out.array();
    }

    static ModelState fromBytes(String modelId, byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        byte[] modelBytes = new byte[in.getInt()];
        in.get(modelBytes);
        ModelState state = new ModelState(modelId, ModelSnapshot.fromBytes(modelBytes));
        state.windowStart = in.getLong();
        state.snapshotVersion = in.getLong();
        state.window.readFrom(in);
        return state;
    }
}
