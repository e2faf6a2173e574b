package streamlearn.stream;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import streamlearn.format.ControlCommand;
import streamlearn.format.ReadingParser;
import streamlearn.model.InvalidReadingException;
import streamlearn.model.LateLabel;
import streamlearn.model.Reading;

/**
 * Turns an input record's bytes into the value the learner takes: a {@link Reading}, a
 * {@link LateLabel} or a {@link ControlCommand}. {@link InputRouter} decodes with one before it
 * routes a record; after a repartition one is the processor that decodes the routed bytes again
 * on the model's side. A reading or a label is one object reused from record to record
 * (forwarding is synchronous), so decoding allocates nothing per record but the strings it reads.
 */
final class InputDecoder implements Processor<String, byte[], String, Object> {
    private final InputKind kind;
    private final LearnerSettings settings;
    private ProcessorContext<String, Object> context;
    private ReadingParser parser;
    private Reading reading;
    private LateLabel label;

    InputDecoder(InputKind kind, LearnerSettings settings) {
        this.kind = kind;
        this.settings = settings;
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        this.context = context;
        open();
    }

    /** Makes the parser and the reused value; a router calls it from its own {@code init}. */
    void open() {
        if (kind == InputKind.COMMAND) {
            return;
        }
        parser = new ReadingParser(settings.spec(), settings.modelKey().capturedField(), settings.maxReadingBytes());
        if (kind == InputKind.READING) {
            reading = new Reading(settings.spec().features().size());
        } else {
            label = new LateLabel();
        }
    }

    /**
     * The value of a record's bytes; a reading without a timestamp of its own takes the record's,
     * a label keeps the key and bytes it came with (its dead letter, should it wait in vain).
     *
     * @throws InvalidReadingException with the reason the record is dead-lettered with
     */
    Object decode(Record<String, byte[]> record) throws InvalidReadingException {
        return switch (kind) {
            case READING -> {
                parser.parse(record.value(), reading);
                reading.defaultTimestamp(record.timestamp());
                yield reading;
            }
            case LABEL -> {
                parser.parse(record.value(), label);
                label.setSource(record.key() == null ? null : record.key().getBytes(StandardCharsets.UTF_8), record.value());
                yield label;
            }
            case COMMAND -> ControlCommand.parse(record.value());
        };
    }

    @Override
    public void process(Record<String, byte[]> record) {
        try {
            context.forward(record.withValue(decode(record)));
        } catch (InvalidReadingException e) {
            throw new RejectedReadingException(e);
        }
    }
}
