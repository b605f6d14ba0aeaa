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
    pub fn int(&self, acc: i64, hints: &mut Vec<i64>, layer: &str) -> Result<i64> {
        let alpha = 1i128 << self.kappa;
        let s = 1i128 << (self.n_bits - 1);
        let shifted = i128::from(acc) + alpha / 2 + alpha * s;
        let (qs, r) = (shifted.div_euclid(alpha), shifted.rem_euclid(alpha));
        let q = qs - s;
        if q.abs() >= s {
            return Err(BlueprintError::Bound {
                layer: layer.to_string(),
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
    pub fn new(
        name: &str,
        w: &[f32],
        b: &[f32],
        row_len: usize,
        kappa: u32,
        in_bound: i64,
        relu: bool,
    ) -> Result<LinearParams> {
        let wq: Vec<i64> = w
            .iter()
            .map(|&v| quantize(f64::from(v), kappa))
            .collect::<Result<_>>()?;
        let bq: Vec<i64> = b
            .iter()
            .map(|&v| quantize(f64::from(v), 2 * kappa))
            .collect::<Result<_>>()?;
        let acc_bound = bq
            .iter()
            .enumerate()
            .map(|(r, &bias)| {
                wq[r * row_len..(r + 1) * row_len]
                    .iter()
                    .map(|&x| i128::from(x).abs())
                    .sum::<i128>()
                    * i128::from(in_bound)
                    + i128::from(bias).abs()
            })
            .max()
            .unwrap_or(0);
        let (out_bound, n_bits) = check_headroom(name, acc_bound, kappa)?;
        Ok(LinearParams {
            w_f: w.iter().map(|&v| f64::from(v)).collect(),
            b_f: b.iter().map(|&v| f64::from(v)).collect(),
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
