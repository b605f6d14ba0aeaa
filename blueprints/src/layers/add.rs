//! Add and Sub with numpy broadcasting: of two activations at the same scale (residual
//! connections), or of an activation and a constant tensor (quantized at α, broadcast to
//! the output shape and committed with the weights). Linear: no hints, no range checks;
//! the output bound is the sum of the input bounds.

use super::{Blueprint, Built, Cx, Op, Operand, broadcast, broadcast_index};
use crate::quant::quantize;
use crate::{BlueprintError, Result};
use circuits::compiler::{Builder, Var};

/// `sx·x[xi] + sy·y[yi]` or `sx·x[xi] + c`.
#[derive(Clone, Debug)]
pub struct Add {
    /// Node name.
    pub name: String,
    xi: Vec<usize>,
    yi: Vec<usize>,
    signs: (i64, i64),
    constant: Option<(Vec<f64>, Vec<i64>)>,
    out_bound: i64,
}

impl Add {
    /// The sum of two activations of `len` values.
    pub fn new(name: &str, len: usize, bounds: (i64, i64)) -> Add {
        Add {
            name: name.to_string(),
            xi: (0..len).collect(),
            yi: (0..len).collect(),
            signs: (1, 1),
            constant: None,
            out_bound: bounds.0.saturating_add(bounds.1),
        }
    }

    /// `sx·x + sy·y` read through broadcast indices.
    pub fn broadcast(
        name: &str,
        (xi, yi): (Vec<usize>, Vec<usize>),
        signs: (i64, i64),
        bounds: (i64, i64),
    ) -> Add {
        Add {
            name: name.to_string(),
            xi,
            yi,
            signs,
            constant: None,
            out_bound: bounds.0.saturating_add(bounds.1),
        }
    }

    /// `sx·x[xi] + c` with `c` already laid out per output element.
    pub fn with_constant(
        name: &str,
        xi: Vec<usize>,
        sx: i64,
        c: &[f64],
        kappa: u32,
        in_bound: i64,
    ) -> Result<Add> {
        if c.len() != xi.len() || c.is_empty() {
            return Err(BlueprintError::Shape {
                what: format!("add '{name}'"),
                reason: format!("{} constants for {} outputs", c.len(), xi.len()),
            });
        }
        let q: Vec<i64> = c
            .iter()
            .map(|&v| quantize(v, kappa))
            .collect::<Result<_>>()?;
        let cb = q.iter().map(|v| v.abs()).max().unwrap_or(0);
        Ok(Add {
            name: name.to_string(),
            yi: Vec::new(),
            xi,
            signs: (sx, 1),
            constant: Some((c.to_vec(), q)),
            out_bound: in_bound.saturating_add(cb),
        })
    }
}

impl Blueprint for Add {
    fn kind(&self) -> &'static str {
        "add"
    }
    fn arity(&self) -> usize {
        if self.constant.is_some() { 1 } else { 2 }
    }
    fn out_len(&self) -> usize {
        self.xi.len()
    }
    fn out_bound(&self) -> i64 {
        self.out_bound
    }
    fn weights(&self) -> &[i64] {
        self.constant.as_ref().map_or(&[], |c| &c.1)
    }
    fn float(&self, x: &[&[f64]]) -> Vec<f64> {
        let (sx, sy) = (self.signs.0 as f64, self.signs.1 as f64);
        (0..self.xi.len())
            .map(|e| {
                let other = match &self.constant {
                    Some((c, _)) => c[e],
                    None => x[1][self.yi[e]],
                };
                sx * x[0][self.xi[e]] + sy * other
            })
            .collect()
    }
    fn int(&self, x: &[&[i64]], _hints: &mut Vec<i64>) -> Result<Vec<i64>> {
        let (sx, sy) = self.signs;
        Ok((0..self.xi.len())
            .map(|e| {
                let other = match &self.constant {
                    Some((_, q)) => q[e],
                    None => x[1][self.yi[e]],
                };
                sx * x[0][self.xi[e]] + sy * other
            })
            .collect())
    }
    fn emit(&self, b: &mut Builder, x: &[&[Var]], w: &[Var], _layer: u32) -> Result<Vec<Var>> {
        Ok({
            let (sx, sy) = self.signs;
            (0..self.xi.len())
                .map(|e| {
                    let other = if self.constant.is_some() {
                        w[e]
                    } else {
                        x[1][self.yi[e]]
                    };
                    b.lin(&[(sx, x[0][self.xi[e]]), (sy, other)], 0)
                })
                .collect()
        })
    }
}

/// Add (`sign` 1) or Sub (`sign` −1) of two operands, numpy broadcasting.
fn build(cx: &Cx<'_>, sign: i64) -> Result<Built> {
    let name = &cx.node.name;
    match (cx.operand(0), cx.operand(1)) {
        (Operand::Act { dims: xd, bound }, Operand::Const(c))
        | (Operand::Const(c), Operand::Act { dims: xd, bound }) => {
            let act_first = matches!(cx.operand(0), Operand::Act { .. });
            let out = broadcast(xd, &c.dims)
                .ok_or_else(|| cx.shape_err(format!("{xd:?} and {:?} do not broadcast", c.dims)))?;
            // x − c = x + (−c); c − x = −x + c.
            let (sx, sc) = if act_first { (1, sign) } else { (sign, 1) };
            let cv: Vec<f64> = broadcast_index(&c.dims, &out)
                .into_iter()
                .map(|i| sc as f64 * c.data[i])
                .collect();
            let a = Add::with_constant(name, broadcast_index(xd, &out), sx, &cv, cx.kappa, bound)?;
            Ok(Built::one(
                vec![if act_first { 0 } else { 1 }],
                Box::new(a),
                out,
            ))
        }
        _ => {
            let (xd, xb) = cx.act_or_const(0)?;
            let (yd, yb) = cx.act_or_const(1)?;
            let out = broadcast(xd, yd)
                .ok_or_else(|| cx.shape_err(format!("{xd:?} and {yd:?} do not broadcast")))?;
            let a = Add::broadcast(
                name,
                (broadcast_index(xd, &out), broadcast_index(yd, &out)),
                (1, sign),
                (xb, yb),
            );
            Ok(Built::one(vec![0, 1], Box::new(a), out))
        }
    }
}

/// ONNX `Add`.
pub struct AddOp;

impl Op for AddOp {
    fn name(&self) -> &'static str {
        "Add"
    }
    fn attributes(&self) -> &'static [&'static str] {
        &[]
    }
    fn foldable(&self) -> bool {
        true
    }
    fn build(&self, cx: &mut Cx<'_>) -> Result<Built> {
        build(cx, 1)
    }
}

/// ONNX `Sub`.
pub struct SubOp;

impl Op for SubOp {
    fn name(&self) -> &'static str {
        "Sub"
    }
    fn attributes(&self) -> &'static [&'static str] {
        &[]
    }
    fn foldable(&self) -> bool {
        true
    }
    fn build(&self, cx: &mut Cx<'_>) -> Result<Built> {
        build(cx, -1)
    }
}
