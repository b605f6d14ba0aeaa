//! Mul with numpy broadcasting. By a constant: the per-element affine layer
//! `y = rescale(x·m + a)` (m at α, a at α², round to nearest, proven), which also serves
//! BatchNormalization and Div by a non-integer constant. Of two activations: the product
//! at α², rescaled to α.

use super::{Blueprint, Built, Cx, LinearParams, Op, Operand, Rescale, broadcast, broadcast_index};
use crate::quant::check_headroom;
use crate::{BlueprintError, Result};
use circuits::compiler::{Builder, Label, Var};

/// `y_e = rescale(x[xi_e]·m[mi_e] + a[ai_e])`, optionally fused with ReLU.
#[derive(Clone, Debug)]
pub struct Affine {
    name: String,
    kind: &'static str,
    xi: Vec<usize>,
    mi: Vec<usize>,
    ai: Vec<usize>,
    nm: usize,
    lin: LinearParams,
}

impl Affine {
    /// Multipliers `m` and offsets `a` (floats), each read through its index per output
    /// element; the activation is read elementwise.
    #[allow(
        clippy::too_many_arguments,
        reason = "the quantization inputs of one layer"
    )]
    pub fn new(
        name: &str,
        kind: &'static str,
        (m, mi): (&[f64], &[usize]),
        (a, ai): (&[f64], &[usize]),
        kappa: u32,
        in_bound: i64,
        relu: bool,
        cap: Option<i64>,
    ) -> Result<Affine> {
        if mi.len() != ai.len()
            || mi.iter().any(|&i| i >= m.len())
            || ai.iter().any(|&i| i >= a.len())
        {
            return Err(BlueprintError::Shape {
                what: format!("{kind} '{name}'"),
                reason: "parameter indices out of range".into(),
            });
        }
        // LinearParams pairs multiplier r with offset r; otherwise bound with the largest.
        let a_bound: Vec<f64> = if a.len() == m.len() && mi == ai {
            a.to_vec()
        } else {
            let mx = a.iter().fold(0.0f64, |x, v| x.max(v.abs()));
            vec![mx; m.len()]
        };
        let lin_b = LinearParams::new(name, m, &a_bound, 1, kappa, in_bound, relu, cap)?;
        let mut lin = LinearParams::new(name, m, a, 1, kappa, in_bound, relu, cap)?;
        lin.rescale = lin_b.rescale;
        lin.out_bound = lin_b.out_bound;
        Ok(Affine {
            name: name.to_string(),
            kind,
            xi: (0..mi.len()).collect(),
            mi: mi.to_vec(),
            ai: ai.to_vec(),
            nm: m.len(),
            lin,
        })
    }

    /// Reads the activation through `xi` (broadcasting) instead of elementwise.
    pub fn with_x_index(mut self, xi: Vec<usize>) -> Affine {
        self.xi = xi;
        self
    }
}

impl Blueprint for Affine {
    fn kind(&self) -> &'static str {
        self.kind
    }
    fn out_len(&self) -> usize {
        self.xi.len()
    }
    fn out_bound(&self) -> i64 {
        self.lin.out_bound
    }
    fn weights(&self) -> &[i64] {
        &self.lin.params
    }
    fn float(&self, x: &[&[f64]]) -> Vec<f64> {
        (0..self.xi.len())
            .map(|e| {
                let v = x[0][self.xi[e]] * self.lin.w_f[self.mi[e]] + self.lin.b_f[self.ai[e]];
                if self.lin.rescale.relu { v.max(0.0) } else { v }
            })
            .collect()
    }
    fn int(&self, x: &[&[i64]], hints: &mut Vec<i64>) -> Result<Vec<i64>> {
        (0..self.xi.len())
            .map(|e| {
                let acc = i128::from(x[0][self.xi[e]]) * i128::from(self.lin.params[self.mi[e]])
                    + i128::from(self.lin.params[self.nm + self.ai[e]]);
                self.lin.rescale.int(acc as i64, hints, &self.name, e)
            })
            .collect()
    }
    fn emit(&self, b: &mut Builder, x: &[&[Var]], w: &[Var], layer: u32) -> Result<Vec<Var>> {
        Ok({
            (0..self.xi.len())
                .map(|e| {
                    let acc = b.quad(
                        &[x[0][self.xi[e]]],
                        &[w[self.mi[e]]],
                        &[(1, w[self.nm + self.ai[e]])],
                        0,
                    );
                    self.lin
                        .rescale
                        .emit(b, acc, Label::new(self.kind, layer, e as u32))
                })
                .collect()
        })
    }
}

/// The product of two activations (broadcast), rescaled: `rescale(x·y)`.
#[derive(Clone, Debug)]
pub struct Product {
    name: String,
    xi: Vec<usize>,
    yi: Vec<usize>,
    rescale: Rescale,
    out_bound: i64,
}

impl Blueprint for Product {
    fn kind(&self) -> &'static str {
        "mul"
    }
    fn arity(&self) -> usize {
        2
    }
    fn out_len(&self) -> usize {
        self.xi.len()
    }
    fn out_bound(&self) -> i64 {
        self.out_bound
    }
    fn float(&self, x: &[&[f64]]) -> Vec<f64> {
        (0..self.xi.len())
            .map(|e| x[0][self.xi[e]] * x[1][self.yi[e]])
            .collect()
    }
    fn int(&self, x: &[&[i64]], hints: &mut Vec<i64>) -> Result<Vec<i64>> {
        (0..self.xi.len())
            .map(|e| {
                let acc = i128::from(x[0][self.xi[e]]) * i128::from(x[1][self.yi[e]]);
                self.rescale.int(acc as i64, hints, &self.name, e)
            })
            .collect()
    }
    fn emit(&self, b: &mut Builder, x: &[&[Var]], _w: &[Var], layer: u32) -> Result<Vec<Var>> {
        Ok({
            (0..self.xi.len())
                .map(|e| {
                    let acc = b.mul(x[0][self.xi[e]], x[1][self.yi[e]]);
                    self.rescale
                        .emit(b, acc, Label::new("mul", layer, e as u32))
                })
                .collect()
        })
    }
}

/// `x·c` for an activation `x` and a constant `c` (either order), numpy broadcasting.
pub(crate) fn by_constant(
    cx: &Cx<'_>,
    act: usize,
    c: &crate::onnx::Tensor,
    scale: impl Fn(f64) -> f64,
    kind: &'static str,
) -> Result<Built> {
    let (xd, xb) = cx.act(act)?;
    let out = broadcast(xd, &c.dims)
        .ok_or_else(|| cx.shape_err(format!("{xd:?} and {:?} do not broadcast", c.dims)))?;
    let m: Vec<f64> = c.data.iter().map(|&v| scale(v)).collect();
    let mi = broadcast_index(&c.dims, &out);
    let ai = vec![0; mi.len()];
    let a = Affine::new(
        &cx.node.name,
        kind,
        (&m, &mi),
        (&[0.0], &ai),
        cx.kappa,
        xb,
        false,
        cx.cap(),
    )?
    .with_x_index(broadcast_index(xd, &out));
    Ok(Built::one(vec![act], Box::new(a), out))
}

/// ONNX `Mul`.
pub struct MulOp;

impl Op for MulOp {
    fn name(&self) -> &'static str {
        "Mul"
    }
    fn attributes(&self) -> &'static [&'static str] {
        &[]
    }
    fn foldable(&self) -> bool {
        true
    }
    fn build(&self, cx: &mut Cx<'_>) -> Result<Built> {
        match (cx.operand(0), cx.operand(1)) {
            (Operand::Act { .. }, Operand::Const(c)) if !cx.folding => {
                by_constant(cx, 0, c, |v| v, "mul")
            }
            (Operand::Const(c), Operand::Act { .. }) => by_constant(cx, 1, c, |v| v, "mul"),
            _ => {
                let (xd, xb) = cx.act_or_const(0)?;
                let (yd, yb) = cx.act_or_const(1)?;
                let out = broadcast(xd, yd)
                    .ok_or_else(|| cx.shape_err(format!("{xd:?} and {yd:?} do not broadcast")))?;
                let acc = i128::from(xb) * i128::from(yb);
                let (mut out_bound, mut n_bits) = check_headroom(&cx.node.name, acc, cx.kappa)?;
                if let Some(c) = cx.cap() {
                    let nb = super::bits_for(c.max(1)) + 1;
                    if nb < n_bits {
                        n_bits = nb;
                        out_bound = (1i64 << (nb - 1)) - 1;
                    }
                }
                let p = Product {
                    name: cx.node.name.clone(),
                    xi: broadcast_index(xd, &out),
                    yi: broadcast_index(yd, &out),
                    rescale: Rescale {
                        kappa: cx.kappa,
                        n_bits,
                        relu: false,
                    },
                    out_bound,
                };
                Ok(Built::one(vec![0, 1], Box::new(p), out))
            }
        }
    }
}
