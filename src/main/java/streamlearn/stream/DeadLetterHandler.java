package streamlearn.stream;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka Streams' processing-exception handler for the learner: the record that failed goes, with
 * its original key and value bytes, to the dead-letter topic ({@code errors.dead.letter.queue.topic.name}),
 * and processing resumes. The headers are Kafka Streams' own dead-letter headers, plus
 * {@value #REASON_HEADER} with a stable reason id.
 *
 * <p>Invalid readings and labels, and labels that match no waiting reading ({@link RejectedReadingException}) are expected and are not logged one by
 * one (the {@code rejected} counter moves instead); anything else is a bug and is logged as an
 * error with its stack trace, but still does not stop the stream. Only a
 * {@link LearnerStoppedException} (a decision the learner must not take alone) stops it.
 */
public final class DeadLetterHandler implements ProcessingExceptionHandler {
    public static final String REASON_HEADER = "streamlearn.reason";
    public static final String EXCEPTION_HEADER = "__streams.errors.exception";
    public static final String MESSAGE_HEADER = "__streams.errors.message";
    public static final String STACKTRACE_HEADER = "__streams.errors.stacktrace";
    public static final String TOPIC_HEADER = "__streams.errors.topic";
    public static final String PARTITION_HEADER = "__streams.errors.partition";
    public static final String OFFSET_HEADER = "__streams.errors.offset";
    /**
     * Set by {@link InputRouter} on a label it sends through a repartition topic: "partition offset
     * topic" of the record the user sent, and (the next header) its key. A label dead-lettered on
     * the other side goes out with these instead of the repartition record's, and without them.
     */
    static final String ORIGIN_HEADER = "streamlearn.origin";
    static final String ORIGIN_KEY_HEADER = "streamlearn.origin.key";
    /** Reason id of a failure that was not a validation error. */
    public static final String PROCESSING_ERROR = "processing_error";

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterHandler.class);
    private String deadLetterTopic;

    @Override
    public void configure(Map<String, ?> configs) {
        Object topic = configs.get(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG);
        deadLetterTopic = topic == null ? Topics.DEFAULT.deadLetters() : topic.toString();
    }

    @Override
    public Response handleError(ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
        if (find(exception, LearnerStoppedException.class) != null) {
            // Not a bad record: the learner cannot go on (a changed spec under model.on.spec.change=fail).
            return Response.fail();
        }
        RejectedReadingException rejected = find(exception, RejectedReadingException.class);
        Headers headers = new RecordHeaders();
        String[] origin = null;
        byte[] key = context.sourceRawKey();
        for (var h : context.headers()) {
            if (h.key().equals(ORIGIN_HEADER)) {
                origin = new String(h.value(), StandardCharsets.UTF_8).split(" ", 3);
            } else if (h.key().equals(ORIGIN_KEY_HEADER)) {
                key = h.value();
            } else {
                headers.add(h);
            }
        }
        Throwable cause = rejected != null ? rejected : exception;
        put(headers, EXCEPTION_HEADER, cause.getClass().getName());
        put(headers, MESSAGE_HEADER, String.valueOf(cause.getMessage()));
        put(headers, STACKTRACE_HEADER, rejected != null ? "" : stackTrace(exception));
        put(headers, TOPIC_HEADER, origin != null ? origin[2] : context.topic());
        put(headers, PARTITION_HEADER, origin != null ? origin[0] : String.valueOf(context.partition()));
        put(headers, OFFSET_HEADER, origin != null ? origin[1] : String.valueOf(context.offset()));
        put(headers, REASON_HEADER, rejected != null ? rejected.reason().id() : PROCESSING_ERROR);
        if (rejected == null && find(exception, LearnerFailedException.class) == null) {
            // (A learner failure was logged by the learner, with its model.)
            LOG.error("Unexpected failure processing {}-{} offset {} in {}; the record goes to {}",
                    context.topic(), context.partition(), context.offset(), context.processorNodeId(),
                    deadLetterTopic, exception);
        }
        return Response.resume(List.of(new ProducerRecord<>(deadLetterTopic, null, key,
                context.sourceRawValue(), headers)));
    }

    private static <T extends Throwable> T find(Throwable e, Class<T> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }

    private static void put(Headers headers, String name, String value) {
        headers.remove(name);
        headers.add(name, value == null ? null : value.getBytes(StandardCharsets.UTF_8));
    }

    private static String stackTrace(Throwable e) {
        StringWriter text = new StringWriter();
        e.printStackTrace(new PrintWriter(text));
        return text.toString();
    }
}
