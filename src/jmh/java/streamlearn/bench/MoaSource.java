package streamlearn.bench;

import com.yahoo.labs.samoa.instances.Instance;
import com.yahoo.labs.samoa.instances.InstancesHeader;
import java.util.ArrayList;
import java.util.List;
import moa.options.ClassOption;
import moa.options.OptionHandler;
import moa.streams.InstanceStream;
import streamlearn.model.Reading;

/**
 * A MOA generator stream, named by its MOA command line (every seed fixed, so each pass yields
 * the same instances). MOA's learners get MOA's own instances; streamlearn gets each instance's
 * input attributes in header order (a nominal attribute as its value index, as MOA stores it) and
 * its class index. Each {@link #open()} builds the generator anew from the command line, so no
 * two learners share a stream object; {@link Cursor#checksum()} shows they saw the same
 * instances.
 */
final class MoaSource implements QualitySource {
    private final String name;
    private final String cli;
    private final int length;
    private final List<String> features = new ArrayList<>();
    private final List<String> classes = new ArrayList<>();
    private final int[] inputIndex;

    /** @param cli a stream of package moa.streams as MOA's command line writes it */
    MoaSource(String name, String cli, int length) {
        this.name = name;
        this.cli = cli;
        this.length = length;
        InstancesHeader header = create(cli).getHeader();
        inputIndex = new int[header.numAttributes() - 1];
        for (int a = 0, j = 0; a < header.numAttributes(); a++) {
            if (a != header.classIndex()) {
                inputIndex[j++] = a;
                features.add(header.attribute(a).name());
            }
        }
        for (int c = 0; c < header.numClasses(); c++) {
            classes.add(header.classAttribute().value(c));
        }
    }

    static InstanceStream create(String cli) {
        try {
            InstanceStream stream = (InstanceStream) ClassOption.cliStringToObject(cli, InstanceStream.class, null);
            ((OptionHandler) stream).prepareForUse();
            return stream;
        } catch (Exception e) {
            throw new IllegalArgumentException("MOA stream '" + cli + "': " + e.getMessage(), e);
        }
    }

    String name() {
        return name;
    }

    String cli() {
        return cli;
    }

    List<String> features() {
        return features;
    }

    List<String> classes() {
        return classes;
    }

    @Override
    public String key() {
        return "moa/" + name + "/" + cli + "/n" + length;
    }

    @Override
    public int length() {
        return length;
    }

    @Override
    public int featureCount() {
        return inputIndex.length;
    }

    @Override
    public Cursor open() {
        InstanceStream stream = create(cli);
        return new Cursor() {
            private final InstancesHeader header = stream.getHeader();
            private final Reading reading = new Reading(inputIndex.length);
            private final double[] values = new double[inputIndex.length];
            private Instance current;
            private int i = -1;
            private long checksum;

            @Override
            public InstancesHeader header() {
                return header;
            }

            @Override
            public void next() {
                if (!stream.hasMoreInstances()) {
                    throw new IllegalStateException(name + " ended after " + (i + 1) + " instances");
                }
                current = stream.nextInstance().getData();
                i++;
                for (int a = 0; a < current.numAttributes(); a++) {
                    checksum = QualitySource.mix(checksum, current.value(a));
                }
            }

            @Override
            public Reading reading() {
                for (int j = 0; j < inputIndex.length; j++) {
                    values[j] = current.value(inputIndex[j]);
                }
                return reading.set("moa", i, values, (int) current.classValue());
            }

            @Override
            public Instance instance() {
                return current;
            }

            @Override
            public long checksum() {
                return checksum;
            }
        };
    }
}
