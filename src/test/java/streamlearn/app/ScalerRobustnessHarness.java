package streamlearn.app;

import org.junit.jupiter.api.Test;
import streamlearn.format.SpecJson;
import streamlearn.model.OnlineModel;
import streamlearn.model.Reading;
import streamlearn.model.StepResult;

/** Hand-run measurement for issue #12 (not part of the suite: run with -Dtest=ScalerRobustnessHarness). */
class ScalerRobustnessHarness {
    static final int N = 200_000;

    interface Tamper { void apply(Reading r, int i); }

    /** per-reading correctness, 1/0 */
    static byte[] run(long seed, Tamper tamper) {
        OnlineModel model = OnlineModel.create(SpecJson.defaultSpec());
        SensorReadingGenerator g = new SensorReadingGenerator(seed, 16, 0.0);
        Reading r = new Reading(2);
        byte[] ok = new byte[N];
        for (int i = 0; i < N; i++) {
            g.next(r, i);
            if (tamper != null) tamper.apply(r, i);
            StepResult s = model.step(r);
            ok[i] = (byte) (s.correct() ? 1 : 0);
        }
        return ok;
    }

    static double acc(byte[] ok, int from, int to) {
        long c = 0;
        for (int i = from; i < to; i++) c += ok[i];
        return c / (double) (to - from);
    }

    @Test
    void measure() {
        long t0 = System.nanoTime();
        int seeds = Integer.getInteger("harness.seeds", 5);
        double[] s = new double[16];
        StringBuilder per = new StringBuilder();
        for (long seed = 1; seed <= seeds; seed++) {
            byte[] clean = run(seed, null);
            byte[] spike = run(seed, (r, i) -> { if (i == 50_000) r.setFeature(0, 1e200); });
            byte[] sentinel = run(seed, (r, i) -> { if (i == 50_000) r.setFeature(0, 65535); });
            SensorGlitches gl = new SensorGlitches(seed, 0.01);
            byte[] glitch = run(seed, (r, i) -> gl.apply(r));
            byte[] drift = run(seed, (r, i) -> { if (i >= 100_000) r.setFeature(0, r.features()[0] + 15); });
            double[] v = {
                acc(clean, 100_000, N),
                acc(clean, 50_000, 60_000), acc(spike, 50_000, 60_000), acc(clean, 150_000, N), acc(spike, 150_000, N),
                acc(sentinel, 50_000, 60_000), acc(sentinel, 150_000, N),
                acc(glitch, 100_000, N),
                acc(drift, 90_000, 100_000), acc(drift, 100_000, 101_000), acc(drift, 102_000, 103_000),
                acc(drift, 105_000, 106_000), acc(drift, 110_000, 120_000), acc(drift, 150_000, N)};
            for (int k = 0; k < v.length; k++) s[k] += v[k] / seeds;
            per.append(String.format("seed %d: a %.4f | b 50-60k %.4f vs %.4f, last50k %.4f vs %.4f | c %.4f %.4f | d %.4f | "
                    + "e 90-100k %.4f 100-101k %.4f 102-103k %.4f 105-106k %.4f 110-120k %.4f 150-200k %.4f%n", seed, v[0],
                    v[2], v[1], v[4], v[3], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13]));
        }
        System.out.print(per);
        System.out.printf("MEAN: (a) clean last100k %.4f%n(b) 1e200 50-60k %.4f (clean %.4f), last50k %.4f (clean %.4f)%n"
                + "(c) 65535 50-60k %.4f, last50k %.4f%n(d) 1%% glitches last100k %.4f (clean %.4f)%n"
                + "(e) +15C: 90-100k %.4f, 100-101k %.4f, 102-103k %.4f, 105-106k %.4f, 110-120k %.4f, 150-200k %.4f%n",
                s[0], s[2], s[1], s[4], s[3], s[5], s[6], s[7], s[0], s[8], s[9], s[10], s[11], s[12], s[13]);
        System.out.printf("took %.1fs%n", (System.nanoTime() - t0) / 1e9);
    }

    /** Not a target: a sentinel among the very first readings (before the scaler has a spread to clip against). */
    @Test
    void earlyGlitch() {
        for (int at : new int[] {0, 1, 2, 5, 100}) {
            double sum = 0;
            for (long seed = 1; seed <= 5; seed++) {
                sum += acc(run(seed, (r, i) -> { if (i == at) r.setFeature(0, 65535); }), 100_000, N) / 5;
            }
            System.out.printf("65535 at reading index %d: last100k %.4f%n", at, sum);
        }
    }
}
