//! Structured operations in a program: a convolution or a matrix product over tensors,
//! recorded as one operation whose outputs are values like any other. The compiler lays
//! each one out as a block of its layer ([`crate::Block`]); no multiply-accumulate becomes
//! a gate, and the solver computes the outputs directly.

use super::tensor::Tensor;
use super::{Builder, CompileError, Node, Var};
use crate::RegionKind;
use crate::eval::Residue;
use crate::structured::{Conv2dOp, ConvSpec, MatMulOp, StructuredOp, TensorRef, WeightRef};

/// One recorded operation: its shape (offsets relative to its own tensors) and the tensors
/// it reads.
#[derive(Clone, Debug)]
pub(crate) struct OpDecl {
    /// The operation with every offset 0 and the bias (if any) right after the weights:
    /// the layout [`OpDecl::evaluate`] uses. The compiler rewrites the offsets.
    pub op: StructuredOp,
    /// Operand tensor id.
    pub input: u32,
    /// Weight tensor id (the slab stack, or the matrix).
    pub weights: u32,
    /// Bias tensor id.
    pub bias: Option<u32>,
    /// Number of outputs.
    pub outputs: u32,
    /// The operand's padding slots, when this op is the first to read a private operand
    /// tensor: `(slot relative to the tensor, hint)`, each hint constrained to zero
    /// ([`Builder::zero_padding`]). Empty otherwise.
    pub pads: Vec<(u32, Var)>,
}

impl OpDecl {
    /// Outputs (unpadded `(c, y, x)` order) from the values of its tensors' elements.
    pub fn evaluate(
        &self,
        tensors: &[Tensor],
        val: impl Fn(Var) -> Option<Residue>,
    ) -> Option<Vec<Residue>> {
        let x = &tensors[self.input as usize];
        let w = &tensors[self.weights as usize];
        let mut operand = vec![Residue::ZERO; x.unit() as usize];
        scatter(x, &val, &mut operand, 0)?;
        let wlen = (w.stack * w.unit()) as usize;
        let blen = self.bias.map_or(0, |b| tensors[b as usize].unit() as usize);
        let mut weights = vec![Residue::ZERO; wlen + blen];
        scatter(w, &val, &mut weights, 0)?;
        if let Some(b) = self.bias {
            scatter(&tensors[b as usize], &val, &mut weights, wlen)?;
        }
        let y = self.op.evaluate(&operand, &weights)?;
        let out = TensorRef {
            offset: 0,
            dims: self.op.out_dims()?,
        };
        let [c, h, wd] = out.dims;
        let mut res = Vec::with_capacity(self.outputs as usize);
        for ci in 0..c {
            for yi in 0..h {
                for xi in 0..wd {
                    res.push(*y.get(out.index(ci, yi, xi)? as usize)?);
                }
            }
        }
        Some(res)
    }
}

/// Writes a tensor's element values at their padded positions from `base`.
fn scatter(
    t: &Tensor,
    val: &impl Fn(Var) -> Option<Residue>,
    out: &mut [Residue],
    base: usize,
) -> Option<()> {
    let [c, h, w] = t.dims;
    let mut k = 0;
    for s in 0..t.stack {
        for ci in 0..c {
            for y in 0..h {
                for x in 0..w {
                    *out.get_mut(base + t.local(s, ci, y, x) as usize)? = val(t.vars[k])?;
                    k += 1;
                }
            }
        }
    }
    Some(())
}

fn op_err(what: &'static str, reason: String) -> CompileError {
    CompileError::Operation { what, reason }
}

impl Builder {
    /// `Y = conv(x, W) + b` as one structured operation, `W` a stack of `KH·KW` slabs
    /// (tap `ki·KW + kj`), each `[cout, cin, 1]` (depthwise `[cout, 1, 1]`), the bias a
    /// `[cout, 1, 1]` tensor. Returns the outputs in `(co, oy, ox)` order.
    pub fn conv2d(
        &mut self,
        x: &Tensor,
        slabs: &Tensor,
        bias: Option<&Tensor>,
        cout: u32,
        spec: ConvSpec,
    ) -> Result<Vec<Var>, CompileError> {
        let cin = x.dims[0];
        let op = Conv2dOp {
            input: TensorRef {
                offset: 0,
                dims: x.dims,
            },
            cout,
            spec,
            slabs: 0,
            bias: None,
        };
        let taps = op
            .taps()
            .ok_or_else(|| op_err("conv2d", format!("kernel {:?}", spec.kernel)))?;
        let want = if spec.depthwise {
            [cout, 1, 1]
        } else {
            [cout, cin, 1]
        };
        if spec.depthwise && cin != cout {
            return Err(op_err(
                "conv2d",
                format!("depthwise needs cin = cout, got {cin} and {cout}"),
            ));
        }
        if slabs.stack != taps || slabs.dims != want {
            return Err(op_err(
                "conv2d",
                format!(
                    "weights must be {taps} slabs of {want:?}, got {} of {:?}",
                    slabs.stack, slabs.dims
                ),
            ));
        }
        if op.out_dims().is_none() {
            return Err(op_err(
                "conv2d",
                format!("{spec:?} leaves no output for input {:?}", x.dims),
            ));
        }
        let bias_at = slabs.stack * slabs.unit();
        let op = Conv2dOp {
            bias: bias.map(|_| bias_at),
            ..op
        };
        self.record(StructuredOp::Conv2d(op), x, slabs, bias, cout)
    }

    /// `Y = W·X + b` as one structured operation: `x` is `[K, 1, J]`, `w` is `[I, K, 1]`,
    /// the bias `[I, 1, 1]`. Returns the outputs in `(i, 0, j)` order.
    pub fn matmul(
        &mut self,
        x: &Tensor,
        w: &Tensor,
        bias: Option<&Tensor>,
    ) -> Result<Vec<Var>, CompileError> {
        let [k, one, _] = x.dims;
        let [rows, cols, unit] = w.dims;
        if one != 1 || unit != 1 || cols != k || w.stack != 1 {
            return Err(op_err(
                "matmul",
                format!(
                    "operand must be [K, 1, J] and weights [I, K, 1], got {:?} and {:?}",
                    x.dims, w.dims
                ),
            ));
        }
        let op = MatMulOp {
            input: TensorRef {
                offset: 0,
                dims: x.dims,
            },
            weight: WeightRef {
                offset: 0,
                rows,
                cols,
            },
            bias: bias.map(|_| w.unit()),
        };
        self.record(StructuredOp::MatMul(op), x, w, bias, rows)
    }

    fn record(
        &mut self,
        op: StructuredOp,
        x: &Tensor,
        w: &Tensor,
        bias: Option<&Tensor>,
        channels: u32,
    ) -> Result<Vec<Var>, CompileError> {
        let what = match op {
            StructuredOp::Conv2d(_) => "conv2d",
            StructuredOp::MatMul(_) => "matmul",
        };
        if x.stack != 1 || x.region == RegionKind::Weights {
            return Err(op_err(
                what,
                "the operand must be one activation tensor".into(),
            ));
        }
        if w.region != RegionKind::Weights {
            return Err(op_err(what, "the weights must be a weights tensor".into()));
        }
        if let Some(b) = bias
            && (b.region != RegionKind::Weights || b.stack != 1 || b.dims != [channels, 1, 1])
        {
            return Err(op_err(
                what,
                format!("the bias must be a [{channels}, 1, 1] weights tensor"),
            ));
        }
        let n = op
            .out_dims()
            .map(|d| d.iter().map(|&v| u64::from(v)).product::<u64>())
            .filter(|&n| n > 0 && n < 1 << 30)
            .ok_or_else(|| op_err(what, "output size out of range".into()))?;
        // The block reads the operand's whole padded subcube (its meaning, see
        // `crate::structured`): a private operand's padding is prover-chosen, so it is
        // constrained to zero, once per tensor. A public operand's padding is zero by the
        // statement (checked at compile time).
        let first_read = !self
            .ops
            .iter()
            .any(|o| o.input == x.id && !o.pads.is_empty());
        let pads = if x.region == RegionKind::Private && first_read {
            self.zero_padding(x)
        } else {
            Vec::new()
        };
        let id = self.ops.len() as u32;
        let outs: Vec<Var> = (0..n as u32)
            .map(|index| self.push(Node::Structured { op: id, index }))
            .collect();
        self.ops.push(OpDecl {
            op,
            input: x.id,
            weights: w.id,
            bias: bias.map(|b| b.id),
            outputs: n as u32,
            pads,
        });
        Ok(outs)
    }
}
