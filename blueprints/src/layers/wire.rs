//! Pure data movement: Transpose, Concat, Slice, Split, Pad (constant, reflect, edge) and
//! Gather with constant indices. Each output element is one input element (or a constant
//! pad value), so the layer is wiring: no gates, no hints, no constraints — the output
//! variables are the input variables (a pad constant is a constant node).

use super::{Blueprint, Built, Cx, Op, Operand, axis, numel, strides};
use crate::quant::quantize;
use crate::{BlueprintError, Result};
use circuits::compiler::{Builder, Var};

/// Where an output element comes from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Src {
    /// Element `index` of activation input `input`.
    In(usize, usize),
    /// A constant (float, and quantized at α).
    Const(f64, i64),
}

/// An output assembled from input elements.
#[derive(Clone, Debug)]
pub struct Wire {
    name: String,
    kind: &'static str,
    arity: usize,
    map: Vec<Src>,
    bound: i64,
}

impl Wire {
    /// Output element `e` is `map[e]`; `bounds` are the inputs' bounds.
    pub fn new(name: &str, kind: &'static str, map: Vec<Src>, bounds: &[i64]) -> Wire {
        let cb = map
            .iter()
            .filter_map(|s| match s {
                Src::Const(_, q) => Some(q.abs()),
                Src::In(..) => None,
            })
            .max()
            .unwrap_or(0);
        Wire {
            name: name.to_string(),
            kind,
            arity: bounds.len(),
            bound: bounds.iter().copied().max().unwrap_or(0).max(cb),
            map,
        }
    }
}

impl Blueprint for Wire {
    fn kind(&self) -> &'static str {
        self.kind
    }
    fn arity(&self) -> usize {
        self.arity
    }
    fn out_len(&self) -> usize {
        self.map.len()
    }
    fn out_bound(&self) -> i64 {
        self.bound
    }
    fn float(&self, x: &[&[f64]]) -> Vec<f64> {
        self.map
            .iter()
            .map(|s| match *s {
                Src::In(k, i) => x[k][i],
                Src::Const(v, _) => v,
            })
            .collect()
    }
    fn int(&self, x: &[&[i64]], _hints: &mut Vec<i64>) -> Result<Vec<i64>> {
        Ok(self
            .map
            .iter()
            .map(|s| match *s {
                Src::In(k, i) => x[k][i],
                Src::Const(_, q) => q,
            })
            .collect())
    }
    fn emit(&self, b: &mut Builder, x: &[&[Var]], _w: &[Var], _layer: u32) -> Vec<Var> {
        self.map
            .iter()
            .map(|s| match *s {
                Src::In(k, i) => x[k][i],
                Src::Const(_, q) => b.constant(q),
            })
            .collect()
    }
}

impl std::fmt::Display for Wire {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} '{}'", self.kind, self.name)
    }
}

/// One wiring layer over input 0.
fn single(cx: &Cx<'_>, kind: &'static str, map: Vec<usize>, dims: Vec<usize>) -> Result<Built> {
    let (_, xb) = cx.act_or_const(0)?;
    let map = map.into_iter().map(|i| Src::In(0, i)).collect();
    Ok(Built::one(
        vec![0],
        Box::new(Wire::new(&cx.node.name, kind, map, &[xb])),
        dims,
    ))
}

/// Integers of constant input `i`.
fn ints(cx: &Cx<'_>, i: usize, what: &str) -> Result<Option<Vec<i64>>> {
    match cx.opt_constant(i, what)? {
        None => Ok(None),
        Some(t) => t
            .ints()
            .map(Some)
            .ok_or_else(|| cx.bad(format!("{what} must be integers"))),
    }
}

/// Row-major coordinates of element `i` of `dims`.
fn coords(i: usize, dims: &[usize], st: &[usize]) -> Vec<usize> {
    (0..dims.len()).map(|d| (i / st[d]) % dims[d]).collect()
}

/// ONNX `Transpose`.
pub struct TransposeOp;

impl Op for TransposeOp {
    fn name(&self) -> &'static str {
        "Transpose"
    }
    fn attributes(&self) -> &'static [&'static str] {
        &["perm"]
    }
    fn foldable(&self) -> bool {
        true
    }
    fn build(&self, cx: &mut Cx<'_>) -> Result<Built> {
        let (xd, _) = cx.act_or_const(0)?;
        let r = xd.len();
        let perm: Vec<usize> = match cx.ints("perm") {
            None => (0..r).rev().collect(),
            Some(p) => p.iter().map(|&a| axis(cx, a, r)).collect::<Result<_>>()?,
        };
        let mut seen = perm.clone();
        seen.sort_unstable();
        if seen != (0..r).collect::<Vec<_>>() {
            return Err(cx.shape_err(format!("perm {perm:?} is not a permutation of 0..{r}")));
        }
        let out: Vec<usize> = perm.iter().map(|&p| xd[p]).collect();
        let (is, os) = (strides(xd), strides(&out));
        let map = (0..numel(&out))
            .map(|e| {
                let c = coords(e, &out, &os);
                (0..r).map(|d| c[d] * is[perm[d]]).sum()
            })
            .collect();
        single(cx, "transpose", map, out)
    }
}

/// ONNX `Concat` (constant inputs are laid in as constants).
pub struct ConcatOp;

impl Op for ConcatOp {
    fn name(&self) -> &'static str {
        "Concat"
    }
    fn attributes(&self) -> &'static [&'static str] {
        &["axis"]
    }
    fn foldable(&self) -> bool {
        true
    }
    fn build(&self, cx: &mut Cx<'_>) -> Result<Built> {
        let n = cx.node.inputs.len();
        let mut parts: Vec<(&[usize], Option<usize>, Option<&crate::onnx::Tensor>)> = Vec::new();
        let (mut reads, mut bounds) = (Vec::new(), Vec::new());
        for i in 0..n {
            match cx.operand(i) {
                Operand::Act { dims, bound } => {
                    parts.push((dims, Some(reads.len()), None));
                    reads.push(i);
                    bounds.push(bound);
                }
                Operand::Const(t) if cx.folding => {
                    parts.push((&t.dims, Some(reads.len()), None));
                    reads.push(i);
                    bounds.push(0);
                }
                Operand::Const(t) => parts.push((&t.dims, None, Some(t))),
                Operand::Absent => return Err(cx.shape_err(format!("input {i} is missing"))),
            }
        }
        let first = parts.first().ok_or_else(|| cx.shape_err("no inputs"))?.0;
        // Required since opset 4 (opset 1 defaulted to 1): never guessed.
        let a = cx
            .node
            .attr("axis")
            .ok_or_else(|| cx.bad("axis is required"))?
            .i;
        let a = axis(cx, a, first.len())?;
        let mut out = first.to_vec();
        out[a] = 0;
        for (d, _, _) in &parts {
            if d.len() != first.len() || (0..d.len()).any(|k| k != a && d[k] != first[k]) {
                return Err(cx.shape_err(format!(
                    "{d:?} does not concatenate with {first:?} on axis {a}"
                )));
            }
            out[a] += d[a];
        }
        let outer: usize = numel(&out[..a]);
        let inner: usize = numel(&out[a + 1..]);
        let mut map = Vec::with_capacity(numel(&out));
        for o in 0..outer {
            for (d, k, t) in &parts {
                let block = d[a] * inner;
                for j in 0..block {
                    let idx = o * block + j;
                    map.push(match (k, t) {
                        (Some(k), _) => Src::In(*k, idx),
                        (None, Some(t)) => {
                            Src::Const(t.data[idx], quantize(t.data[idx], cx.kappa)?)
                        }
                        (None, None) => {
                            return Err(BlueprintError::Shape {
                                what: cx.node.name.clone(),
                                reason: "unreachable concat part".into(),
                            });
                        }
                    });
                }
            }
        }
        if reads.is_empty() {
            return Err(cx.bad("all inputs are constants"));
        }
        Ok(Built::one(
            reads,
            Box::new(Wire::new(&cx.node.name, "concat", map, &bounds)),
            out,
        ))
    }
}

/// Clamped ONNX slice bounds of one axis: the indices taken.
fn slice_axis(start: i64, end: i64, step: i64, dim: usize) -> Vec<usize> {
    let d = dim as i64;
    let norm = |v: i64| if v < 0 { v + d } else { v };
    let (s, e) = (norm(start), norm(end));
    let mut v = Vec::new();
    if step > 0 {
        let (s, e) = (s.clamp(0, d), e.clamp(0, d));
        let mut i = s;
        while i < e {
            v.push(i as usize);
            let Some(n) = i.checked_add(step) else { break };
            i = n;
        }
    } else {
        // ONNX: start in [0, dim − 1], end in [−1, dim − 1] when stepping backwards.
        let (s, e) = (s.clamp(0, d - 1), e.clamp(-1, d - 1));
        let mut i = s;
        while i > e {
            v.push(i as usize);
            let Some(n) = i.checked_add(step) else { break };
            i = n;
        }
    }
    v
}

/// The elements of `xd` whose coordinate on each axis is in `take[axis]`: the map and
/// the output shape.
fn select(xd: &[usize], take: &[Vec<usize>]) -> (Vec<usize>, Vec<usize>) {
    let out: Vec<usize> = take.iter().map(Vec::len).collect();
    let (is, os) = (strides(xd), strides(&out));
    let map = (0..numel(&out))
        .map(|e| {
            let c = coords(e, &out, &os);
            (0..xd.len()).map(|d| take[d][c[d]] * is[d]).sum()
        })
        .collect();
    (map, out)
}

/// ONNX `Slice` (parameters from constant inputs, or attributes before opset 10).
pub struct SliceOp;

impl Op for SliceOp {
    fn name(&self) -> &'static str {
        "Slice"
    }
    fn attributes(&self) -> &'static [&'static str] {
        &["starts", "ends", "axes"]
    }
    fn foldable(&self) -> bool {
        true
    }
    fn build(&self, cx: &mut Cx<'_>) -> Result<Built> {
        let (xd, _) = cx.act_or_const(0)?;
        let r = xd.len();
        let (starts, ends, axes, steps) = if cx.node.attr("starts").is_some() {
            (
                cx.ints("starts").unwrap_or_default(),
                cx.ints("ends").unwrap_or_default(),
                cx.ints("axes"),
                None,
            )
        } else {
            (
                ints(cx, 1, "starts")?.ok_or_else(|| cx.shape_err("starts are required"))?,
                ints(cx, 2, "ends")?.ok_or_else(|| cx.shape_err("ends are required"))?,
                ints(cx, 3, "axes")?,
                ints(cx, 4, "steps")?,
            )
        };
        let axes: Vec<usize> = match axes {
            Some(a) => a.iter().map(|&v| axis(cx, v, r)).collect::<Result<_>>()?,
            None => (0..starts.len()).collect(),
        };
        let steps = steps.unwrap_or_else(|| vec![1; starts.len()]);
        if ends.len() != starts.len() || axes.len() != starts.len() || steps.len() != starts.len() {
            return Err(cx.shape_err("starts, ends, axes and steps differ in length"));
        }
        let mut take: Vec<Vec<usize>> = xd.iter().map(|&d| (0..d).collect()).collect();
        for (k, &a) in axes.iter().enumerate() {
            if steps[k] == 0 {
                return Err(cx.shape_err("a step of 0"));
            }
            take[a] = slice_axis(starts[k], ends[k], steps[k], xd[a]);
        }
        let (map, out) = select(xd, &take);
        single(cx, "slice", map, out)
    }
}

/// ONNX `Split` (sizes from the constant input, the attribute, or equal parts).
pub struct SplitOp;

impl Op for SplitOp {
    fn name(&self) -> &'static str {
        "Split"
    }
    fn attributes(&self) -> &'static [&'static str] {
        &["axis", "split", "num_outputs"]
    }
    fn foldable(&self) -> bool {
        true
    }
    fn build(&self, cx: &mut Cx<'_>) -> Result<Built> {
        let (xd, xb) = cx.act_or_const(0)?;
        let a = axis(cx, cx.int("axis", 0), xd.len())?;
        let n_out = cx.node.outputs.len();
        let sizes: Vec<usize> = match ints(cx, 1, "split")?.or_else(|| cx.ints("split")) {
            Some(s) => s.iter().map(|&v| v.max(0) as usize).collect(),
            None => {
                let k = usize::try_from(cx.int("num_outputs", n_out as i64))
                    .unwrap_or(0)
                    .max(1);
                let part = xd[a].div_ceil(k);
                (0..k)
                    .map(|i| part.min(xd[a].saturating_sub(i * part)))
                    .collect()
            }
        };
        if sizes.iter().fold(0usize, |a, &s| a.saturating_add(s)) != xd[a] || sizes.len() != n_out {
            return Err(cx.shape_err(format!(
                "split sizes {sizes:?} do not cover axis {a} of {xd:?} with {n_out} outputs"
            )));
        }
        let mut outputs: Vec<(Box<dyn Blueprint>, Vec<usize>)> = Vec::new();
        let mut at = 0;
        for s in sizes {
            let mut take: Vec<Vec<usize>> = xd.iter().map(|&d| (0..d).collect()).collect();
            take[a] = (at..at + s).collect();
            at += s;
            let (map, out) = select(xd, &take);
            let map = map.into_iter().map(|i| Src::In(0, i)).collect();
            outputs.push((Box::new(Wire::new(&cx.node.name, "split", map, &[xb])), out));
        }
        Ok(Built::Layers {
            reads: vec![0],
            outputs,
        })
    }
}

/// ONNX `Pad` (modes constant, reflect, edge; pads and value from constants or, before
/// opset 11, attributes).
pub struct PadOp;

impl Op for PadOp {
    fn name(&self) -> &'static str {
        "Pad"
    }
    fn attributes(&self) -> &'static [&'static str] {
        &["mode", "pads", "value"]
    }
    fn foldable(&self) -> bool {
        true
    }
    fn build(&self, cx: &mut Cx<'_>) -> Result<Built> {
        let (xd, xb) = cx.act_or_const(0)?;
        let r = xd.len();
        let mode = cx.string("mode").unwrap_or_else(|| "constant".into());
        let (pads, value) = match cx.ints("pads") {
            Some(p) => (p, f64::from(cx.float("value", 0.0))),
            None => {
                let p = ints(cx, 1, "pads")?.ok_or_else(|| cx.shape_err("pads are required"))?;
                let v = match cx.opt_constant(2, "constant_value")? {
                    Some(t) => *t.data.first().unwrap_or(&0.0),
                    None => 0.0,
                };
                (p, v)
            }
        };
        let axes: Vec<usize> = match ints(cx, 3, "axes")? {
            Some(a) => a.iter().map(|&v| axis(cx, v, r)).collect::<Result<_>>()?,
            None => (0..r).collect(),
        };
        if pads.len() != 2 * axes.len()
            || pads
                .iter()
                .any(|p| p.unsigned_abs() > super::MAX_DIM as u64)
        {
            return Err(cx.shape_err(format!("pads {pads:?} for {} axes", axes.len())));
        }
        let mut before = vec![0i64; r];
        let mut after = vec![0i64; r];
        for (k, &a) in axes.iter().enumerate() {
            before[a] = pads[k];
            after[a] = pads[k + axes.len()];
        }
        let out: Vec<usize> = (0..r)
            .map(|d| {
                (xd[d] as i64)
                    .saturating_add(before[d])
                    .saturating_add(after[d])
            })
            .map(|v| {
                usize::try_from(v)
                    .map_err(|_| cx.shape_err(format!("pads {pads:?} empty the input {xd:?}")))
            })
            .collect::<Result<_>>()?;
        cx.check_size(&out)?;
        if !matches!(mode.as_str(), "constant" | "reflect" | "edge") {
            return Err(cx.bad(format!(
                "mode '{mode}' is not supported; supported: constant, reflect, edge"
            )));
        }
        if mode != "constant" && xd.contains(&0) {
            return Err(cx.shape_err("reflect/edge padding of an empty axis"));
        }
        let q = quantize(value, cx.kappa)?;
        let (is, os) = (strides(xd), strides(&out));
        let mut map = Vec::with_capacity(numel(&out));
        for e in 0..numel(&out) {
            let c = coords(e, &out, &os);
            let mut idx = 0usize;
            let mut inside = true;
            for d in 0..r {
                let n = xd[d] as i64;
                let mut p = c[d] as i64 - before[d];
                if p < 0 || p >= n {
                    match mode.as_str() {
                        "edge" => p = p.clamp(0, n - 1),
                        "reflect" => {
                            if n == 1 {
                                p = 0;
                            } else {
                                let period = 2 * (n - 1);
                                p = p.rem_euclid(period);
                                if p >= n {
                                    p = period - p;
                                }
                            }
                        }
                        _ => inside = false,
                    }
                }
                idx += (p.max(0) as usize) * is[d];
            }
            map.push(if inside {
                Src::In(0, idx)
            } else {
                Src::Const(value, q)
            });
        }
        Ok(Built::one(
            vec![0],
            Box::new(Wire::new(&cx.node.name, "pad", map, &[xb])),
            out,
        ))
    }
}

/// ONNX `Gather` with constant indices.
pub struct GatherOp;

impl Op for GatherOp {
    fn name(&self) -> &'static str {
        "Gather"
    }
    fn attributes(&self) -> &'static [&'static str] {
        &["axis"]
    }
    fn foldable(&self) -> bool {
        true
    }
    fn build(&self, cx: &mut Cx<'_>) -> Result<Built> {
        let (xd, _) = cx.act_or_const(0)?;
        let idx_t = cx.constant(1, "the indices")?;
        let idx = idx_t
            .ints()
            .ok_or_else(|| cx.bad("indices must be integers"))?;
        let a = axis(cx, cx.int("axis", 0), xd.len())?;
        let n = xd[a] as i64;
        let idx: Vec<usize> = idx
            .iter()
            .map(|&i| {
                let j = if i < 0 { i + n } else { i };
                if (0..n).contains(&j) {
                    Ok(j as usize)
                } else {
                    Err(cx.shape_err(format!("index {i} out of range for axis {a} of {xd:?}")))
                }
            })
            .collect::<Result<_>>()?;
        let out: Vec<usize> = [&xd[..a], &idx_t.dims[..], &xd[a + 1..]].concat();
        let (outer, inner) = (numel(&xd[..a]), numel(&xd[a + 1..]));
        let mut map = Vec::with_capacity(numel(&out));
        for o in 0..outer {
            for &i in &idx {
                for j in 0..inner {
                    map.push((o * xd[a] + i) * inner + j);
                }
            }
        }
        single(cx, "gather", map, out)
    }
}
