package streamlearn.stream;

import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import streamlearn.format.LabelParser;
import streamlearn.model.InvalidReadingException;
import streamlearn.model.LateLabel;

/** After a repartition: parses the (already validated) label bytes for the learner. */
final class LabelDecoder implements Processor<String, byte[], String, LateLabel> {
    private final LearnerSettings settings;
    private ProcessorContext<String, LateLabel> context;
    private LabelParser parser;
    private LateLabel label;

    LabelDecoder(LearnerSettings settings) {
        this.settings = settings;
    }

    @Override
    public void init(ProcessorContext<String, LateLabel> context) {
        this.context = context;
        this.parser = new LabelParser(settings.spec(), settings.modelKey().capturedField(), settings.maxReadingBytes());
        this.label = new LateLabel();
    }

    @Override
    public void process(Record<String, byte[]> record) {
        try {
            parser.parse(record.value(), label);
        } catch (InvalidReadingException e) {
            throw new RejectedReadingException(e);
        }
        // The origin headers the router set name the key the label was sent with.
        label.setSource(record.key() == null ? null : record.key().getBytes(java.nio.charset.StandardCharsets.UTF_8),
                record.value());
        context.forward(record.withValue(label));
    }
}
