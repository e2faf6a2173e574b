package streamlearn.app;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One real single-node KRaft broker per test class:
 * {@code @RegisterExtension static final BrokerExtension broker = new BrokerExtension();}.
 */
final class BrokerExtension implements BeforeAllCallback, AfterAllCallback {
    private EmbeddedKafkaBroker broker;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        broker = EmbeddedKafkaBroker.start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (broker != null) {
            broker.close();
        }
    }

    String bootstrapServers() {
        return broker.bootstrapServers();
    }
}
