//! Relu, LeakyRelu and PRelu. ReLU (one not fused into a conv or gemm): selector and
//! output hinted, `b ∈ {0,1}`, `y = b·x`, and `|x| = 2y − x` range-checked, so a
//! dishonest selector makes the checked value negative and fails (two-sided range
//! checks). Leaky/PReLU add the negative part `x − y` times the slope (at α), rescaled:
//! `y + rescale((x − y)·a)`.

use super::{Blueprint, Built, Cx, Op, Rescale, bits_for, broadcast_index};
use crate::quant::{check_headroom, quantize};
use crate::{BlueprintError, Result};
use circuits::compiler::{Builder, Label, Var};

/// Leaky slopes: float, quantized at α, the index per element, the rescale.
type Slope = (Vec<f64>, Vec<i64>, Vec<usize>, Rescale);

/// ReLU over inputs bounded by `in_bound`; with slopes, Leaky/PReLU.
#[derive(Clone, Debug)]
pub struct Relu {
    /// Node name.
    pub name: String,
    len: usize,
    in_bound: i64,
    /// Slopes (float, quantized at α) per element index into them, and the rescale.
    slope: Option<Slope>,
}

impl Relu {
    /// A ReLU over `len` values.
    pub fn new(name: &str, len: usize, in_bound: i64) -> Relu {
        Relu {
            name: name.to_string(),
            len,
            in_bound,
            slope: None,
        }
    }

    /// A leaky ReLU: negative values times `slopes[index[e]]`.
    pub fn leaky(
        name: &str,
        in_bound: i64,
        slopes: &[f64],
        index: Vec<usize>,
        kappa: u32,
    ) -> Result<Relu> {
        let q: Vec<i64> = slopes
            .iter()
            .map(|&v| quantize(v, kappa))
            .collect::<Result<_>>()?;
        let qmax = q.iter().map(|v| i128::from(*v).abs()).max().unwrap_or(0);
        let (_, n_bits) = check_headroom(name, qmax * i128::from(in_bound), kappa)?;
        if index.iter().any(|&i| i >= q.len()) {
            return Err(BlueprintError::Shape {
                what: format!("prelu '{name}'"),
                reason: "slope index out of range".into(),
            });
        }
        Ok(Relu {
            name: name.to_string(),
            len: index.len(),
            in_bound,
            slope: Some((
                slopes.to_vec(),
                q,
                index,
                Rescale {
                    kappa,
                    n_bits,
                    relu: false,
                },
            )),
        })
    }
}

impl Blueprint for Relu {
    fn kind(&self) -> &'static str {
        if self.slope.is_some() {
            "leakyrelu"
        } else {
            "relu"
        }
    }
    fn out_len(&self) -> usize {
        self.len
    }
    fn out_bound(&self) -> i64 {
        match &self.slope {
            // y = x when x ≥ 0, else the checked quotient: |q| < 2^(N−1).
            Some((_, _, _, r)) => self.in_bound.max((1i64 << (r.n_bits - 1)) - 1),
            None => self.in_bound,
        }
    }
    fn weights(&self) -> &[i64] {
        self.slope.as_ref().map_or(&[], |s| &s.1)
    }
    fn float(&self, x: &[&[f64]]) -> Vec<f64> {
        x[0].iter()
            .enumerate()
            .map(|(e, &v)| match &self.slope {
                Some((a, _, idx, _)) if v < 0.0 => v * a[idx[e]],
                _ => v.max(0.0),
            })
            .collect()
    }
    fn int(&self, x: &[&[i64]], hints: &mut Vec<i64>) -> Result<Vec<i64>> {
        x[0].iter()
            .enumerate()
            .map(|(e, &v)| {
                let bit = i64::from(v >= 0);
                hints.push(bit);
                hints.push(bit * v);
                match &self.slope {
                    Some((_, q, idx, r)) => {
                        let neg = r.int((v - bit * v) * q[idx[e]], hints, &self.name, e)?;
                        Ok(bit * v + neg)
                    }
                    None => Ok(bit * v),
                }
            })
            .collect()
    }
    fn emit(&self, b: &mut Builder, x: &[&[Var]], w: &[Var], layer: u32) -> Result<Vec<Var>> {
        Ok({
            let bits = bits_for(self.in_bound);
            let kind = self.kind();
            x[0].iter()
                .enumerate()
                .map(|(e, &v)| {
                    let label = Label::new(kind, layer, e as u32);
                    let bit = b.hint();
                    let y = b.hint();
                    b.assert_bool(bit, label);
                    let bv = b.mul(bit, v);
                    b.assert_equal(y, bv, label);
                    let t = b.lin(&[(2, y), (-1, v)], 0);
                    b.range_check(t, bits, label);
                    match &self.slope {
                        Some((_, _, idx, r)) => {
                            let neg = b.sub(v, y);
                            let acc = b.mul(neg, w[idx[e]]);
                            let q = r.emit(b, acc, label);
                            b.add(y, q)
                        }
                        None => y,
                    }
                })
                .collect()
        })
    }
}

/// ONNX `Relu`.
pub struct ReluOp;

impl Op for ReluOp {
    fn name(&self) -> &'static str {
        "Relu"
    }
    fn attributes(&self) -> &'static [&'static str] {
        &[]
    }
    fn build(&self, cx: &mut Cx<'_>) -> Result<Built> {
        let (xd, xb) = cx.act(0)?;
        let r = Relu::new(&cx.node.name, super::numel(xd), xb);
        Ok(Built::one(vec![0], Box::new(r), xd.to_vec()))
    }
}

/// ONNX `LeakyRelu`.
pub struct LeakyReluOp;

impl Op for LeakyReluOp {
    fn name(&self) -> &'static str {
        "LeakyRelu"
    }
    fn attributes(&self) -> &'static [&'static str] {
        &["alpha"]
    }
    fn build(&self, cx: &mut Cx<'_>) -> Result<Built> {
        let (xd, xb) = cx.act(0)?;
        let a = f64::from(cx.float("alpha", 0.01));
        let n = super::numel(xd);
        let r = Relu::leaky(&cx.node.name, xb, &[a], vec![0; n], cx.kappa)?;
        Ok(Built::one(vec![0], Box::new(r), xd.to_vec()))
    }
}

/// ONNX `PRelu` (constant slope, unidirectional broadcast to the input).
pub struct PReluOp;

impl Op for PReluOp {
    fn name(&self) -> &'static str {
        "PRelu"
    }
    fn attributes(&self) -> &'static [&'static str] {
        &[]
    }
    fn build(&self, cx: &mut Cx<'_>) -> Result<Built> {
        let (xd, xb) = cx.act(0)?;
        let s = cx.constant(1, "the slope")?;
        if super::broadcast(xd, &s.dims).as_deref() != Some(xd) {
            return Err(cx.shape_err(format!(
                "slope {:?} does not broadcast to the input {xd:?}",
                s.dims
            )));
        }
        let r = Relu::leaky(
            &cx.node.name,
            xb,
            &s.data,
            broadcast_index(&s.dims, xd),
            cx.kappa,
        )?;
        Ok(Built::one(vec![0], Box::new(r), xd.to_vec()))
    }
}
