package streamlearn.stream;

import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import streamlearn.format.ReadingParser;
import streamlearn.model.InvalidReadingException;
import streamlearn.model.Reading;
import streamlearn.model.RejectReason;

/**
 * Steps 1 and 2 of the topology: parse and validate each reading (its event time no further
 * ahead of the wall clock than {@code reading.max.future}), and key it by the model it
 * trains. A bad reading is counted and thrown as {@link RejectedReadingException}, which the
 * {@link DeadLetterHandler} turns into a dead-letter record; it never reaches a model.
 *
 * <p>Without a repartition the parsed {@link Reading} itself is forwarded (one parse per record,
 * and the object is reused: forwarding is synchronous). Before a repartition the original bytes
 * are forwarded instead, and {@link ReadingDecoder} parses them again on the other side.
 */
final class ReadingRouter<V> implements Processor<String, byte[], String, V> {
    private final LearnerSettings settings;
    private final boolean forwardBytes;
    private ProcessorContext<String, V> context;
    private ReadingParser parser;
    private Reading reading;
    private final LearnerMetrics metrics;
    // model.key=field: the model of each sensor's last reading, for its late labels (see LabelRouter).
    private KeyValueStore<String, String> sensorModels;
    private final java.util.Map<String, String> sensorModelsWritten = new java.util.HashMap<>();

    private ReadingRouter(LearnerSettings settings, LearnerMetrics metrics, boolean forwardBytes) {
        this.settings = settings;
        this.metrics = metrics;
        this.forwardBytes = forwardBytes;
    }

    /** Forwards the parsed reading to the learner in the same task. */
    static ReadingRouter<Reading> toLearner(LearnerSettings settings, LearnerMetrics metrics) {
        return new ReadingRouter<>(settings, metrics, false);
    }

    /** Forwards the original bytes, to be repartitioned by model key. */
    static ReadingRouter<byte[]> toRepartition(LearnerSettings settings, LearnerMetrics metrics) {
        return new ReadingRouter<>(settings, metrics, true);
    }

    @Override
    public void init(ProcessorContext<String, V> context) {
        this.context = context;
        this.parser = new ReadingParser(settings.spec(), settings.modelKey().capturedField(), settings.maxReadingBytes());
        this.reading = new Reading(settings.spec().features().size());
        if (settings.modelKey().kind() == ModelKey.Kind.FIELD) {
            this.sensorModels = context.getStateStore(LearnerTopology.SENSOR_MODELS);
            this.sensorModelsWritten.clear();
        }
    }

    @Override
    @SuppressWarnings("unchecked") // V is byte[] or Reading, fixed by the factory method
    public void process(Record<String, byte[]> record) {
        if (record.key() == null) {
            throw reject(RejectReason.MISSING_KEY, "the record has no key (readings are keyed by sensorId)");
        }
        try {
            parser.parse(record.value(), reading);
        } catch (InvalidReadingException e) {
            throw reject(e.reason(), e.getMessage());
        }
        // A clock far ahead would hold its model's metrics window open until that date: every
        // later reading would count as late in it.
        long at = reading.hasTimestamp() ? reading.timestamp() : record.timestamp();
        if (at - context.currentSystemTimeMs() > settings.readingMaxFuture().toMillis()) {
            throw reject(RejectReason.FUTURE_TIMESTAMP, "timestamp " + at + " lies more than reading.max.future ("
                    + settings.readingMaxFuture() + ") ahead of the wall clock (" + context.currentSystemTimeMs() + ")");
        }
        String modelId = switch (settings.modelKey().kind()) {
            case GLOBAL -> ModelKey.GLOBAL_MODEL_ID;
            case SENSOR -> {
                // The model of a sensor lives in the task of the sensor's partition: a reading
                // keyed otherwise would train a second copy of that model elsewhere.
                if (!record.key().equals(reading.sensorId())) {
                    throw reject(RejectReason.KEY_MISMATCH, "record key '" + record.key()
                            + "' differs from sensorId '" + reading.sensorId() + "'");
                }
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
        if (forwardBytes) {
            context.forward(new Record<>(modelId, (V) record.value(), record.timestamp(), record.headers()));
        } else {
            reading.defaultTimestamp(record.timestamp());
            context.forward(new Record<>(modelId, (V) reading, record.timestamp(), record.headers()));
        }
    }

    private RejectedReadingException reject(RejectReason reason, String message) {
        metrics.rejected(LearnerMetrics.rejectedModel(settings.modelKey())).increment();
        return new RejectedReadingException(reason, message);
    }
}
