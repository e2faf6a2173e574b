package streamlearn.stream;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueStore;
import streamlearn.model.InvalidReadingException;
import streamlearn.model.LateLabel;
import streamlearn.model.Reading;
import streamlearn.model.RejectReason;

/**
 * The first step of the topology for each input topic: parse and validate each record of its
 * {@link InputKind}, and key it by the model it is for. A bad record is counted and thrown as
 * {@link RejectedReadingException}, which the {@link DeadLetterHandler} turns into a dead-letter
 * record; it never reaches a model.
 *
 * <p>The model of
 * <ul>
 *   <li>a reading: with {@code global} the one model; with {@code sensor} its sensorId, which must
 *       be its record key (the model of a sensor lives in the task of the sensor's partition: a
 *       reading keyed otherwise would train a second copy of that model elsewhere); with
 *       {@code field:<name>} the field's value, required. A reading whose event time lies more than
 *       {@code reading.max.future} ahead of the wall clock is refused first.</li>
 *   <li>a label: the model of the reading it names, so that it reaches the task that holds that
 *       reading; its sensorId must be its record key unless the model is global. With
 *       {@code field:<name>}: the field's value when the label carries it, else the model of the
 *       last reading of the label's sensor that this task routed ({@link LearnerTopology#SENSOR_MODELS}:
 *       labels are keyed by sensorId like the readings, so a sensor's readings and labels share a
 *       partition number, and so this task). A label of a sensor never seen is unmatched here.</li>
 *   <li>a command: its record key, the model id.</li>
 * </ul>
 * Without a repartition the parsed value itself is forwarded (one parse per record). Before a
 * repartition the original bytes are forwarded instead, and an {@link InputDecoder} parses them
 * again on the other side; a label's carry where they came from in two headers
 * ({@link DeadLetterHandler#ORIGIN_HEADER}), so that an unmatched label found on the other side is
 * dead-lettered as the record the user sent.
 */
final class InputRouter<V> implements Processor<String, byte[], String, V> {
    private final InputKind kind;
    private final LearnerSettings settings;
    private final LearnerMetrics metrics;
    private final boolean forwardBytes;
    private final InputDecoder decoder;
    private ProcessorContext<String, V> context;
    // model.key=field: the model of each sensor's last reading, for its late labels.
    private KeyValueStore<String, String> sensorModels;
    private final Map<String, String> sensorModelsWritten = new HashMap<>();

    private InputRouter(InputKind kind, LearnerSettings settings, LearnerMetrics metrics, boolean forwardBytes) {
        this.kind = kind;
        this.settings = settings;
        this.metrics = metrics;
        this.forwardBytes = forwardBytes;
        this.decoder = new InputDecoder(kind, settings);
    }

    /** Forwards the parsed value to the learner in the same task. */
    static InputRouter<Object> toLearner(InputKind kind, LearnerSettings settings, LearnerMetrics metrics) {
        return new InputRouter<>(kind, settings, metrics, false);
    }

    /** Forwards the original bytes, to be repartitioned by model key. */
    static InputRouter<byte[]> toRepartition(InputKind kind, LearnerSettings settings, LearnerMetrics metrics) {
        return new InputRouter<>(kind, settings, metrics, true);
    }

    /** The state stores a router of this kind uses, to be connected to it in the topology. */
    static String[] stores(InputKind kind, LearnerSettings settings) {
        return kind != InputKind.COMMAND && settings.modelKey().kind() == ModelKey.Kind.FIELD
                ? new String[] {LearnerTopology.SENSOR_MODELS} : new String[0];
    }

    @Override
    public void init(ProcessorContext<String, V> context) {
        this.context = context;
        decoder.open();
        if (stores(kind, settings).length > 0) {
            this.sensorModels = context.getStateStore(LearnerTopology.SENSOR_MODELS);
            this.sensorModelsWritten.clear();
        }
    }

    @Override
    @SuppressWarnings("unchecked") // V is byte[] or the parsed value, fixed by the factory method
    public void process(Record<String, byte[]> record) {
        if (record.key() == null) {
            throw reject(RejectReason.MISSING_KEY, kind.missingKey);
        }
        // A command's key is its model id already: nothing in it is needed to route it, so when
        // it is repartitioned it is parsed once, on the model's side.
        Object value = null;
        if (kind != InputKind.COMMAND || !forwardBytes) {
            try {
                value = decoder.decode(record);
            } catch (InvalidReadingException e) {
                throw reject(e.reason(), e.getMessage());
            }
        }
        String modelId = switch (kind) {
            case READING -> readingModel(record, (Reading) value);
            case LABEL -> labelModel(record, (LateLabel) value);
            case COMMAND -> record.key();
        };
        if (!forwardBytes) {
            context.forward(new Record<>(modelId, (V) value, record.timestamp(), record.headers()));
        } else if (kind == InputKind.LABEL) {
            context.forward(new Record<>(modelId, (V) record.value(), record.timestamp(), withOrigin(record)));
        } else {
            context.forward(new Record<>(modelId, (V) record.value(), record.timestamp(), record.headers()));
        }
    }

    private String readingModel(Record<String, byte[]> record, Reading reading) {
        // A clock far ahead would hold its model's metrics window open until that date: every
        // later reading would count as late in it.
        long at = reading.timestamp();
        if (at - context.currentSystemTimeMs() > settings.readingMaxFuture().toMillis()) {
            throw reject(RejectReason.FUTURE_TIMESTAMP, "timestamp " + at + " lies more than reading.max.future ("
                    + settings.readingMaxFuture() + ") ahead of the wall clock (" + context.currentSystemTimeMs() + ")");
        }
        return switch (settings.modelKey().kind()) {
            case GLOBAL -> ModelKey.GLOBAL_MODEL_ID;
            case SENSOR -> {
                checkKey(record, reading.sensorId());
                yield reading.sensorId();
            }
            case FIELD -> {
                if (reading.keyFieldValue() == null) {
                    throw reject(RejectReason.MISSING_FIELD,
                            "missing field '" + settings.modelKey().field() + "' (the model key)");
                }
                String model = reading.keyFieldValue();
                // Written when it changes, not per reading (the map is this task's memory of what it wrote).
                if (!model.equals(sensorModelsWritten.get(reading.sensorId()))) {
                    sensorModels.put(reading.sensorId(), model);
                    sensorModelsWritten.put(reading.sensorId(), model);
                }
                yield model;
            }
        };
    }

    private String labelModel(Record<String, byte[]> record, LateLabel label) {
        ModelKey.Kind keyKind = settings.modelKey().kind();
        if (keyKind != ModelKey.Kind.GLOBAL) {
            // Its reading was routed by the partition of its sensorId: elsewhere, it would not be found.
            checkKey(record, label.sensorId());
        }
        return switch (keyKind) {
            case GLOBAL -> ModelKey.GLOBAL_MODEL_ID;
            case SENSOR -> label.sensorId();
            case FIELD -> {
                String model = label.keyFieldValue() != null ? label.keyFieldValue() : sensorModels.get(label.sensorId());
                if (model == null) {
                    metrics.forModel("unknown").label(LearnerMetrics.LabelOutcome.UNMATCHED);
                    throw new RejectedReadingException(RejectReason.UNMATCHED_LABEL, "no reading of sensor '"
                            + label.sensorId() + "' has been seen, and the label has no field '"
                            + settings.modelKey().field() + "' to name its model");
                }
                yield model;
            }
        };
    }

    private void checkKey(Record<String, byte[]> record, String sensorId) {
        if (!record.key().equals(sensorId)) {
            throw reject(RejectReason.KEY_MISMATCH, "record key '" + record.key() + "' differs from sensorId '"
                    + sensorId + "'");
        }
    }

    /** The label's headers, plus where it came from: a repartition record would otherwise hide it. */
    private Headers withOrigin(Record<String, byte[]> record) {
        Headers headers = new RecordHeaders(record.headers().toArray());
        RecordMetadata from = context.recordMetadata().orElse(null);
        if (from != null) {
            headers.add(DeadLetterHandler.ORIGIN_HEADER, (from.partition() + " " + from.offset() + " " + from.topic())
                    .getBytes(StandardCharsets.UTF_8));
            headers.add(DeadLetterHandler.ORIGIN_KEY_HEADER, record.key().getBytes(StandardCharsets.UTF_8));
        }
        return headers;
    }

    private RejectedReadingException reject(RejectReason reason, String message) {
        String model = LearnerMetrics.rejectedModel(settings.modelKey());
        switch (kind) {
            case READING -> metrics.rejected(model).increment();
            case LABEL -> metrics.forModel(model).label(LearnerMetrics.LabelOutcome.REJECTED);
            case COMMAND -> {
                // A command is not a reading or a label: no outcome counts it.
            }
        }
        return new RejectedReadingException(reason, message);
    }
}
