package streamlearn.stream;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.kafka.common.utils.Bytes;

/**
 * The key layout of the model store: which record of which model a key names. Under a model id's
 * UTF-8 bytes {@code M} (the bytes 0xFC to 0xFF never occur in UTF-8, so they mark the records that
 * are not checkpoints, and no id names another's records):
 * <ul>
 *   <li>{@code M}: the model's checkpoint;</li>
 *   <li>{@code M 0xFE slot}: a logged input, in its slot (input count mod checkpoint.readings, two
 *       bytes), so that the compacted changelog keeps at most one checkpoint's worth per model;</li>
 *   <li>{@code 0xFD M}: the model changed since its last published snapshot;</li>
 *   <li>{@code 0xFC}: the new model the store's models start as.</li>
 * </ul>
 */
final class ModelKeys {
    static final byte INPUT_SUFFIX = (byte) 0xFE;
    static final byte UNPUBLISHED_PREFIX = (byte) 0xFD;
    static final Bytes NEW_MODEL = Bytes.wrap(new byte[] {(byte) 0xFC});
    /** The range of the unpublished markers: [0xFD, 0xFE). */
    static final Bytes UNPUBLISHED_FROM = Bytes.wrap(new byte[] {UNPUBLISHED_PREFIX});
    static final Bytes UNPUBLISHED_TO = Bytes.wrap(new byte[] {INPUT_SUFFIX});

    private ModelKeys() {
    }

    static Bytes checkpoint(String id) {
        return Bytes.wrap(id.getBytes(StandardCharsets.UTF_8));
    }

    static Bytes input(String id, int slot) {
        byte[] utf8 = id.getBytes(StandardCharsets.UTF_8);
        byte[] key = Arrays.copyOf(utf8, utf8.length + 3);
        key[utf8.length] = INPUT_SUFFIX;
        ByteBuffer.wrap(key).putShort(utf8.length + 1, (short) slot);
        return Bytes.wrap(key);
    }

    static Bytes unpublished(String id) {
        byte[] utf8 = id.getBytes(StandardCharsets.UTF_8);
        byte[] key = new byte[utf8.length + 1];
        key[0] = UNPUBLISHED_PREFIX;
        System.arraycopy(utf8, 0, key, 1, utf8.length);
        return Bytes.wrap(key);
    }

    /** True when {@code key} is a checkpoint's: a model id, without the marker bytes. */
    static boolean isCheckpoint(byte[] key) {
        for (byte b : key) {
            if ((b & 0xFF) >= 0xFC) {
                return false;
            }
        }
        return key.length > 0;
    }

    /** The model id of a logged input's key, or null when {@code key} names no input. */
    static String inputOwner(byte[] key) {
        if (key.length < 3 || key[key.length - 3] != INPUT_SUFFIX || key[0] == UNPUBLISHED_PREFIX) {
            return null;
        }
        return new String(key, 0, key.length - 3, StandardCharsets.UTF_8);
    }

    /** The model id of an unpublished marker's key, or null when {@code key} is no such marker. */
    static String unpublishedOwner(byte[] key) {
        return key.length > 0 && key[0] == UNPUBLISHED_PREFIX ? new String(key, 1, key.length - 1, StandardCharsets.UTF_8) : null;
    }

    static String id(byte[] checkpointKey) {
        return new String(checkpointKey, StandardCharsets.UTF_8);
    }
}
