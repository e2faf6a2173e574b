package streamlearn.app;

/** Just enough of the Prometheus text format to sum the samples of a metric in a test. */
final class PrometheusText {
    private final String[] lines;

    PrometheusText(String body) {
        this.lines = body.split("\n");
    }

    /** Whether any sample of {@code name} is present. */
    boolean has(String name) {
        for (String line : lines) {
            if (line.startsWith(name + "{") || line.startsWith(name + " ")) {
                return true;
            }
        }
        return false;
    }

    /** The sum of the samples of {@code name} whose labels contain {@code labelFilter}; NaN if none. */
    double sum(String name, String labelFilter) {
        double sum = 0;
        boolean found = false;
        for (String line : lines) {
            if (line.startsWith("#") || !(line.startsWith(name + "{") || line.startsWith(name + " "))) {
                continue;
            }
            int close = line.lastIndexOf('}');
            String labels = close > 0 ? line.substring(name.length(), close + 1) : "";
            if (!labels.contains(labelFilter)) {
                continue;
            }
            String value = line.substring(close > 0 ? close + 1 : name.length()).trim().split(" ")[0];
            sum += Double.parseDouble(value);
            found = true;
        }
        return found ? sum : Double.NaN;
    }
}
