package streamlearn.stream;

import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import streamlearn.format.ControlCommand;
import streamlearn.model.InvalidReadingException;
import streamlearn.model.RejectReason;

/**
 * The control commands' way to the learner: keyed by model id already, so, like the readings,
 * either parsed and forwarded to the learner in the same task, or forwarded as bytes to be
 * repartitioned by model id and parsed on the other side. A bad command is thrown as
 * {@link RejectedReadingException}: it goes to the dead-letter topic with its reason, and never
 * reaches a model.
 */
final class ControlRouter<V> implements Processor<String, byte[], String, V> {
    private final boolean parse;
    private ProcessorContext<String, V> context;

    private ControlRouter(boolean parse) {
        this.parse = parse;
    }

    /** Parses the command for the learner in the same task. */
    static ControlRouter<ControlCommand> toLearner() {
        return new ControlRouter<>(true);
    }

    /** Checks the key and forwards the bytes, to be repartitioned by model id. */
    static ControlRouter<byte[]> toRepartition() {
        return new ControlRouter<>(false);
    }

    @Override
    public void init(ProcessorContext<String, V> context) {
        this.context = context;
    }

    @Override
    @SuppressWarnings("unchecked") // V is byte[] or ControlCommand, fixed by the factory method
    public void process(Record<String, byte[]> record) {
        if (record.key() == null) {
            throw new RejectedReadingException(RejectReason.MISSING_KEY, "a control command is keyed by its model id");
        }
        if (!parse) {
            context.forward((Record<String, V>) record);
            return;
        }
        try {
            context.forward(record.withValue((V) ControlCommand.parse(record.value())));
        } catch (InvalidReadingException e) {
            throw new RejectedReadingException(e);
        }
    }
}
