package dev.poolkit;

/**
 * How exactly average pooling computes its results (forward; the gradients of {@code backward} are always exact).
 * Applies to every average: sliding windows with any divisor rule or override, global and adaptive ones.
 *
 * <h2>Error bound</h2>
 * Let a window hold n &ge; 1 taps inside the input, x<sub>1</sub> ... x<sub>n</sub>, all finite, with
 * S = &Sigma;|x<sub>i</sub>| &le; {@code Float.MAX_VALUE}/2, let d be its divisor (for adaptive averages the product of
 * the bin lengths), u = 2<sup>-24</sup>, &gamma;<sub>k</sub> = ku/(1 - ku) and (n + 2)u &lt; 1. Then the result y
 * of either precision satisfies
 * <blockquote>|y - (&Sigma; x<sub>i</sub>)/d| &le; &gamma;<sub>n+2</sub> &middot; S/d + 2<sup>-148</sup></blockquote>
 * Why: float32 additions of the n taps in any order (any tree, lanes and shared column sums included) give
 * &Sigma; x<sub>i</sub>(1 + &theta;<sub>i</sub>) with |&theta;<sub>i</sub>| &le; &gamma;<sub>n-1</sub>, since a tap takes
 * part in at most n - 1 inexact additions (adding a zero padding term is exact, and sums that fall below
 * {@code Float.MIN_NORMAL} are exact); {@link #RELAXED} multiplies by r = 1/d rounded to float through double,
 * r = (1/d)(1 + e) with |e| &le; u + 2<sup>-53</sup>(1 + u) &le; 2u, then rounds the product once more, and
 * (1 + &gamma;<sub>n-1</sub>)(1 + u)(1 + 2u) &le; 1 + &gamma;<sub>n+2</sub>. {@link #EXACT} divides once (by d, or by a
 * d above 2<sup>24</sup> rounded to float) or, for adaptive averages with an output size above 1, once per axis:
 * at most three roundings after the sum, within the same &gamma;<sub>n+2</sub>. Windows of more than 1024 taps add in
 * double in both precisions and are far inside the bound. A result below {@code Float.MIN_NORMAL} is rounded
 * absolutely, by at most 2<sup>-150</sup> per operation after the sum: 2<sup>-148</sup> covers EXACT's three.
 * <p>
 * For a 3x3 window (n = 9) the bound is about 6.6e-7 S/d (S/d is the mean of |x| when d = n); for a global 7x7
 * average (n = 49) about 3.0e-6 S/d. A NaN tap gives NaN in both precisions. Outside the bound's conditions (an
 * infinite tap, or S &gt; {@code Float.MAX_VALUE}/2, where partial sums may overflow in one order and not in another)
 * the two may differ, infinities and NaN included; the sign of a zero result may differ too.
 */
public enum Precision {
    /**
     * PyTorch's result bit for bit (the default): taps added in float32 in kernel (row-major) order, then one
     * correctly rounded division (per axis for adaptive averages, as PyTorch divides).
     */
    EXACT,
    /**
     * Faster averages within the bound above: taps added in any order (vector partial sums, column sums shared by
     * neighbouring windows), then multiplied by the divisor's reciprocal. The native kernels that do this are named
     * with {@code -relaxed} in {@link PreparedPool#implementation()} ({@code native:avx512:tiles-relaxed}); where a
     * level has no relaxed kernel for a problem, it runs the exact one. The Java backend computes {@link #EXACT}
     * results under either precision (they are within the bound), and the cross-check compares a relaxed native
     * result with them within twice the bound.
     */
    RELAXED
}
