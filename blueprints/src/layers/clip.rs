//! Clip (ReLU6 and friends): `min(max(x, lo), hi)` with constant bounds (inputs from
//! opset 11, attributes before), each step `minmax.rs`'s proven extreme of two values.

use super::minmax::{choose_emit, choose_int};
use super::{Blueprint, Built, Cx, Op, bits_for};
use crate::Result;
use crate::quant::quantize;
use circuits::compiler::{Builder, Label, Var};

/// `min(max(x, lo), hi)`, either bound optional.
#[derive(Clone, Debug)]
pub struct Clip {
    len: usize,
    lo: Option<(f64, i64)>,
    hi: Option<(f64, i64)>,
    in_bound: i64,
}

impl Blueprint for Clip {
    fn kind(&self) -> &'static str {
        "clip"
    }
    fn out_len(&self) -> usize {
        self.len
    }
    fn out_bound(&self) -> i64 {
        let mut b = self.in_bound;
        if let Some((_, q)) = self.lo {
            b = b.max(q.abs());
        }
        if let Some((_, q)) = self.hi {
            b = b.max(q.abs());
        }
        b
    }
    fn float(&self, x: &[&[f64]]) -> Vec<f64> {
        x[0].iter()
            .map(|&v| {
                let v = self.lo.map_or(v, |(l, _)| v.max(l));
                self.hi.map_or(v, |(h, _)| v.min(h))
            })
            .collect()
    }
    fn int(&self, x: &[&[i64]], hints: &mut Vec<i64>) -> Result<Vec<i64>> {
        Ok(x[0]
            .iter()
            .map(|&v| {
                let v = self.lo.map_or(v, |(_, l)| choose_int(&[v, l], true, hints));
                self.hi
                    .map_or(v, |(_, h)| choose_int(&[v, h], false, hints))
            })
            .collect())
    }
    fn emit(&self, b: &mut Builder, x: &[&[Var]], _w: &[Var], layer: u32) -> Result<Vec<Var>> {
        Ok({
            let bits = bits_for(2 * self.out_bound());
            x[0].iter()
                .enumerate()
                .map(|(e, &v)| {
                    let label = Label::new("clip", layer, e as u32);
                    let v = match self.lo {
                        Some((_, l)) => {
                            let c = b.constant(l);
                            choose_emit(b, &[v, c], true, bits, label)
                        }
                        None => v,
                    };
                    match self.hi {
                        Some((_, h)) => {
                            let c = b.constant(h);
                            choose_emit(b, &[v, c], false, bits, label)
                        }
                        None => v,
                    }
                })
                .collect()
        })
    }
}

/// ONNX `Clip`.
pub struct ClipOp;

impl Op for ClipOp {
    fn name(&self) -> &'static str {
        "Clip"
    }
    fn attributes(&self) -> &'static [&'static str] {
        &["min", "max"]
    }
    fn build(&self, cx: &mut Cx<'_>) -> Result<Built> {
        let (xd, xb) = cx.act(0)?;
        let scalar = |i: usize, what: &str| -> Result<Option<f64>> {
            match cx.opt_constant(i, what)? {
                None => Ok(None),
                Some(t) if t.data.len() == 1 => Ok(Some(t.data[0])),
                Some(t) => Err(cx.bad(format!("{what} must be a scalar, got {:?}", t.dims))),
            }
        };
        let lo = match cx.node.attr("min") {
            Some(a) => Some(f64::from(a.f)),
            None => scalar(1, "min")?,
        };
        let hi = match cx.node.attr("max") {
            Some(a) => Some(f64::from(a.f)),
            None => scalar(2, "max")?,
        };
        let q = |v: Option<f64>| -> Result<Option<(f64, i64)>> {
            v.map(|v| Ok((v, quantize(v, cx.kappa)?))).transpose()
        };
        let c = Clip {
            len: super::numel(xd),
            lo: q(lo)?,
            hi: q(hi)?,
            in_bound: xb,
        };
        Ok(Built::one(vec![0], Box::new(c), xd.to_vec()))
    }
}
