//! Flatten, Reshape, Squeeze and Unsqueeze: pure re-indexing. Activations stay in ONNX's
//! row-major (NCHW) order, so a flatten after a convolution feeds the next layer exactly
//! the vector the float model sees (the incumbent's release that flattened channel-last
//! proved the wrong function). No gates: the output variables are the input variables.

use super::{Blueprint, Built, Cx, Op, axis, numel};
use crate::Result;
use circuits::compiler::{Builder, Var};

/// Identity on the flat row-major vector.
#[derive(Clone, Debug)]
pub struct Reshape {
    /// Node name.
    pub name: String,
    len: usize,
    bound: i64,
}

impl Reshape {
    /// A reshape of `len` values.
    pub fn new(name: &str, len: usize, bound: i64) -> Reshape {
        Reshape {
            name: name.to_string(),
            len,
            bound,
        }
    }
}

impl Blueprint for Reshape {
    fn kind(&self) -> &'static str {
        "reshape"
    }
    fn out_len(&self) -> usize {
        self.len
    }
    fn out_bound(&self) -> i64 {
        self.bound
    }
    fn float(&self, x: &[&[f64]]) -> Vec<f64> {
        x[0].to_vec()
    }
    fn int(&self, x: &[&[i64]], _hints: &mut Vec<i64>) -> Result<Vec<i64>> {
        Ok(x[0].to_vec())
    }
    fn emit(&self, _b: &mut Builder, x: &[&[Var]], _w: &[Var], _layer: u32) -> Result<Vec<Var>> {
        Ok(x[0].to_vec())
    }
}

fn reshaped(cx: &Cx<'_>, dims: Vec<usize>) -> Result<Built> {
    let (xd, xb) = cx.act_or_const(0)?;
    if numel(&dims) != numel(xd) {
        return Err(cx.shape_err(format!("cannot reshape {xd:?} to {dims:?}")));
    }
    Ok(Built::one(
        vec![0],
        Box::new(Reshape::new(&cx.node.name, numel(xd), xb)),
        dims,
    ))
}

/// Axes from input `i` (newer opsets) or the `axes` attribute (older ones).
pub(crate) fn axes_of(cx: &Cx<'_>, i: usize) -> Result<Option<Vec<i64>>> {
    if let Some(t) = cx.opt_constant(i, "axes")? {
        return t
            .ints()
            .map(Some)
            .ok_or_else(|| cx.bad("axes must be integers"));
    }
    Ok(cx.ints("axes"))
}

/// ONNX `Flatten`.
pub struct FlattenOp;

impl Op for FlattenOp {
    fn name(&self) -> &'static str {
        "Flatten"
    }
    fn attributes(&self) -> &'static [&'static str] {
        &["axis"]
    }
    fn foldable(&self) -> bool {
        true
    }
    fn build(&self, cx: &mut Cx<'_>) -> Result<Built> {
        let (xd, _) = cx.act_or_const(0)?;
        let a = cx.int("axis", 1);
        let r = xd.len() as i64;
        if !(-r..=r).contains(&a) {
            return Err(cx.shape_err(format!("axis {a} out of range for rank {r}")));
        }
        let a = if a < 0 { a + r } else { a } as usize;
        reshaped(cx, vec![numel(&xd[..a]), numel(&xd[a..])])
    }
}

/// ONNX `Reshape` (shape from a constant).
pub struct ReshapeOp;

impl Op for ReshapeOp {
    fn name(&self) -> &'static str {
        "Reshape"
    }
    fn attributes(&self) -> &'static [&'static str] {
        &["allowzero"]
    }
    fn foldable(&self) -> bool {
        true
    }
    fn build(&self, cx: &mut Cx<'_>) -> Result<Built> {
        let (xd, _) = cx.act_or_const(0)?;
        let shape = cx
            .constant(1, "the shape")?
            .ints()
            .ok_or_else(|| cx.bad("the shape must be integers"))?;
        let allowzero = cx.int("allowzero", 0) != 0;
        let mut t: Vec<i64> = Vec::with_capacity(shape.len());
        for (i, &d) in shape.iter().enumerate() {
            t.push(match d {
                0 if allowzero => 0,
                0 => *xd
                    .get(i)
                    .ok_or_else(|| cx.shape_err(format!("shape {shape:?}: no axis {i} to copy")))?
                    as i64,
                d if d >= -1 => d,
                d => return Err(cx.shape_err(format!("shape {shape:?}: dimension {d}"))),
            });
        }
        if t.iter().filter(|&&d| d == -1).count() > 1 {
            return Err(cx.shape_err(format!("shape {shape:?} has more than one -1")));
        }
        let known: i64 = t
            .iter()
            .filter(|&&d| d != -1)
            .fold(1i64, |a, &d| a.saturating_mul(d));
        if let Some(p) = t.iter().position(|&d| d == -1) {
            if known <= 0 || numel(xd) as i64 % known != 0 {
                return Err(cx.shape_err(format!("cannot reshape {xd:?} to {shape:?}")));
            }
            t[p] = numel(xd) as i64 / known;
        }
        reshaped(cx, t.iter().map(|&d| d as usize).collect())
    }
}

/// ONNX `Squeeze`.
pub struct SqueezeOp;

impl Op for SqueezeOp {
    fn name(&self) -> &'static str {
        "Squeeze"
    }
    fn attributes(&self) -> &'static [&'static str] {
        &["axes"]
    }
    fn foldable(&self) -> bool {
        true
    }
    fn build(&self, cx: &mut Cx<'_>) -> Result<Built> {
        let (xd, _) = cx.act_or_const(0)?;
        let axes = match axes_of(cx, 1)? {
            Some(a) => a
                .iter()
                .map(|&a| axis(cx, a, xd.len()))
                .collect::<Result<Vec<_>>>()?,
            None => (0..xd.len()).filter(|&i| xd[i] == 1).collect(),
        };
        if let Some(&a) = axes.iter().find(|&&a| xd[a] != 1) {
            return Err(cx.shape_err(format!("axis {a} of {xd:?} is not 1")));
        }
        let dims = (0..xd.len())
            .filter(|i| !axes.contains(i))
            .map(|i| xd[i])
            .collect();
        reshaped(cx, dims)
    }
}

/// ONNX `Unsqueeze`.
pub struct UnsqueezeOp;

impl Op for UnsqueezeOp {
    fn name(&self) -> &'static str {
        "Unsqueeze"
    }
    fn attributes(&self) -> &'static [&'static str] {
        &["axes"]
    }
    fn foldable(&self) -> bool {
        true
    }
    fn build(&self, cx: &mut Cx<'_>) -> Result<Built> {
        let (xd, _) = cx.act_or_const(0)?;
        let a = axes_of(cx, 1)?.ok_or_else(|| cx.bad("axes are required"))?;
        let r = xd.len() + a.len();
        let mut axes = a
            .iter()
            .map(|&v| axis(cx, v, r))
            .collect::<Result<Vec<_>>>()?;
        axes.sort_unstable();
        if axes.windows(2).any(|w| w[0] == w[1]) {
            return Err(cx.shape_err(format!("repeated axes {a:?}")));
        }
        let mut src = xd.iter();
        let dims = (0..r)
            .map(|i| {
                if axes.contains(&i) {
                    1
                } else {
                    src.next().copied().unwrap_or(1)
                }
            })
            .collect();
        reshaped(cx, dims)
    }
}
