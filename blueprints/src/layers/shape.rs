//! Shape computations, all at import: Constant, Shape (shapes are static, so the shape
//! of an activation is a constant), ConstantOfShape, and Cast (of constants; of an
//! activation only to a float type, where it is the identity at α).

use super::reshape::Reshape;
use super::{Built, Cx, Op, Operand, numel};
use crate::Result;
use crate::onnx::Tensor;

/// ONNX `Constant`.
pub struct ConstantOp;

impl Op for ConstantOp {
    fn name(&self) -> &'static str {
        "Constant"
    }
    fn attributes(&self) -> &'static [&'static str] {
        &[
            "value",
            "value_float",
            "value_floats",
            "value_int",
            "value_ints",
        ]
    }
    fn build(&self, cx: &mut Cx<'_>) -> Result<Built> {
        let n = cx.node;
        let t = if let Some(t) = n.attr("value").and_then(|a| a.t.clone()) {
            t
        } else if let Some(a) = n.attr("value_float") {
            Tensor {
                dims: vec![],
                data: vec![f64::from(a.f)],
                int: false,
            }
        } else if let Some(a) = n.attr("value_floats") {
            Tensor {
                dims: vec![a.floats.len()],
                data: a.floats.iter().map(|&v| f64::from(v)).collect(),
                int: false,
            }
        } else if let Some(a) = n.attr("value_int") {
            Tensor {
                dims: vec![],
                data: vec![a.i as f64],
                int: true,
            }
        } else if let Some(a) = n.attr("value_ints") {
            Tensor {
                dims: vec![a.ints.len()],
                data: a.ints.iter().map(|&v| v as f64).collect(),
                int: true,
            }
        } else {
            return Err(cx.bad("needs value, value_float(s) or value_int(s)"));
        };
        Ok(Built::Consts(vec![t]))
    }
}

/// ONNX `Shape` (with `start`/`end`).
pub struct ShapeOp;

impl Op for ShapeOp {
    fn name(&self) -> &'static str {
        "Shape"
    }
    fn attributes(&self) -> &'static [&'static str] {
        &["start", "end"]
    }
    fn build(&self, cx: &mut Cx<'_>) -> Result<Built> {
        let dims: &[usize] = match cx.operand(0) {
            Operand::Act { dims, .. } => dims,
            Operand::Const(t) => &t.dims,
            Operand::Absent => return Err(cx.shape_err("input 0 is missing")),
        };
        let r = dims.len() as i64;
        let clamp = |v: i64| (if v < 0 { v + r } else { v }).clamp(0, r) as usize;
        let s = clamp(cx.int("start", 0));
        let e = clamp(cx.int("end", r));
        let d: Vec<f64> = dims[s..e.max(s)].iter().map(|&v| v as f64).collect();
        Ok(Built::Consts(vec![Tensor {
            dims: vec![d.len()],
            data: d,
            int: true,
        }]))
    }
}

/// ONNX `ConstantOfShape`.
pub struct ConstantOfShapeOp;

impl Op for ConstantOfShapeOp {
    fn name(&self) -> &'static str {
        "ConstantOfShape"
    }
    fn attributes(&self) -> &'static [&'static str] {
        &["value"]
    }
    fn build(&self, cx: &mut Cx<'_>) -> Result<Built> {
        let shape = cx
            .constant(0, "the shape")?
            .ints()
            .ok_or_else(|| cx.bad("the shape must be integers"))?;
        if shape.iter().any(|&d| d < 0) {
            return Err(cx.shape_err(format!("shape {shape:?}")));
        }
        let dims: Vec<usize> = shape.iter().map(|&d| d as usize).collect();
        cx.check_size(&dims)?;
        let t = cx.node.attr("value").and_then(|a| a.t.as_ref());
        let v = t.and_then(|t| t.data.first().copied()).unwrap_or(0.0);
        Ok(Built::Consts(vec![Tensor {
            data: vec![v; numel(&dims)],
            dims,
            // The default value is a float 0.
            int: t.is_some_and(|t| t.int),
        }]))
    }
}

/// ONNX `Cast`.
pub struct CastOp;

/// ONNX data type codes of the float types.
const FLOATS: [i64; 4] = [1, 10, 11, 16];
/// Float types an activation may be cast to without changing its value (f32, f64).
const EXACT: [i64; 2] = [1, 11];

impl Op for CastOp {
    fn name(&self) -> &'static str {
        "Cast"
    }
    fn attributes(&self) -> &'static [&'static str] {
        &["to", "saturate"]
    }
    fn build(&self, cx: &mut Cx<'_>) -> Result<Built> {
        let to = cx.int("to", 0);
        match cx.operand(0) {
            Operand::Const(t) => {
                let data = if FLOATS.contains(&to) {
                    t.data.clone()
                } else if to == 9 {
                    t.data
                        .iter()
                        .map(|&v| f64::from(u8::from(v != 0.0)))
                        .collect()
                } else {
                    // Float to integer casts truncate toward zero.
                    t.data.iter().map(|v| v.trunc()).collect()
                };
                Ok(Built::Consts(vec![Tensor {
                    dims: t.dims.clone(),
                    data,
                    int: !FLOATS.contains(&to),
                }]))
            }
            _ => {
                let (xd, xb) = cx.act(0)?;
                if !EXACT.contains(&to) {
                    return Err(cx.bad(format!(
                        "casting an activation to data type {to} is not supported; only to float32 or float64"
                    )));
                }
                Ok(Built::one(
                    vec![0],
                    Box::new(Reshape::new(&cx.node.name, numel(xd), xb)),
                    xd.to_vec(),
                ))
            }
        }
    }
}
