package streamlearn.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import org.junit.jupiter.api.Test;
import streamlearn.model.Reading;

/** {@code --class-priors a,b,c}: the stream's class frequencies, and one clear line for a bad value. */
class ClassPriorsTest {
    @Test
    void readingsComeAsOftenAsThePriorsSay() {
        SensorReadingGenerator generator = new SensorReadingGenerator(5, 16, 0.0, SensorReadingGenerator.priors("90,8,2"));
        Reading reading = new Reading(2);
        long[] counts = new long[3];
        int n = 200_000;
        for (int i = 0; i < n; i++) {
            generator.next(reading, i);
            counts[reading.label()]++;
        }
        // Three binomial standard deviations: 0.0020, 0.0018 and 0.0009 of the share.
        assertEquals(0.90, counts[0] / (double) n, 0.0020);
        assertEquals(0.08, counts[1] / (double) n, 0.0018);
        assertEquals(0.02, counts[2] / (double) n, 0.0009);
    }

    /** Without priors, the seeds' stream is exactly what it was (the three-argument generator). */
    @Test
    void withoutPriorsTheStreamIsTheSeedsAsBefore() {
        SensorReadingGenerator before = new SensorReadingGenerator(7, 16, 0.1);
        SensorReadingGenerator now = new SensorReadingGenerator(7, 16, 0.1, null);
        Reading a = new Reading(2);
        Reading b = new Reading(2);
        for (int i = 0; i < 1_000; i++) {
            before.next(a, i);
            now.next(b, i);
            assertArrayEquals(SensorReadingGenerator.json(a), SensorReadingGenerator.json(b));
        }
    }

    @Test
    void priorsAreScaledToSumToOne() {
        assertArrayEquals(new double[] {0.9, 0.08, 0.02}, SensorReadingGenerator.priors("0.9,0.08,0.02"), 1e-15);
        assertArrayEquals(new double[] {0.9, 0.08, 0.02}, SensorReadingGenerator.priors("90, 8, 2"), 1e-15);
        assertArrayEquals(new double[] {1, 0, 0}, SensorReadingGenerator.priors("1,0,0"), 0);
    }

    @Test
    void aBadPriorIsOneLineNamingTheOption() {
        PrintStream out = new PrintStream(new ByteArrayOutputStream());
        for (String bad : new String[] {"90,10", "90,8,2,0", "a,b,c", "90,-8,2", "0,0,0", "90,8,NaN", "90,8,Infinity"}) {
            UsageException e = assertThrows(UsageException.class,
                    () -> SimulateCommand.run(new String[] {"simulate", "--class-priors", bad}, out), bad);
            assertTrue(e.getMessage().startsWith("simulate: --class-priors "), e.getMessage());
            assertTrue(!e.getMessage().contains("\n"), e.getMessage());
            e = assertThrows(UsageException.class, () -> DemoCommand.run(new String[] {"demo", "--class-priors", bad}, out), bad);
            assertTrue(e.getMessage().startsWith("demo: --class-priors "), e.getMessage());
        }
    }
}
