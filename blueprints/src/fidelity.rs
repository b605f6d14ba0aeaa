//! Fidelity of circuit outputs against the float model.
//!
//! Per input, with `y` the float reference and `ŷ` the circuit's dequantized output:
//! * `D1 = (1/n) Σ_i |ŷ_i − y_i|` and `D2 = (1/n) Σ_i (ŷ_i − y_i)²`: mean absolute and mean
//!   squared error over the `n` outputs (our reading of the DSperse paper's eq. 3.1, which
//!   we could not consult; the un-normalised L1 and L2 distances are reported beside them);
//! * `TVD = ½ Σ_i |p_i − q_i|` and `JSD = ½ KL(p‖m) + ½ KL(q‖m)`, `m = (p + q)/2`, base 2,
//!   over the softmax distributions (eq. 3.2, 3.3);
//! * argmax agreement.

/// Per-input metrics.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Metrics {
    /// D1, the DSperse paper's eq. 3.1 with p = 1: `Σ_j |Δ_j|`, a sum over the logits.
    pub d1: f64,
    /// D2, eq. 3.1 with p = 2: `Σ_j Δ_j²`, a sum over the logits.
    pub d2: f64,
    /// D1 divided by the number of logits (mean absolute error), for comparing models
    /// of different output size.
    pub d1_per_logit: f64,
    /// D2 divided by the number of logits (mean squared error).
    pub d2_per_logit: f64,
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
        d1: l1,
        d2: sq,
        d1_per_logit: l1 / n,
        d2_per_logit: sq / n,
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
        // D1 and D2 are the paper's sums; the per-logit means sit beside them.
        assert!((m.d1 - 1.5).abs() < 1e-12 && (m.d2 - 1.25).abs() < 1e-12);
        assert!((m.d1_per_logit - 1.5 / 4.0).abs() < 1e-12);
        assert!((m.d2_per_logit - 1.25 / 4.0).abs() < 1e-12);
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
