package streamlearn.format;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import streamlearn.model.DriftEvent;

/** The model event JSON of docs/DESIGN.md, field for field and byte for byte. */
class ModelEventJsonTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aDriftEventAsTheDesignShowsIt() {
        DriftEvent drift = new DriftEvent("adwin", 0.002, 18234, 0.027, 0.25, 160,
                List.of(DriftEvent.SCALER_RELEARNING, DriftEvent.AVERAGE_RESTARTED));
        assertEquals("{\"model\":\"default\",\"type\":\"drift\",\"at\":1795334400000,\"modelVersion\":18234,"
                        + "\"detail\":{\"detector\":\"adwin\",\"delta\":0.002,\"errorBefore\":0.027,\"errorAfter\":0.25,"
                        + "\"recentReadings\":160,\"actions\":[\"scaler_relearning\",\"average_restarted\"]}}",
                new String(ModelEventJson.drift("default", 1_795_334_400_000L, drift), StandardCharsets.UTF_8));
    }

    @Test
    void errorsReadBackExactlyAndNamesAreEscaped() throws Exception {
        // Means over a detector window are arbitrary doubles: shortest round-trip form, bit for bit.
        double before = 1.0 / 3.0;
        double after = 0.1 + 0.2;
        DriftEvent drift = new DriftEvent("adwin", 1e-5, 0, before, after, 7, List.of());
        JsonNode e = JSON.readTree(ModelEventJson.drift("press \"7\" é", 0, drift));
        assertEquals("press \"7\" é", e.get("model").asText());
        assertEquals(List.of("model", "type", "at", "modelVersion", "detail"), names(e));
        assertEquals(List.of("detector", "delta", "errorBefore", "errorAfter", "recentReadings", "actions"),
                names(e.get("detail")));
        assertEquals(Double.doubleToLongBits(before), Double.doubleToLongBits(e.get("detail").get("errorBefore").asDouble()));
        assertEquals(Double.doubleToLongBits(after), Double.doubleToLongBits(e.get("detail").get("errorAfter").asDouble()));
        assertEquals(1e-5, e.get("detail").get("delta").asDouble(), 0.0);
        assertEquals(0, e.get("detail").get("actions").size(), "a model without scaler or average did nothing else");
        assertEquals(0, e.get("at").asLong());
    }

    private static List<String> names(JsonNode object) {
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
