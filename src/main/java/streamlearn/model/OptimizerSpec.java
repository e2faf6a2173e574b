package streamlearn.model;

import streamlearn.nn.Optimizer;

/** The spec's {@code "optimizer"}: which update rule, with which settings. */
public sealed interface OptimizerSpec {

    /** The spec's and snapshots' name of the rule ({@code "sgd"}, {@code "adam"}). */
    String type();

    double learningRate();

    /** A fresh optimizer for a network of {@code parameterCount} parameters. */
    Optimizer create(int parameterCount);

    /** Plain SGD, with heavy-ball momentum when {@code momentum > 0}. */
    record Sgd(double learningRate, double momentum) implements OptimizerSpec {
        @Override
        public String type() {
            return "sgd";
        }

        @Override
        public Optimizer create(int parameterCount) {
            return new streamlearn.nn.Sgd(parameterCount, learningRate, momentum);
        }
    }

    /** Adam with bias correction. */
    record Adam(double learningRate, double beta1, double beta2, double epsilon) implements OptimizerSpec {
        @Override
        public String type() {
            return "adam";
        }

        @Override
        public Optimizer create(int parameterCount) {
            return new streamlearn.nn.Adam(parameterCount, learningRate, beta1, beta2, epsilon);
        }
    }
}
