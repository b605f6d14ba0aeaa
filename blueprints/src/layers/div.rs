//! Div by a constant. By integers (the common `x / 2`, `x / 255`, averaging): proven
//! division with remainder, rounded to nearest (`rescale.rs`'s `Divide`, exact remainder
//! range), sign applied after. By other constants: multiplication by the reciprocal
//! (`mul.rs`'s affine layer, rescaled). Division by an activation is refused.

use super::mul::by_constant;
use super::{Blueprint, Built, Cx, Divide, Op, Operand, broadcast, broadcast_index};
use crate::{BlueprintError, Result};
use circuits::compiler::{Builder, Label, Var};

/// `y_e = ±round(x[xi_e] / d_e)` for positive integers `d_e`.
#[derive(Clone, Debug)]
pub struct IntDivide {
    name: String,
    xi: Vec<usize>,
    /// Signed divisors per output element.
    d: Vec<i64>,
    div: Divide,
    out_bound: i64,
}

impl IntDivide {
    /// Divides the activation (read through `xi`) by the nonzero integers `d`.
    pub fn new(name: &str, xi: Vec<usize>, d: Vec<i64>, in_bound: i64) -> Result<IntDivide> {
        if d.contains(&0) || d.len() != xi.len() {
            return Err(BlueprintError::Shape {
                what: format!("div '{name}'"),
                reason: "divisors must be nonzero, one per output".into(),
            });
        }
        let min_d = d.iter().map(|v| v.unsigned_abs()).min().unwrap_or(1) as i64;
        let out_bound = in_bound / min_d + 1;
        Ok(IntDivide {
            name: name.to_string(),
            xi,
            d,
            div: Divide::for_bound(out_bound),
            out_bound,
        })
    }
}

impl Blueprint for IntDivide {
    fn kind(&self) -> &'static str {
        "div"
    }
    fn out_len(&self) -> usize {
        self.xi.len()
    }
    fn out_bound(&self) -> i64 {
        self.out_bound
    }
    fn float(&self, x: &[&[f64]]) -> Vec<f64> {
        (0..self.xi.len())
            .map(|e| x[0][self.xi[e]] / self.d[e] as f64)
            .collect()
    }
    fn int(&self, x: &[&[i64]], hints: &mut Vec<i64>) -> Result<Vec<i64>> {
        (0..self.xi.len())
            .map(|e| {
                let q = self
                    .div
                    .int(x[0][self.xi[e]], self.d[e].abs(), hints, &self.name)?;
                Ok(if self.d[e] < 0 { -q } else { q })
            })
            .collect()
    }
    fn emit(&self, b: &mut Builder, x: &[&[Var]], _w: &[Var], layer: u32) -> Result<Vec<Var>> {
        Ok({
            (0..self.xi.len())
                .map(|e| {
                    let q = self.div.emit(
                        b,
                        x[0][self.xi[e]],
                        self.d[e].abs(),
                        Label::new("div", layer, e as u32),
                    );
                    if self.d[e] < 0 { b.scale(-1, q) } else { q }
                })
                .collect()
        })
    }
}

/// Constant folding only: numpy division (integer tensors truncate, as ONNX integer Div).
#[derive(Clone, Debug)]
struct FoldDiv {
    xi: Vec<usize>,
    yi: Vec<usize>,
    int: bool,
}

impl Blueprint for FoldDiv {
    fn kind(&self) -> &'static str {
        "div"
    }
    fn arity(&self) -> usize {
        2
    }
    fn out_len(&self) -> usize {
        self.xi.len()
    }
    fn out_bound(&self) -> i64 {
        0
    }
    fn float(&self, x: &[&[f64]]) -> Vec<f64> {
        (0..self.xi.len())
            .map(|e| {
                let (a, b) = (x[0][self.xi[e]], x[1][self.yi[e]]);
                if self.int && b != 0.0 {
                    (a / b).trunc()
                } else {
                    a / b
                }
            })
            .collect()
    }
    fn int(&self, _x: &[&[i64]], _hints: &mut Vec<i64>) -> Result<Vec<i64>> {
        Err(BlueprintError::Shape {
            what: "div".into(),
            reason: "a folded constant division is not a layer".into(),
        })
    }
    fn emit(&self, _b: &mut Builder, _x: &[&[Var]], _w: &[Var], _layer: u32) -> Result<Vec<Var>> {
        Ok(Vec::new())
    }
}

/// ONNX `Div`.
pub struct DivOp;

impl Op for DivOp {
    fn name(&self) -> &'static str {
        "Div"
    }
    fn attributes(&self) -> &'static [&'static str] {
        &[]
    }
    fn foldable(&self) -> bool {
        true
    }
    fn build(&self, cx: &mut Cx<'_>) -> Result<Built> {
        if cx.folding {
            let (xd, _) = cx.act_or_const(0)?;
            let (yd, _) = cx.act_or_const(1)?;
            let out = broadcast(xd, yd)
                .ok_or_else(|| cx.shape_err(format!("{xd:?} and {yd:?} do not broadcast")))?;
            let int = [0, 1]
                .iter()
                .all(|&i| matches!(cx.operand(i), Operand::Const(t) if t.int));
            let f = FoldDiv {
                xi: broadcast_index(xd, &out),
                yi: broadcast_index(yd, &out),
                int,
            };
            return Ok(Built::one(vec![0, 1], Box::new(f), out));
        }
        let Operand::Const(c) = cx.operand(1) else {
            return Err(cx.bad("the divisor must be a constant"));
        };
        let (xd, xb) = cx.act(0)?;
        if c.data.contains(&0.0) {
            return Err(cx.bad("division by zero"));
        }
        let integral = c
            .data
            .iter()
            .all(|v| v.fract() == 0.0 && v.abs() < (1u64 << 31) as f64);
        if !integral {
            return by_constant(cx, 0, c, |v| 1.0 / v, "div");
        }
        let out = broadcast(xd, &c.dims)
            .ok_or_else(|| cx.shape_err(format!("{xd:?} and {:?} do not broadcast", c.dims)))?;
        let d: Vec<i64> = broadcast_index(&c.dims, &out)
            .into_iter()
            .map(|i| c.data[i] as i64)
            .collect();
        let l = IntDivide::new(&cx.node.name, broadcast_index(xd, &out), d, xb)?;
        Ok(Built::one(vec![0], Box::new(l), out))
    }
}
