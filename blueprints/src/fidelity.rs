//! Fidelity of circuit outputs against the float model.
//!
//! Per input, with `y` the float reference and `ŷ` the circuit's dequantized output:
//! * the DSperse paper's eq. 3.1: `D1 = Σ_i |ŷ_i − y_i|` and `D2 = Σ_i (ŷ_i − y_i)²`,
//!   *sums* over the logits (`d1_sum`, `d2_sum`), and per-logit means beside them under
//!   their own names (`d1_mean`, `d2_mean`; the older fields `d1`, `d2` are these means,
//!   kept for the CLI until it reports the paper's names);
//! * `TVD = ½ Σ_i |p_i − q_i|` and `JSD = ½ KL(p‖m) + ½ KL(q‖m)`, `m = (p + q)/2`, base 2,
//!   over the softmax distributions (eq. 3.2, 3.3);
//! * argmax agreement.

/// Per-input metrics.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Metrics {
    /// The paper's D1 (eq. 3.1, p = 1): `Σ|Δ|` over the logits.
    pub d1_sum: f64,
    /// The paper's D2 (eq. 3.1, p = 2): `ΣΔ²` over the logits.
    pub d2_sum: f64,
    /// Per-logit mean absolute error, `D1 / n`.
    pub d1_mean: f64,
    /// Per-logit mean squared error, `D2 / n`.
    pub d2_mean: f64,
    /// Same as `d1_mean` (the name the CLI reports today).
    pub d1: f64,
    /// Same as `d2_mean` (the name the CLI reports today).
    pub d2: f64,
    /// L1 distance `Σ|Δ|`.
    pub l1: f64,
    /// L2 distance `(ΣΔ²)^{1/2}`.
    pub l2: f64,
    /// Total variation distance of the softmaxes.
    pub tvd: f64,
    /// Jensen–Shannon divergence of the softmaxes, base 2.
    pub jsd: f64,
    /// Whether the argmaxes agree.
    pub argmax_agrees: bool,
}

/// Numerically stable softmax.
pub fn softmax(v: &[f64]) -> Vec<f64> {
    let m = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let e: Vec<f64> = v.iter().map(|x| (x - m).exp()).collect();
    let s: f64 = e.iter().sum();
    e.into_iter().map(|x| x / s).collect()
}

fn argmax(v: &[f64]) -> usize {
    v.iter()
        .enumerate()
        .fold((0, f64::NEG_INFINITY), |(bi, bv), (i, &x)| {
            if x > bv { (i, x) } else { (bi, bv) }
        })
        .0
}

fn kl2(p: &[f64], q: &[f64]) -> f64 {
    p.iter()
        .zip(q)
        .filter(|(a, _)| **a > 0.0)
        .map(|(a, b)| a * (a / b).log2())
        .sum()
}

/// The metrics of one input.
pub fn compare(circuit: &[f64], reference: &[f64]) -> Metrics {
    let n = circuit.len().max(1) as f64;
    let l1: f64 = circuit
        .iter()
        .zip(reference)
        .map(|(a, b)| (a - b).abs())
        .sum();
    let sq: f64 = circuit
        .iter()
        .zip(reference)
        .map(|(a, b)| (a - b) * (a - b))
        .sum();
    let (p, q) = (softmax(circuit), softmax(reference));
    let tvd = 0.5 * p.iter().zip(&q).map(|(a, b)| (a - b).abs()).sum::<f64>();
    let m: Vec<f64> = p.iter().zip(&q).map(|(a, b)| 0.5 * (a + b)).collect();
    let jsd = (0.5 * kl2(&p, &m) + 0.5 * kl2(&q, &m)).max(0.0);
    Metrics {
        d1_sum: l1,
        d2_sum: sq,
        d1_mean: l1 / n,
        d2_mean: sq / n,
        d1: l1 / n,
        d2: sq / n,
        l1,
        l2: sq.sqrt(),
        tvd,
        jsd,
        argmax_agrees: argmax(circuit) == argmax(reference),
    }
}

/// Mean, standard deviation, min and max.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Summary {
    /// Mean.
    pub mean: f64,
    /// Population standard deviation.
    pub std: f64,
    /// Minimum.
    pub min: f64,
    /// Maximum.
    pub max: f64,
}

/// Summarises a series.
pub fn summarize(v: &[f64]) -> Summary {
    if v.is_empty() {
        return Summary::default();
    }
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    let std = (v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n).sqrt();
    let min = v.iter().copied().fold(f64::INFINITY, f64::min);
    let max = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    Summary {
        mean,
        std,
        min,
        max,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn metrics_on_known_values() {
        let m = compare(&[1.0, 2.0, 3.0, 4.0], &[1.0, 2.5, 2.0, 4.0]);
        assert!((m.d1 - 1.5 / 4.0).abs() < 1e-12);
        // The paper's eq. 3.1: sums over the logits.
        assert!((m.d1_sum - 1.5).abs() < 1e-12 && (m.d2_sum - 1.25).abs() < 1e-12);
        assert!((m.d1_mean - 1.5 / 4.0).abs() < 1e-12 && (m.d2_mean - 1.25 / 4.0).abs() < 1e-12);
        assert!((m.d2 - 1.25 / 4.0).abs() < 1e-12);
        assert!((m.l1 - 1.5).abs() < 1e-12 && (m.l2 - 1.25f64.sqrt()).abs() < 1e-12);
        assert!(m.argmax_agrees);
        let same = compare(&[0.3, -1.0], &[0.3, -1.0]);
        assert_eq!((same.d1, same.tvd), (0.0, 0.0));
        assert!(same.jsd.abs() < 1e-15);
        // Opposite one-hot-ish distributions: TVD near 1, JSD near 1 bit.
        let far = compare(&[50.0, 0.0], &[0.0, 50.0]);
        assert!(far.tvd > 0.999 && (far.jsd - 1.0).abs() < 1e-6 && !far.argmax_agrees);
        let p = softmax(&[1.0, 2.0, 3.0]);
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12 && p[2] > p[1]);
        let s = summarize(&[1.0, 3.0]);
        assert_eq!((s.mean, s.std, s.min, s.max), (2.0, 1.0, 1.0, 3.0));
    }
}
