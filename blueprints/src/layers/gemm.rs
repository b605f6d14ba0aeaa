//! Gemm (`Y = alpha·A'·B' + beta·C`, A' = A or Aᵀ, B' = B or Bᵀ, B and C constant) with
//! its rescale epilogue: the accumulators as one structured matrix-product block
//! (`Builder::matmul`; [`Gemm::with_gates`] keeps one degree-2 step per output), then the
//! rescale (fused with ReLU
//! when one follows, BatchNormalization folded when it is the sole consumer). alpha and
//! beta are folded into the float weights and bias before quantizing. The same layer
//! serves MatMul with a constant right operand (see `matmul.rs`).

use super::{Blueprint, Built, Cx, LinearParams, Op, batchnorm, broadcast_index};
use crate::{BlueprintError, Result};
use circuits::compiler::{Builder, Label, Var};

/// A quantized fully connected layer over `rows` rows of the input.
#[derive(Clone, Debug)]
pub struct Gemm {
    /// Node name.
    pub name: String,
    /// Inputs per row (K).
    pub n_in: usize,
    /// Outputs per row (N).
    pub n_out: usize,
    /// Rows (M, times any leading batch dimensions for MatMul).
    pub rows: usize,
    /// Input index of `(row, k)`: `row·row_stride + k·k_stride`.
    strides: (usize, usize),
    /// Bias index of output `(row, o)`, into the biases.
    bias_index: Vec<usize>,
    kind: &'static str,
    lin: LinearParams,
    /// Whether the accumulators are a structured block (the default) or gates.
    structured: bool,
}

impl Gemm {
    /// Quantizes `W` (`[n_out, n_in]`, row-major) and `b` (`[n_out]`) for one row read
    /// contiguously (the LeNet case).
    pub fn new(
        name: &str,
        (n_in, n_out): (usize, usize),
        w: &[f64],
        b: &[f64],
        kappa: u32,
        in_bound: i64,
        relu: bool,
    ) -> Result<Gemm> {
        let spec = GemmSpec {
            rows: 1,
            strides: (n_in, 1),
            bias_index: (0..n_out).collect(),
            kind: "gemm",
        };
        Gemm::general(name, (n_in, n_out), w, b, kappa, in_bound, relu, None, spec)
    }

    #[allow(
        clippy::too_many_arguments,
        reason = "the quantization inputs of one layer"
    )]
    pub(crate) fn general(
        name: &str,
        (n_in, n_out): (usize, usize),
        w: &[f64],
        b: &[f64],
        kappa: u32,
        in_bound: i64,
        relu: bool,
        cap: Option<i64>,
        spec: GemmSpec,
    ) -> Result<Gemm> {
        if w.len() != n_in * n_out
            || spec.bias_index.len() != spec.rows * n_out
            || spec.bias_index.iter().any(|&i| i >= b.len().max(1))
        {
            return Err(BlueprintError::Shape {
                what: format!("gemm '{name}'"),
                reason: format!(
                    "expected {}x{} weights and a bias for {} outputs, got {} and {}",
                    n_out,
                    n_in,
                    spec.rows * n_out,
                    w.len(),
                    b.len()
                ),
            });
        }
        let b = if b.is_empty() { vec![0.0] } else { b.to_vec() };
        let mut lin = LinearParams::new(name, w, &b, n_in, kappa, in_bound, relu, cap)?;
        // LinearParams bounds row o with bias o; when outputs read biases otherwise
        // (a C of shape [M, 1] or [M, N]), bound every row with the largest |bias|.
        let paired = b.len() == n_out
            && spec
                .bias_index
                .iter()
                .enumerate()
                .all(|(e, &i)| i == e % n_out.max(1));
        if !paired {
            let mx = b.iter().fold(0.0f64, |a, v| a.max(v.abs()));
            let wide = LinearParams::new(name, w, &[mx], n_in, kappa, in_bound, relu, cap)?;
            lin.rescale = wide.rescale;
            lin.out_bound = wide.out_bound;
        }
        Ok(Gemm {
            name: name.to_string(),
            n_in,
            n_out,
            rows: spec.rows,
            strides: spec.strides,
            bias_index: spec.bias_index,
            kind: spec.kind,
            lin,
            structured: true,
        })
    }

    fn x_index(&self, row: usize, k: usize) -> usize {
        row * self.strides.0 + k * self.strides.1
    }
}

/// How a Gemm reads its input and biases.
pub(crate) struct GemmSpec {
    pub rows: usize,
    pub strides: (usize, usize),
    pub bias_index: Vec<usize>,
    pub kind: &'static str,
}

impl Blueprint for Gemm {
    fn kind(&self) -> &'static str {
        self.kind
    }
    fn out_len(&self) -> usize {
        self.rows * self.n_out
    }
    fn out_bound(&self) -> i64 {
        self.lin.out_bound
    }
    fn weights(&self) -> &[i64] {
        &self.lin.params
    }
    fn macs(&self) -> u64 {
        (self.rows as u64)
            .saturating_mul(self.n_out as u64)
            .saturating_mul(self.n_in as u64)
    }
    fn float(&self, x: &[&[f64]]) -> Vec<f64> {
        (0..self.rows * self.n_out)
            .map(|e| {
                let (row, o) = (e / self.n_out, e % self.n_out);
                let v = self.lin.b_f[self.bias_index[e]]
                    + (0..self.n_in)
                        .map(|i| x[0][self.x_index(row, i)] * self.lin.w_f[o * self.n_in + i])
                        .sum::<f64>();
                if self.lin.rescale.relu { v.max(0.0) } else { v }
            })
            .collect()
    }
    fn int(&self, x: &[&[i64]], hints: &mut Vec<i64>) -> Result<Vec<i64>> {
        let nw = self.n_in * self.n_out;
        (0..self.rows * self.n_out)
            .map(|e| {
                let (row, o) = (e / self.n_out, e % self.n_out);
                let acc = i128::from(self.lin.params[nw + self.bias_index[e]])
                    + (0..self.n_in)
                        .map(|i| {
                            i128::from(x[0][self.x_index(row, i)])
                                * i128::from(self.lin.params[o * self.n_in + i])
                        })
                        .sum::<i128>();
                self.lin.rescale.int(acc as i64, hints, &self.name, e)
            })
            .collect()
    }
    fn emit(&self, b: &mut Builder, x: &[&[Var]], w: &[Var], layer: u32) -> Result<Vec<Var>> {
        let accs = if self.structured && !b.prefers_gates() {
            self.emit_block(b, x[0], w)?
        } else {
            self.emit_gates(b, x[0], w)
        };
        Ok(accs
            .into_iter()
            .enumerate()
            .map(|(e, acc)| {
                self.lin
                    .rescale
                    .emit(b, acc, Label::new(self.kind, layer, e as u32))
            })
            .collect())
    }
}

impl Gemm {
    /// Proves the accumulators with per-MAC gates instead of a structured block.
    #[must_use]
    pub fn with_gates(mut self) -> Gemm {
        self.structured = false;
        self
    }

    /// Whether output `e` reads bias `e mod n_out` (a bias per output column), so the
    /// bias goes into the block.
    fn paired(&self) -> bool {
        self.lin.b_f.len() == self.n_out
            && (self.bias_index.iter().enumerate()).all(|(e, &i)| i == e % self.n_out.max(1))
    }

    /// The accumulators as one matrix-product block `Y = W·X (+ b)`: `X` is the input
    /// read as `[K, 1, rows]`, `W` the weights `[n_out, K]` in their ONNX order. A bias
    /// that is not one per output column is added after the block.
    fn emit_block(&self, b: &mut Builder, x: &[Var], w: &[Var]) -> Result<Vec<Var>> {
        let err = |source| BlueprintError::Structured {
            node: self.name.clone(),
            source,
        };
        let (k, rows, nw) = (self.n_in, self.rows, self.n_in * self.n_out);
        let xs: Vec<Var> = (0..k)
            .flat_map(|i| (0..rows).map(move |r| (r, i)))
            .map(|(r, i)| x[self.x_index(r, i)])
            .collect();
        let u = |v: usize| v as u32;
        let xt = b.tensor(&xs, [u(k), 1, u(rows)]).map_err(err)?;
        let wt = b.tensor(&w[..nw], [u(self.n_out), u(k), 1]).map_err(err)?;
        let paired = self.paired();
        let bias = if paired {
            let t = b.tensor(&w[nw..nw + self.n_out], [u(self.n_out), 1, 1]);
            Some(t.map_err(err)?)
        } else {
            None
        };
        let ys = b.matmul(&xt, &wt, bias.as_ref()).map_err(err)?;
        // The block's outputs are `(o, row)`; ours are `(row, o)`.
        Ok((0..rows * self.n_out)
            .map(|e| {
                let (r, o) = (e / self.n_out, e % self.n_out);
                let y = ys[o * rows + r];
                if paired {
                    y
                } else {
                    b.lin(&[(1, y), (1, w[nw + self.bias_index[e]])], 0)
                }
            })
            .collect())
    }

    /// The accumulators as degree-2 gate steps, one per output.
    fn emit_gates(&self, b: &mut Builder, x: &[Var], w: &[Var]) -> Vec<Var> {
        let nw = self.n_in * self.n_out;
        (0..self.rows * self.n_out)
            .map(|e| {
                let (row, o) = (e / self.n_out, e % self.n_out);
                let xs: Vec<Var> = (0..self.n_in).map(|i| x[self.x_index(row, i)]).collect();
                b.quad(
                    &xs,
                    &w[o * self.n_in..(o + 1) * self.n_in],
                    &[(1, w[nw + self.bias_index[e]])],
                    0,
                )
            })
            .collect()
    }
}

/// Folds a following BatchNormalization and fuses a following ReLU: scales the rows of
/// `w` (`[n_out, k]`) and rewrites `b` (`[n_out]`, expanded if needed) in place.
pub(crate) fn fuse_followers(
    cx: &mut Cx<'_>,
    w: &mut [f64],
    b: &mut Vec<f64>,
    bias_index: &mut Vec<usize>,
    n_out: usize,
    bn_channel_is_output: bool,
) -> Result<bool> {
    if bn_channel_is_output
        && let Some(bn) = cx.next_is("BatchNormalization")
        && let Some((mul, add)) = batchnorm::foldable(cx, bn, n_out)?
    {
        let k = w.len() / n_out.max(1);
        for (i, v) in w.iter_mut().enumerate() {
            *v *= mul[i / k.max(1)];
        }
        // Biases become per output column.
        let nb: Vec<f64> = bias_index
            .iter()
            .enumerate()
            .map(|(e, &bi)| b.get(bi).copied().unwrap_or(0.0) * mul[e % n_out] + add[e % n_out])
            .collect();
        *bias_index = (0..nb.len()).collect();
        *b = nb;
        cx.absorbed += 1;
    }
    let relu = cx.next_is("Relu").is_some();
    if relu {
        cx.absorbed += 1;
    }
    Ok(relu)
}

/// ONNX `Gemm`.
pub struct GemmOp;

impl Op for GemmOp {
    fn name(&self) -> &'static str {
        "Gemm"
    }
    fn attributes(&self) -> &'static [&'static str] {
        &["alpha", "beta", "transA", "transB"]
    }
    fn build(&self, cx: &mut Cx<'_>) -> Result<Built> {
        let (ad, ab) = cx.act(0)?;
        let bt = cx.constant(1, "B")?;
        let c = cx.opt_constant(2, "C")?;
        let (trans_a, trans_b) = (cx.int("transA", 0) != 0, cx.int("transB", 0) != 0);
        let (alpha, beta) = (
            f64::from(cx.float("alpha", 1.0)),
            f64::from(cx.float("beta", 1.0)),
        );
        let ([a0, a1], [b0, b1]) = (ad, &bt.dims[..]) else {
            return Err(cx.shape_err(format!("A and B must be 2-D, got {ad:?} and {:?}", bt.dims)));
        };
        let ((m, k), strides) = if trans_a {
            ((*a1, *a0), (1, *a1))
        } else {
            ((*a0, *a1), (*a1, 1))
        };
        let (kb, n) = if trans_b { (*b1, *b0) } else { (*b0, *b1) };
        if kb != k {
            return Err(cx.shape_err(format!("A is {m}x{k}, B' needs {kb} rows")));
        }
        // Weights as rows [n, k], alpha folded in.
        let mut w: Vec<f64> = (0..n)
            .flat_map(|o| (0..k).map(move |i| (o, i)))
            .map(|(o, i)| {
                alpha
                    * if trans_b {
                        bt.data[o * k + i]
                    } else {
                        bt.data[i * n + o]
                    }
            })
            .collect();
        let (mut b, mut bias_index) = match c {
            None => (vec![0.0], vec![0; m * n]),
            Some(t) => {
                if super::broadcast(&t.dims, &[m, n]).as_deref() != Some(&[m, n][..]) {
                    return Err(
                        cx.shape_err(format!("C {:?} does not broadcast to [{m}, {n}]", t.dims))
                    );
                }
                (
                    t.data.iter().map(|v| v * beta).collect(),
                    broadcast_index(&t.dims, &[m, n]),
                )
            }
        };
        // The LeNet layout (one bias per column, rows read in order) keeps its exact
        // bias vector so its circuits do not change.
        if m == 1 && bias_index == (0..n).collect::<Vec<_>>() {
            bias_index = (0..n).collect();
        } else if b.len() == 1 && m == 1 {
            b = vec![b[0]; n];
            bias_index = (0..n).collect();
        }
        let relu = fuse_followers(cx, &mut w, &mut b, &mut bias_index, n, true)?;
        let spec = GemmSpec {
            rows: m,
            strides,
            bias_index,
            kind: "gemm",
        };
        let g = Gemm::general(
            &cx.node.name,
            (k, n),
            &w,
            &b,
            cx.kappa,
            ab,
            relu,
            cx.cap(),
            spec,
        )?;
        Ok(Built::one(vec![0], Box::new(g), vec![m, n]))
    }
}
