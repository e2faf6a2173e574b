package streamlearn.stream;

import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import streamlearn.format.ReadingParser;
import streamlearn.model.InvalidReadingException;
import streamlearn.model.Reading;

/** After a repartition: parses the (already validated) reading bytes for the learner. */
final class ReadingDecoder implements Processor<String, byte[], String, Reading> {
    private final LearnerSettings settings;
    private ProcessorContext<String, Reading> context;
    private ReadingParser parser;
    private Reading reading;

    ReadingDecoder(LearnerSettings settings) {
        this.settings = settings;
    }

    @Override
    public void init(ProcessorContext<String, Reading> context) {
        this.context = context;
        this.parser = new ReadingParser(settings.spec(), settings.modelKey().capturedField(), settings.maxReadingBytes());
        this.reading = new Reading(settings.spec().features().size());
    }

    @Override
    public void process(Record<String, byte[]> record) {
        try {
            parser.parse(record.value(), reading);
        } catch (InvalidReadingException e) {
            throw new RejectedReadingException(e);
        }
        reading.defaultTimestamp(record.timestamp());
        context.forward(record.withValue(reading));
    }
}
