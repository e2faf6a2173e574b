package streamlearn.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.junit.jupiter.api.Test;

/** The one line for a failed first contact with the cluster (LearnerApp.connectionError), shared by run, topics, simulate and model. */
class ConnectionErrorTest {
    private static final String SASL_MESSAGE =
            "Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512";

    @Test
    void refusedCredentialsSayAuthenticationFailedNotCannotReach() {
        // As the admin client reports it: the future fails with the SASL exception as its cause.
        ExecutionException wrapped = new ExecutionException(new SaslAuthenticationException(SASL_MESSAGE));
        assertEquals("authentication failed at broker:9093: " + SASL_MESSAGE,
                LearnerApp.connectionError("broker:9093", wrapped).getMessage());
        // Thrown directly, or deeper in the causes; SSL's handshake failure is one too.
        assertEquals("authentication failed at broker:9093: " + SASL_MESSAGE, LearnerApp.connectionError("broker:9093",
                new KafkaException("boom", new RuntimeException(new SaslAuthenticationException(SASL_MESSAGE)))).getMessage());
        assertEquals("authentication failed at b:9093: SSL handshake failed", LearnerApp.connectionError("b:9093",
                new SslAuthenticationException("SSL handshake failed")).getMessage());
    }

    @Test
    void theOneLineAsMainPrintsItExitOne() {
        StartupException e = LearnerApp.connectionError("broker:9093",
                new ExecutionException(new SaslAuthenticationException(SASL_MESSAGE)));
        // Main: a StartupException is "streamlearn <command>: <message>", exit 1.
        assertEquals("streamlearn run: authentication failed at broker:9093: " + SASL_MESSAGE, "streamlearn run: " + e.getMessage());
    }

    @Test
    void otherFailuresKeepTheirLines() {
        assertEquals("cannot reach Kafka at broker:9092 within 15 s",
                LearnerApp.connectionError("broker:9092", new TimeoutException()).getMessage());
        assertEquals("cannot reach Kafka at broker:9092 within 15 s", LearnerApp.connectionError("broker:9092",
                new ExecutionException(new org.apache.kafka.common.errors.TimeoutException("timed out"))).getMessage());
        assertEquals("cannot connect to Kafka at broker:9092: no resolvable bootstrap urls",
                LearnerApp.connectionError("broker:9092", new KafkaException("no resolvable bootstrap urls")).getMessage());
        assertNull(LearnerApp.authenticationFailure("broker:9092",
                new ExecutionException(new TopicAuthorizationException("not authorized"))));
    }
}
