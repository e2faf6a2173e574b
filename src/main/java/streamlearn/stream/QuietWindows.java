package streamlearn.stream;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The open metrics windows of models that left memory: one small entry per such model (when its
 * window began, when its last reading came) is what lets a task with more models than it caches
 * still close every quiet model's window by the wall clock, reading the model back only when its
 * window is due ({@link ModelState#quietWindowDue}).
 */
final class QuietWindows {
    private record LeftOpen(long windowStart, long lastReadingWallMs) {
    }

    private final Map<String, LeftOpen> leftOpen = new LinkedHashMap<>();

    /** {@code state} left memory: remembered when its window is open. */
    void leftMemory(ModelState state) {
        if (state.windowOpen()) {
            leftOpen.put(state.modelId(), new LeftOpen(state.windowStart(), state.lastReadingWallMs()));
        }
    }

    /** The model is in memory again: its own window is watched there. */
    void backInMemory(String id) {
        if (!leftOpen.isEmpty()) {
            leftOpen.remove(id);
        }
    }

    /**
     * Up to {@code limit} models whose window the wall clock closes at {@code wallMs}, forgotten
     * here, for the caller to read back and close.
     */
    List<String> due(long wallMs, long windowMs, int limit) {
        List<String> due = new ArrayList<>();
        Iterator<Map.Entry<String, LeftOpen>> it = leftOpen.entrySet().iterator();
        while (it.hasNext() && due.size() < limit) {
            Map.Entry<String, LeftOpen> e = it.next();
            if (ModelState.quietWindowDue(e.getValue().windowStart(), e.getValue().lastReadingWallMs(), wallMs, windowMs)) {
                it.remove();
                due.add(e.getKey());
            }
        }
        return due;
    }

    void clear() {
        leftOpen.clear();
    }
}
