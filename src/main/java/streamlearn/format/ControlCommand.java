package streamlearn.format;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import streamlearn.model.InvalidReadingException;
import streamlearn.model.OnlineModel;
import streamlearn.model.RejectReason;

/**
 * A control command of docs/DESIGN.md ({@code learner-control}, keyed by model id):
 * {@code {"command":"restore","snapshot":{...}}} replaces the model by a snapshot,
 * {@code {"command":"reset"}} starts it afresh from the spec.
 *
 * @param snapshot the model to restore; null for a reset
 */
public record ControlCommand(Kind kind, OnlineModel snapshot) {
    public enum Kind { RESTORE, RESET }

    private static final ObjectMapper JSON = new ObjectMapper();

    public static byte[] restore(String snapshotJson) {
        return ("{\"command\":\"restore\",\"snapshot\":" + snapshotJson.strip() + "}").getBytes(StandardCharsets.UTF_8);
    }

    public static byte[] reset() {
        return "{\"command\":\"reset\"}".getBytes(StandardCharsets.UTF_8);
    }

    /** @throws InvalidReadingException with the reason a bad command is dead-lettered with */
    public static ControlCommand parse(byte[] bytes) throws InvalidReadingException {
        if (bytes == null || bytes.length == 0) {
            throw new InvalidReadingException(RejectReason.EMPTY, "empty control command");
        }
        JsonNode root;
        try {
            root = JSON.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw new InvalidReadingException(RejectReason.MALFORMED_JSON, "not one JSON value: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new InvalidReadingException(RejectReason.MALFORMED_JSON, "unreadable: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new InvalidReadingException(RejectReason.WRONG_TYPE, "a control command is a JSON object");
        }
        JsonNode command = root.get("command");
        if (command == null || command.isNull()) {
            throw new InvalidReadingException(RejectReason.MISSING_FIELD, "missing field 'command' (restore or reset)");
        }
        for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!name.equals("command") && !name.equals("snapshot")) {
                throw new InvalidReadingException(RejectReason.INVALID_COMMAND, "unknown field '" + name + "'");
            }
        }
        switch (command.asText()) {
            case "reset" -> {
                if (root.has("snapshot")) {
                    throw new InvalidReadingException(RejectReason.INVALID_COMMAND, "reset takes no snapshot");
                }
                return new ControlCommand(Kind.RESET, null);
            }
            case "restore" -> {
                JsonNode snapshot = root.get("snapshot");
                if (snapshot == null || snapshot.isNull()) {
                    throw new InvalidReadingException(RejectReason.MISSING_FIELD, "restore needs a 'snapshot'");
                }
                try {
                    return new ControlCommand(Kind.RESTORE, ModelSnapshot.fromJson(snapshot));
                } catch (RuntimeException e) { // SpecException, or a spec rule the model's constructor checks
                    throw new InvalidReadingException(RejectReason.INVALID_SNAPSHOT, "snapshot: " + e.getMessage());
                }
            }
            default -> throw new InvalidReadingException(RejectReason.INVALID_COMMAND,
                    "unknown command " + command + " (restore or reset)");
        }
    }
}
