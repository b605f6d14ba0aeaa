//! Concat: data movement (see `wire.rs`); constant inputs are laid in as constants.

use super::wire::{Src, Wire};
use super::{Built, Cx, Op, Operand, axis, numel};
use crate::quant::quantize;
use crate::{BlueprintError, Result};

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
