//! Slice: data movement (see `wire.rs`).

use super::wire::{ints, select, single};
use super::{Built, Cx, Op, axis};
use crate::Result;

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
