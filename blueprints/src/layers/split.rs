//! Split: data movement (see `wire.rs`), one wiring layer per output.

use super::wire::{Src, Wire, ints, select};
use super::{Blueprint, Built, Cx, Op, axis};
use crate::Result;

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
