package streamlearn.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import org.junit.jupiter.api.Test;
import streamlearn.model.Reading;

/**
 * The simulator's glitches: about the requested fraction of readings, every kind among them,
 * each changing exactly one thing of a clean reading (one feature, or the clock), and a rate of
 * zero leaving the stream exactly as it was.
 */
class SensorGlitchesTest {
    private static final int READINGS = 100_000;

    @Test
    void aboutTheRequestedFractionOfReadingsIsGlitchedOneThingEach() {
        SensorGlitches glitches = new SensorGlitches(7, 0.01);
        SensorReadingGenerator clean = new SensorReadingGenerator(7, 16, 0.0);
        Reading reading = new Reading(2);
        int glitched = 0;
        for (int i = 0; i < READINGS; i++) {
            clean.next(reading, 1_795_334_400_000L + i);
            double[] before = reading.features().clone();
            long timestamp = reading.timestamp();
            SensorGlitches.Kind kind = glitches.apply(reading);
            if (kind == null) {
                assertArrayEquals(before, reading.features());
                assertEquals(timestamp, reading.timestamp());
                continue;
            }
            glitched++;
            int featuresChanged = (before[0] != reading.features()[0] ? 1 : 0) + (before[1] != reading.features()[1] ? 1 : 0);
            if (kind == SensorGlitches.Kind.CLOCK) {
                assertEquals(0, featuresChanged, "a clock glitch keeps the measurement");
                assertEquals(SensorGlitches.CLOCK_OFFSET_MS, Math.abs(reading.timestamp() - timestamp));
            } else {
                assertEquals(timestamp, reading.timestamp());
                assertTrue(featuresChanged <= 1, kind + " changes one feature");
            }
        }
        // Binomial(100,000, 0.01): mean 1,000, standard deviation 31; four of them either way.
        assertTrue(glitched > 875 && glitched < 1125, "glitched " + glitched);
        for (SensorGlitches.Kind kind : SensorGlitches.Kind.values()) {
            assertTrue(glitches.count(kind) > 250, kind + ": " + glitches.count(kind));
        }
    }

    @Test
    void aRateOfZeroChangesNothing() {
        SensorGlitches none = new SensorGlitches(7, 0.0);
        Reading reading = new Reading(2);
        SensorReadingGenerator generator = new SensorReadingGenerator(3, 4, 0.1);
        for (int i = 0; i < 1_000; i++) {
            generator.next(reading, i);
            byte[] clean = SensorReadingGenerator.json(reading);
            assertNull(none.apply(reading));
            assertArrayEquals(clean, SensorReadingGenerator.json(reading));
        }
    }

    @Test
    void aRateOutsideZeroToOneIsABadOption() {
        PrintStream out = new PrintStream(new ByteArrayOutputStream());
        UsageException e = assertThrows(UsageException.class, () -> SimulateCommand.run(new String[] {"simulate", "--glitch-rate", "1.5"}, out));
        assertTrue(e.getMessage().contains("glitch-rate"), e.getMessage());
        e = assertThrows(UsageException.class, () -> DemoCommand.run(new String[] {"demo", "--glitch-rate", "-0.1"}, out));
        assertTrue(e.getMessage().contains("glitch-rate"), e.getMessage());
    }
}
