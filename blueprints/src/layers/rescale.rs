//! Rescale after a product, with round-to-nearest, optionally fused with ReLU.
//!
//! An accumulator `acc` at α² becomes `q = ⌊(acc + α/2)/α⌋` at α. With `S = 2^(N−1)` the
//! prover hints `q_s = q + S` and `r`, and the circuit checks
//! `acc + α/2 + α·S = α·q_s + r` with `r ∈ [0, 2^K)`. Without ReLU, `q_s ∈ [0, 2^N)` bounds
//! the quotient (so a wrapped quotient fails even when no ReLU follows). With ReLU the
//! prover also hints the selector `b` and the output `y`, the circuit checks `b ∈ {0,1}`,
//! `y = b·q` and `|q| = 2y − q ∈ [0, 2^(N−1))`, which bounds the quotient and makes `y`
//! exactly `max(q, 0)`.

use crate::quant::{check_headroom, quantize};
use crate::{BlueprintError, Result};
use circuits::compiler::{Builder, Label, Var};

/// The rescale epilogue of a conv or gemm.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rescale {
    /// Scale bits K.
    pub kappa: u32,
    /// Checked width N: |q| < 2^(N−1).
    pub n_bits: u32,
    /// Fused ReLU.
    pub relu: bool,
}

impl Rescale {
    /// Integer semantics: pushes `q_s, r` (and `b, y` with ReLU); returns the output.
    /// Output `element` of `layer` out of range is an error naming both.
    pub fn int(&self, acc: i64, hints: &mut Vec<i64>, layer: &str, element: usize) -> Result<i64> {
        let alpha = 1i128 << self.kappa;
        let s = 1i128 << (self.n_bits - 1);
        let shifted = i128::from(acc) + alpha / 2 + alpha * s;
        let (qs, r) = (shifted.div_euclid(alpha), shifted.rem_euclid(alpha));
        let q = qs - s;
        if q.abs() >= s {
            return Err(BlueprintError::OutOfBound {
                layer: layer.to_string(),
                element,
                value: q as i64,
                bound: (s - 1) as i64,
            });
        }
        hints.push(qs as i64);
        hints.push(r as i64);
        if !self.relu {
            return Ok(q as i64);
        }
        let bit = i64::from(q >= 0);
        let y = bit * q as i64;
        hints.push(bit);
        hints.push(y);
        Ok(y)
    }

    /// Emits the checks; returns the output variable.
    pub fn emit(&self, b: &mut Builder, acc: Var, label: Label) -> Var {
        let alpha = 1i64 << self.kappa;
        let s = 1i64 << (self.n_bits - 1);
        let qs = b.hint();
        let r = b.hint();
        let c = b.lin(&[(1, acc), (-alpha, qs), (-1, r)], alpha / 2 + alpha * s);
        b.assert_zero(c, label);
        b.range_check(r, self.kappa, label);
        let q = b.lin(&[(1, qs)], -s);
        if !self.relu {
            b.range_check(qs, self.n_bits, label);
            return q;
        }
        let bit = b.hint();
        let y = b.hint();
        b.assert_bool(bit, label);
        // y is a hint tied to b·q: the next layer's products then read input-layer values,
        // and no weight is relayed to meet a computed activation.
        let bq = b.mul(bit, q);
        b.assert_equal(y, bq, label);
        let t = b.lin(&[(2, y), (-1, q)], 0);
        b.range_check(t, self.n_bits - 1, label);
        y
    }
}

/// Division by a positive integer constant `d` with round-to-nearest, proven:
/// `x + ⌊d/2⌋ + d·S = d·q_s + r` with `r` and `d − 1 − r` both in `[0, 2^bits(d−1))`
/// (so `0 ≤ r < d` exactly) and `q_s ∈ [0, 2^N)`; the output is `q_s − S`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Divide {
    /// Checked width N of the quotient: |q| < 2^(N−1).
    pub n_bits: u32,
}

impl Divide {
    /// A divider for quotients bounded by `bound`.
    pub fn for_bound(bound: i64) -> Divide {
        Divide {
            n_bits: super::bits_for(bound) + 1,
        }
    }

    /// Integer semantics: pushes `q_s, r` (none when `d = 1`).
    pub fn int(&self, x: i64, d: i64, hints: &mut Vec<i64>, layer: &str) -> Result<i64> {
        if d == 1 {
            return Ok(x);
        }
        let s = 1i128 << (self.n_bits - 1);
        let (d128, x128) = (i128::from(d), i128::from(x));
        let shifted = x128 + d128 / 2 + d128 * s;
        let (qs, r) = (shifted.div_euclid(d128), shifted.rem_euclid(d128));
        let q = qs - s;
        if q.abs() >= s || qs < 0 {
            return Err(BlueprintError::Bound {
                layer: layer.to_string(),
                value: q as i64,
                bound: (s - 1) as i64,
            });
        }
        hints.push(qs as i64);
        hints.push(r as i64);
        Ok(q as i64)
    }

    /// Emits the checks for `x / d`; returns the quotient.
    pub fn emit(&self, b: &mut Builder, x: Var, d: i64, label: Label) -> Var {
        if d == 1 {
            return x;
        }
        let s = 1i64 << (self.n_bits - 1);
        let qs = b.hint();
        let r = b.hint();
        let c = b.lin(&[(1, x), (-d, qs), (-1, r)], d / 2 + d * s);
        b.assert_zero(c, label);
        let rb = super::bits_for(d - 1);
        b.range_check(r, rb, label);
        if d & (d - 1) != 0 {
            // d not a power of two: r < 2^rb does not give r < d; check d − 1 − r too.
            let top = b.lin(&[(-1, r)], d - 1);
            b.range_check(top, rb, label);
        }
        b.range_check(qs, self.n_bits, label);
        b.lin(&[(1, qs)], -s)
    }
}

/// The quantized parameters of a linear layer (conv or gemm): rows of weights at α, one
/// bias per row at α², and the rescale sized from the accumulator bound.
#[derive(Clone, Debug)]
pub(crate) struct LinearParams {
    /// Float weights (reference).
    pub w_f: Vec<f64>,
    /// Float biases (reference).
    pub b_f: Vec<f64>,
    /// Weights at α, then biases at α², in emission order.
    pub params: Vec<i64>,
    /// The epilogue.
    pub rescale: Rescale,
    /// Bound on |output| at α.
    pub out_bound: i64,
}

impl LinearParams {
    /// Quantizes `w` (rows of `row_len`) and `b` (one per row) for inputs bounded by
    /// `in_bound`: the accumulator bound is the largest row L1 norm times the input bound,
    /// plus that row's |bias|.
    /// When `b` does not have one value per row, every row is bounded with the largest
    /// |bias|. `cap` is a calibrated output bound that narrows the checks.
    #[allow(
        clippy::too_many_arguments,
        reason = "the quantization inputs of one layer"
    )]
    pub fn new(
        name: &str,
        w: &[f64],
        b: &[f64],
        row_len: usize,
        kappa: u32,
        in_bound: i64,
        relu: bool,
        cap: Option<i64>,
    ) -> Result<LinearParams> {
        let wq: Vec<i64> = w
            .iter()
            .map(|&v| quantize(v, kappa))
            .collect::<Result<_>>()?;
        let bq: Vec<i64> = b
            .iter()
            .map(|&v| quantize(v, 2 * kappa))
            .collect::<Result<_>>()?;
        let rows = wq.len().checked_div(row_len).unwrap_or(0);
        let max_b = bq.iter().map(|v| i128::from(*v).abs()).max().unwrap_or(0);
        let acc_bound = (0..rows)
            .map(|r| {
                let bias = if bq.len() == rows {
                    i128::from(bq[r]).abs()
                } else {
                    max_b
                };
                wq[r * row_len..(r + 1) * row_len]
                    .iter()
                    .map(|&x| i128::from(x).abs())
                    .sum::<i128>()
                    * i128::from(in_bound)
                    + bias
            })
            .max()
            .unwrap_or(max_b);
        let (mut out_bound, mut n_bits) = check_headroom(name, acc_bound, kappa)?;
        if let Some(c) = cap {
            let nb = super::bits_for(c.max(1)) + 1;
            if nb < n_bits {
                n_bits = nb;
                out_bound = (1i64 << (nb - 1)) - 1;
            }
        }
        Ok(LinearParams {
            w_f: w.to_vec(),
            b_f: b.to_vec(),
            params: wq.into_iter().chain(bq).collect(),
            rescale: Rescale {
                kappa,
                n_bits,
                relu,
            },
            out_bound,
        })
    }
}
