package dev.poolkit.internal;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link JavaLanes} by the Vector API: whole vectors of the preferred species, then a masked last vector. Lane-wise
 * MAX and MIN are {@link Math#max} and {@link Math#min}, ADD and DIV IEEE's, so every element gets the scalar loop's
 * value. Loaded only when {@code jdk.incubator.vector} is present (see {@link JavaLanes#preferred()}).
 */
final class JavaVectorLanes implements JavaLanes {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final int LANES = SPECIES.length();

    @Override
    public String name() {
        return "vector";
    }

    @Override
    public void max(float[] a, int at, float[] b, int from, int n) {
        int i = 0;
        for (int bound = SPECIES.loopBound(n); i < bound; i += LANES) {
            FloatVector.fromArray(SPECIES, a, at + i).max(FloatVector.fromArray(SPECIES, b, from + i)).intoArray(a, at + i);
        }
        if (i < n) {
            VectorMask<Float> m = SPECIES.indexInRange(i, n);
            FloatVector.fromArray(SPECIES, a, at + i, m).max(FloatVector.fromArray(SPECIES, b, from + i, m)).intoArray(a, at + i, m);
        }
    }

    @Override
    public void min(float[] a, int at, float[] b, int from, int n) {
        int i = 0;
        for (int bound = SPECIES.loopBound(n); i < bound; i += LANES) {
            FloatVector.fromArray(SPECIES, a, at + i).min(FloatVector.fromArray(SPECIES, b, from + i)).intoArray(a, at + i);
        }
        if (i < n) {
            VectorMask<Float> m = SPECIES.indexInRange(i, n);
            FloatVector.fromArray(SPECIES, a, at + i, m).min(FloatVector.fromArray(SPECIES, b, from + i, m)).intoArray(a, at + i, m);
        }
    }

    @Override
    public void add(float[] a, int at, float[] b, int from, int n) {
        int i = 0;
        for (int bound = SPECIES.loopBound(n); i < bound; i += LANES) {
            FloatVector.fromArray(SPECIES, a, at + i).add(FloatVector.fromArray(SPECIES, b, from + i)).intoArray(a, at + i);
        }
        if (i < n) {
            VectorMask<Float> m = SPECIES.indexInRange(i, n);
            FloatVector.fromArray(SPECIES, a, at + i, m).add(FloatVector.fromArray(SPECIES, b, from + i, m)).intoArray(a, at + i, m);
        }
    }

    @Override
    public void divide(float[] a, int at, int n, float divisor) {
        int i = 0;
        for (int bound = SPECIES.loopBound(n); i < bound; i += LANES) {
            FloatVector.fromArray(SPECIES, a, at + i).div(divisor).intoArray(a, at + i);
        }
        for (; i < n; i++) a[at + i] /= divisor;
    }

    @Override
    public void divide(float[] a, int at, float[] divisors, int from, int n) {
        int i = 0;
        for (int bound = SPECIES.loopBound(n); i < bound; i += LANES) {
            FloatVector.fromArray(SPECIES, a, at + i).div(FloatVector.fromArray(SPECIES, divisors, from + i)).intoArray(a, at + i);
        }
        for (; i < n; i++) a[at + i] /= divisors[from + i];
    }

    @Override
    public boolean anyZeroOrNaN(float[] a, int at, int n) {
        int i = 0;
        for (int bound = SPECIES.loopBound(n); i < bound; i += LANES) {
            FloatVector v = FloatVector.fromArray(SPECIES, a, at + i);
            if (v.compare(VectorOperators.EQ, 0f).or(v.test(VectorOperators.IS_NAN)).anyTrue()) return true;
        }
        for (; i < n; i++) {
            float v = a[at + i];
            if (v == 0f || v != v) return true;
        }
        return false;
    }
}
