package streamlearn.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A window's candidates in {@link ModelSummaries}: none for a single network; for a pool the
 * champion and each candidate's loss and weight, at most {@link ModelSummaries#CANDIDATES_KEPT}
 * (the champion and those of the largest weight, in the spec's order), their names one list per
 * model while they stay the same.
 */
class ModelSummariesTest {
    private static final List<String> CLASSES = List.of("normal", "warning", "critical");

    @Test
    void aSingleNetworksWindowHasNoChampionAndNoCandidates() {
        ModelSummaries summaries = new ModelSummaries(CLASSES);
        summaries.windowClosed("a", 0, closed(2_000, "main", new double[] {0.3}, new double[] {1.0}), 1_000, 0, 1_500, List.of());
        ModelSummaries.Window w = summaries.get("a").last();
        assertNull(w.champion());
        assertEquals(List.of(), w.candidates());
        assertEquals(0, w.candidateWeight().length);
        assertEquals(0, w.candidateLoss().length);
    }

    @Test
    void aPoolsWindowKeepsTheChampionAndTheHeaviestCandidatesInTheSpecsOrder() {
        List<String> names = new ArrayList<>();
        double[] loss = new double[12];
        double[] weight = new double[12];
        for (int k = 0; k < 12; k++) {
            names.add(k == 0 ? "main" : "c" + k);
            loss[k] = 0.1 * k;
            weight[k] = (k + 1) / 78.0;
        }
        // c2 leads with a small weight (as a champion of method "champion" may after a switch): it is kept.
        ModelSummaries summaries = new ModelSummaries(CLASSES);
        summaries.windowClosed("a", 0, closed(2_000, "c2", loss, weight), 1_000, 0, 1_500, names);
        ModelSummaries.Window w = summaries.get("a").last();
        assertEquals("c2", w.champion());
        assertEquals(List.of("c2", "c5", "c6", "c7", "c8", "c9", "c10", "c11"), w.candidates());
        assertEquals(ModelSummaries.CANDIDATES_KEPT, w.candidates().size());
        assertArrayEquals(new double[] {0.2, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1}, w.candidateLoss(), 1e-12);
        assertArrayEquals(new double[] {3 / 78.0, 6 / 78.0, 7 / 78.0, 8 / 78.0, 9 / 78.0, 10 / 78.0, 11 / 78.0, 12 / 78.0},
                w.candidateWeight(), 1e-12);

        summaries.windowClosed("a", 0, closed(3_000, "c2", loss, weight), 1_000, 0, 2_500, new ArrayList<>(names));
        assertSame(w.candidates(), summaries.get("a").last().candidates(), "the same names: one list per model");
    }

    private static ModelState.ClosedWindow closed(long end, String champion, double[] loss, double[] weight) {
        return new ModelState.ClosedWindow(end, new byte[0], 0.3, 0.9, 0.9, 0.8, new double[] {1, 1, 1},
                new double[] {1, 1, 1}, 10, 10, 0, new long[] {4, 3, 3}, new long[] {4, 3, 3}, 7, champion, loss, weight);
    }
}
