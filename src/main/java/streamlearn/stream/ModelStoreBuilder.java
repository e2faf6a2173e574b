package streamlearn.stream;

import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import streamlearn.model.ModelSpec;
import streamlearn.model.OnlineModel;

/**
 * Builds a {@link ModelStore} around a persistent, changelogged key-value store (RocksDB),
 * without Kafka Streams' record cache: the model store keeps its own cache of live models.
 */
final class ModelStoreBuilder implements StoreBuilder<ModelStore> {
    private final ModelSpec spec;
    private final Supplier<OnlineModel> newModel;
    private final int checkpointReadings;
    private final int cacheSize;
    private StoreBuilder<KeyValueStore<Bytes, byte[]>> inner;

    ModelStoreBuilder(String name, ModelSpec spec, Supplier<OnlineModel> newModel, int checkpointReadings, int cacheSize) {
        this.spec = spec;
        this.newModel = newModel;
        this.checkpointReadings = checkpointReadings;
        this.cacheSize = cacheSize;
        inner = Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(name), Serdes.Bytes(), Serdes.ByteArray())
                .withCachingDisabled();
    }

    @Override
    public StoreBuilder<ModelStore> withCachingEnabled() {
        return this;
    }

    @Override
    public StoreBuilder<ModelStore> withCachingDisabled() {
        return this;
    }

    @Override
    public StoreBuilder<ModelStore> withLoggingEnabled(Map<String, String> config) {
        inner = inner.withLoggingEnabled(config);
        return this;
    }

    @Override
    public StoreBuilder<ModelStore> withLoggingDisabled() {
        inner = inner.withLoggingDisabled();
        return this;
    }

    @Override
    public ModelStore build() {
        return new ModelStore(inner.build(), spec, newModel, checkpointReadings, cacheSize);
    }

    @Override
    public Map<String, String> logConfig() {
        return inner.logConfig();
    }

    @Override
    public boolean loggingEnabled() {
        return inner.loggingEnabled();
    }

    @Override
    public String name() {
        return inner.name();
    }
}
