//! Gemm (`y = x·Wᵀ + b`, alpha = beta = 1, transposes normalised at import) with its
//! rescale epilogue: one degree-2 step per output, then the rescale (fused with ReLU when
//! one follows).

use super::{Blueprint, LinearParams};
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
    lin: LinearParams,
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
        let lin = LinearParams::new(name, w, b, n_in, kappa, in_bound, relu)?;
        Ok(Gemm {
            name: name.to_string(),
            n_in,
            n_out,
            lin,
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
        self.lin.out_bound
    }
    fn weights(&self) -> &[i64] {
        &self.lin.params
    }
    fn float(&self, x: &[&[f64]]) -> Vec<f64> {
        (0..self.n_out)
            .map(|o| {
                let v = self.lin.b_f[o]
                    + (0..self.n_in)
                        .map(|i| x[0][i] * self.lin.w_f[o * self.n_in + i])
                        .sum::<f64>();
                if self.lin.rescale.relu { v.max(0.0) } else { v }
            })
            .collect()
    }
    fn int(&self, x: &[&[i64]], hints: &mut Vec<i64>) -> Result<Vec<i64>> {
        let nw = self.n_in * self.n_out;
        (0..self.n_out)
            .map(|o| {
                let acc = i128::from(self.lin.params[nw + o])
                    + (0..self.n_in)
                        .map(|i| {
                            i128::from(x[0][i]) * i128::from(self.lin.params[o * self.n_in + i])
                        })
                        .sum::<i128>();
                self.lin.rescale.int(acc as i64, hints, &self.name)
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
                self.lin
                    .rescale
                    .emit(b, acc, Label::new("gemm", layer, o as u32))
            })
            .collect()
    }
}
