package streamlearn.stream;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import streamlearn.model.LateLabel;
import streamlearn.model.RejectReason;

/**
 * Kafka Streams' processing-exception handler for the learner: the record that failed goes, with
 * its original key and value bytes, to the dead-letter topic ({@code errors.dead.letter.queue.topic.name}),
 * and processing resumes. The headers are Kafka Streams' own dead-letter headers, plus
 * {@value #REASON_HEADER} with a stable reason id. {@link #letter} builds every dead letter, this
 * handler's and those the learner writes itself to the dead-letter topic (a label that waited for
 * its reading in vain: {@link #source}, {@link #unmatchedLabel}).
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
        Throwable cause = rejected != null ? rejected : exception;
        if (rejected == null && find(exception, LearnerFailedException.class) == null) {
            // (A learner failure was logged by the learner, with its model.)
            LOG.error("Unexpected failure processing {}-{} offset {} in {}; the record goes to {}",
                    context.topic(), context.partition(), context.offset(), context.processorNodeId(),
                    deadLetterTopic, exception);
        }
        Letter letter = letter(context.sourceRawKey(), context.sourceRawValue(), context.headers(), context.topic(),
                context.partition(), context.offset(), cause.getClass().getName(), String.valueOf(cause.getMessage()),
                rejected != null ? "" : stackTrace(exception), rejected != null ? rejected.reason().id() : PROCESSING_ERROR);
        return Response.resume(List.of(new ProducerRecord<>(deadLetterTopic, null, letter.key(), letter.value(),
                letter.headers())));
    }

    /** A dead letter: the key and value as sent, and the headers that say where from and why. */
    record Letter(byte[] key, byte[] value, Headers headers) {
    }

    /**
     * The dead letter of a record, the one way streamlearn writes one (this handler, and the learner
     * for a label that waited for its reading in vain): its key and value as sent, its own headers,
     * Kafka Streams' dead-letter headers and {@value #REASON_HEADER}. A record that came through a
     * repartition topic carries where it was sent in the origin headers ({@link LabelRouter}): those
     * replace the repartition record's key, topic, partition and offset, and do not go out.
     */
    static Letter letter(byte[] key, byte[] value, Iterable<Header> sourceHeaders, String topic, int partition, long offset,
                         String exception, String message, String stackTrace, String reason) {
        Headers headers = new RecordHeaders();
        String[] origin = null;
        for (Header h : sourceHeaders) {
            if (h.key().equals(ORIGIN_HEADER)) {
                origin = new String(h.value(), StandardCharsets.UTF_8).split(" ", 3);
            } else if (h.key().equals(ORIGIN_KEY_HEADER)) {
                key = h.value();
            } else {
                headers.add(h);
            }
        }
        put(headers, EXCEPTION_HEADER, exception);
        put(headers, MESSAGE_HEADER, message);
        put(headers, STACKTRACE_HEADER, stackTrace);
        put(headers, TOPIC_HEADER, origin != null ? origin[2] : topic);
        put(headers, PARTITION_HEADER, origin != null ? origin[0] : String.valueOf(partition));
        put(headers, OFFSET_HEADER, origin != null ? origin[1] : String.valueOf(offset));
        put(headers, REASON_HEADER, reason);
        return new Letter(key, value, headers);
    }

    /**
     * What a label that waits for its reading keeps to be dead-lettered with later, should it find
     * nothing: the record it came in (key, value, headers, topic, partition, offset), in bytes.
     */
    static byte[] source(LateLabel label, Headers recordHeaders, RecordMetadata from) {
        byte[] topic = (from == null ? "" : from.topic()).getBytes(StandardCharsets.UTF_8);
        List<byte[]> parts = new ArrayList<>();
        parts.add(topic);
        parts.add(label.sourceKey());
        parts.add(label.sourceValue());
        Header[] headers = recordHeaders.toArray();
        for (Header h : headers) {
            parts.add(h.key().getBytes(StandardCharsets.UTF_8));
            parts.add(h.value());
        }
        int size = Integer.BYTES + Long.BYTES + Integer.BYTES;
        for (byte[] part : parts) {
            size += Integer.BYTES + (part == null ? 0 : part.length);
        }
        ByteBuffer out = ByteBuffer.allocate(size);
        out.putInt(from == null ? -1 : from.partition()).putLong(from == null ? -1 : from.offset()).putInt(headers.length);
        for (byte[] part : parts) {
            if (part == null) {
                out.putInt(-1);
            } else {
                out.putInt(part.length).put(part);
            }
        }
        return out.array();
    }

    /** The dead letter of a label that waited for its reading in vain ({@code source}: {@link #source}'s bytes). */
    static Letter unmatchedLabel(byte[] source, String message) {
        ByteBuffer in = ByteBuffer.wrap(source);
        int partition = in.getInt();
        long offset = in.getLong();
        int count = in.getInt();
        String topic = new String(part(in), StandardCharsets.UTF_8);
        byte[] key = part(in);
        byte[] value = part(in);
        Headers headers = new RecordHeaders();
        for (int i = 0; i < count; i++) {
            headers.add(new String(part(in), StandardCharsets.UTF_8), part(in));
        }
        return letter(key, value, headers, topic, partition, offset, RejectedReadingException.class.getName(), message, "",
                RejectReason.UNMATCHED_LABEL.id());
    }

    private static byte[] part(ByteBuffer in) {
        int length = in.getInt();
        if (length < 0) {
            return null;
        }
        byte[] part = new byte[length];
        in.get(part);
        return part;
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
