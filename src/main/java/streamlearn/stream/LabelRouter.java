package streamlearn.stream;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueStore;
import streamlearn.format.LabelParser;
import streamlearn.model.InvalidReadingException;
import streamlearn.model.LateLabel;
import streamlearn.model.RejectReason;

/**
 * The late labels' counterpart of {@link ReadingRouter}: parse and validate each label and key it
 * by the model of the reading it names, so that it reaches the task that holds that reading. A
 * bad label goes to the dead-letter topic with its reason, like a bad reading.
 *
 * <ul>
 *   <li>{@code global}: the one model;</li>
 *   <li>{@code sensor}: the label's sensorId (which must be its record key, as for readings);</li>
 *   <li>{@code field:<name>}: the field's value when the label carries it, else the model of the
 *       last reading of the label's sensor that this task routed ({@link LearnerTopology#SENSOR_MODELS}:
 *       labels are keyed by sensorId like the readings, so a sensor's readings and labels share a
 *       partition number, and so this task). A label of a sensor never seen is unmatched here.</li>
 * </ul>
 * Before a repartition the original bytes go on, with where they came from in two headers
 * ({@link DeadLetterHandler#ORIGIN_HEADER}), so that an unmatched label found on the other side is
 * dead-lettered as the record the user sent.
 */
final class LabelRouter<V> implements Processor<String, byte[], String, V> {
    private final LearnerSettings settings;
    private final LearnerMetrics metrics;
    private final boolean forwardBytes;
    private ProcessorContext<String, V> context;
    private LabelParser parser;
    private LateLabel label;
    private KeyValueStore<String, String> sensorModels;

    private LabelRouter(LearnerSettings settings, LearnerMetrics metrics, boolean forwardBytes) {
        this.settings = settings;
        this.metrics = metrics;
        this.forwardBytes = forwardBytes;
    }

    static LabelRouter<LateLabel> toLearner(LearnerSettings settings, LearnerMetrics metrics) {
        return new LabelRouter<>(settings, metrics, false);
    }

    static LabelRouter<byte[]> toRepartition(LearnerSettings settings, LearnerMetrics metrics) {
        return new LabelRouter<>(settings, metrics, true);
    }

    @Override
    public void init(ProcessorContext<String, V> context) {
        this.context = context;
        this.parser = new LabelParser(settings.spec(), settings.modelKey().capturedField(), settings.maxReadingBytes());
        this.label = new LateLabel();
        if (settings.modelKey().kind() == ModelKey.Kind.FIELD) {
            this.sensorModels = context.getStateStore(LearnerTopology.SENSOR_MODELS);
        }
    }

    @Override
    @SuppressWarnings("unchecked") // V is byte[] or LateLabel, fixed by the factory method
    public void process(Record<String, byte[]> record) {
        if (record.key() == null) {
            throw reject(RejectReason.MISSING_KEY, "the record has no key (labels are keyed by sensorId)");
        }
        try {
            parser.parse(record.value(), label);
        } catch (InvalidReadingException e) {
            throw reject(e.reason(), e.getMessage());
        }
        ModelKey.Kind kind = settings.modelKey().kind();
        if (kind != ModelKey.Kind.GLOBAL && !record.key().equals(label.sensorId())) {
            // Its reading was routed by the partition of its sensorId: elsewhere, it would not be found.
            throw reject(RejectReason.KEY_MISMATCH, "record key '" + record.key() + "' differs from sensorId '"
                    + label.sensorId() + "'");
        }
        String modelId = switch (kind) {
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
        if (forwardBytes) {
            Headers headers = new RecordHeaders(record.headers().toArray());
            RecordMetadata from = context.recordMetadata().orElse(null);
            if (from != null) {
                headers.add(DeadLetterHandler.ORIGIN_HEADER, (from.partition() + " " + from.offset() + " " + from.topic())
                        .getBytes(StandardCharsets.UTF_8));
                headers.add(DeadLetterHandler.ORIGIN_KEY_HEADER, record.key().getBytes(StandardCharsets.UTF_8));
            }
            context.forward(new Record<>(modelId, (V) record.value(), record.timestamp(), headers));
        } else {
            label.setSource(record.key().getBytes(StandardCharsets.UTF_8), record.value());
            context.forward(new Record<>(modelId, (V) label, record.timestamp(), record.headers()));
        }
    }

    private RejectedReadingException reject(RejectReason reason, String message) {
        metrics.forModel(LearnerMetrics.rejectedModel(settings.modelKey())).label(LearnerMetrics.LabelOutcome.REJECTED);
        return new RejectedReadingException(reason, message);
    }
}
