//! Gemm (`y = x·Wᵀ + b`, alpha = beta = 1, transposes normalised at import) with its
//! rescale epilogue: one degree-2 step per output, then the rescale (fused with ReLU when
//! one follows).

use super::{Blueprint, Rescale};
use crate::quant::{check_headroom, quantize};
use crate::{BlueprintError, Result};
use circuits::compiler::{Builder, Label, Var};

/// A quantized fully connected layer.
#[derive(Clone, Debug)]
pub struct Gemm {
    /// Node name.
    pub name: String,
    /// Inputs.
    pub n_in: usize,
    /// Outputs.
    pub n_out: usize,
    w_f: Vec<f64>,
    b_f: Vec<f64>,
    params: Vec<i64>,
    /// The epilogue.
    pub rescale: Rescale,
    out_bound: i64,
}

impl Gemm {
    /// Quantizes `W` (`[n_out, n_in]`, row-major) and `b` (`[n_out]`).
    pub fn new(
        name: &str,
        (n_in, n_out): (usize, usize),
        w: &[f32],
        b: &[f32],
        kappa: u32,
        in_bound: i64,
        relu: bool,
    ) -> Result<Gemm> {
        if w.len() != n_in * n_out || b.len() != n_out {
            return Err(BlueprintError::Shape {
                what: format!("gemm '{name}'"),
                reason: format!(
                    "expected {}x{} weights and {n_out} biases, got {} and {}",
                    n_out,
                    n_in,
                    w.len(),
                    b.len()
                ),
            });
        }
        let wq: Vec<i64> = w
            .iter()
            .map(|&v| quantize(f64::from(v), kappa))
            .collect::<Result<_>>()?;
        let bq: Vec<i64> = b
            .iter()
            .map(|&v| quantize(f64::from(v), 2 * kappa))
            .collect::<Result<_>>()?;
        let acc_bound = (0..n_out)
            .map(|o| {
                wq[o * n_in..(o + 1) * n_in]
                    .iter()
                    .map(|&x| i128::from(x).abs())
                    .sum::<i128>()
                    * i128::from(in_bound)
                    + i128::from(bq[o]).abs()
            })
            .max()
            .unwrap_or(0);
        let (q_bound, n_bits) = check_headroom(name, acc_bound, kappa)?;
        Ok(Gemm {
            name: name.to_string(),
            n_in,
            n_out,
            w_f: w.iter().map(|&v| f64::from(v)).collect(),
            b_f: b.iter().map(|&v| f64::from(v)).collect(),
            params: wq.into_iter().chain(bq).collect(),
            rescale: Rescale {
                kappa,
                n_bits,
                relu,
            },
            out_bound: q_bound,
        })
    }
}

impl Blueprint for Gemm {
    fn kind(&self) -> &'static str {
        "gemm"
    }
    fn out_len(&self) -> usize {
        self.n_out
    }
    fn out_bound(&self) -> i64 {
        self.out_bound
    }
    fn weights(&self) -> &[i64] {
        &self.params
    }
    fn float(&self, x: &[&[f64]]) -> Vec<f64> {
        (0..self.n_out)
            .map(|o| {
                let v = self.b_f[o]
                    + (0..self.n_in)
                        .map(|i| x[0][i] * self.w_f[o * self.n_in + i])
                        .sum::<f64>();
                if self.rescale.relu { v.max(0.0) } else { v }
            })
            .collect()
    }
    fn int(&self, x: &[&[i64]], hints: &mut Vec<i64>) -> Result<Vec<i64>> {
        let nw = self.n_in * self.n_out;
        (0..self.n_out)
            .map(|o| {
                let acc = i128::from(self.params[nw + o])
                    + (0..self.n_in)
                        .map(|i| i128::from(x[0][i]) * i128::from(self.params[o * self.n_in + i]))
                        .sum::<i128>();
                self.rescale.int(acc as i64, hints, &self.name)
            })
            .collect()
    }
    fn emit(&self, b: &mut Builder, x: &[&[Var]], w: &[Var], layer: u32) -> Vec<Var> {
        let nw = self.n_in * self.n_out;
        (0..self.n_out)
            .map(|o| {
                let acc = b.quad(
                    x[0],
                    &w[o * self.n_in..(o + 1) * self.n_in],
                    &[(1, w[nw + o])],
                    0,
                );
                self.rescale
                    .emit(b, acc, Label::new("gemm", layer, o as u32))
            })
            .collect()
    }
}
