package streamlearn.stream;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * When each changed model of a task publishes its snapshot: one {@code snapshot.interval} after
 * its first change since the last one, so models publish as spread out as they changed, not all
 * at one tick; and at most a share of the waiting models per tick (the share that empties the
 * queue within an interval), so even models that all changed at once (a start, a burst of new
 * sensors) publish over the interval rather than stalling one punctuation.
 */
final class SnapshotSchedule {
    private final long intervalMs;
    private final long tickMs;
    /** Model id to the wall-clock time its snapshot is due, in the order the models changed. */
    private final LinkedHashMap<String, Long> due = new LinkedHashMap<>();

    SnapshotSchedule(long intervalMs, long tickMs) {
        this.intervalMs = intervalMs;
        this.tickMs = tickMs;
    }

    /** The model changed at {@code now}; true when it was not already waiting for its snapshot. */
    boolean changed(String model, long now) {
        return due.putIfAbsent(model, now + intervalMs) == null;
    }

    /** Models whose changes a restart found unpublished: due one by one over the next interval. */
    void restored(List<String> models, long now) {
        for (int i = 0; i < models.size(); i++) {
            due.putIfAbsent(models.get(i), now + intervalMs * (i + 1) / models.size());
        }
    }

    /** The models to publish at this tick, taken off the schedule. */
    List<String> take(long now) {
        long share = Math.max(1, (due.size() * tickMs + intervalMs - 1) / intervalMs);
        List<String> out = new ArrayList<>();
        Iterator<Map.Entry<String, Long>> it = due.entrySet().iterator();
        while (out.size() < share && it.hasNext()) {
            Map.Entry<String, Long> next = it.next();
            if (next.getValue() > now) {
                break;
            }
            out.add(next.getKey());
            it.remove();
        }
        return out;
    }

    int waiting() {
        return due.size();
    }

    void clear() {
        due.clear();
    }
}
