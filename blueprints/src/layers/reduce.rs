//! ReduceSum, ReduceMean and ReduceMax over constant axes (`axes` attribute or input,
//! `keepdims`, `noop_with_empty_axes`). Sum and mean are `avgpool.rs`'s window layer
//! (divisor 1 or the count, proven division); max is `maxpool.rs`'s window max.

use super::avgpool::AvgPool;
use super::maxpool::MaxPool;
use super::reshape::axes_of;
use super::{Built, Cx, Op, axis, numel, strides};
use crate::Result;

/// The reduction windows and the output shape.
fn windows(cx: &Cx<'_>, xd: &[usize]) -> Result<(Vec<Vec<usize>>, Vec<usize>)> {
    let r = xd.len();
    let axes: Vec<usize> = match axes_of(cx, 1)? {
        Some(a) if !a.is_empty() => a.iter().map(|&v| axis(cx, v, r)).collect::<Result<_>>()?,
        _ if cx.int("noop_with_empty_axes", 0) != 0 => vec![],
        _ => (0..r).collect(),
    };
    let keep = cx.int("keepdims", 1) != 0;
    let kept: Vec<usize> = (0..r)
        .map(|d| if axes.contains(&d) { 1 } else { xd[d] })
        .collect();
    let (is, ks) = (strides(xd), strides(&kept));
    let mut wins: Vec<Vec<usize>> = vec![Vec::new(); numel(&kept)];
    for i in 0..numel(xd) {
        let o: usize = (0..r)
            .map(|d| {
                if axes.contains(&d) {
                    0
                } else {
                    (i / is[d]) % xd[d] * ks[d]
                }
            })
            .sum();
        wins[o].push(i);
    }
    let out = if keep {
        kept
    } else {
        (0..r)
            .filter(|d| !axes.contains(d))
            .map(|d| xd[d])
            .collect()
    };
    Ok((wins, out))
}

const ATTRS: &[&str] = &["axes", "keepdims", "noop_with_empty_axes"];

fn mean_or_sum(cx: &Cx<'_>, mean: bool, kind: &'static str) -> Result<Built> {
    let (xd, xb) = cx.act(0)?;
    let (wins, out) = windows(cx, xd)?;
    let divisors = wins
        .iter()
        .map(|w| if mean { w.len() as i64 } else { 1 })
        .collect();
    let p = AvgPool::new(&cx.node.name, kind, wins, divisors, xb)?;
    Ok(Built::one(vec![0], Box::new(p), out))
}

/// ONNX `ReduceSum`.
pub struct ReduceSumOp;

impl Op for ReduceSumOp {
    fn name(&self) -> &'static str {
        "ReduceSum"
    }
    fn attributes(&self) -> &'static [&'static str] {
        ATTRS
    }
    fn build(&self, cx: &mut Cx<'_>) -> Result<Built> {
        mean_or_sum(cx, false, "reducesum")
    }
}

/// ONNX `ReduceMean`.
pub struct ReduceMeanOp;

impl Op for ReduceMeanOp {
    fn name(&self) -> &'static str {
        "ReduceMean"
    }
    fn attributes(&self) -> &'static [&'static str] {
        ATTRS
    }
    fn build(&self, cx: &mut Cx<'_>) -> Result<Built> {
        mean_or_sum(cx, true, "reducemean")
    }
}

/// ONNX `ReduceMax`.
pub struct ReduceMaxOp;

impl Op for ReduceMaxOp {
    fn name(&self) -> &'static str {
        "ReduceMax"
    }
    fn attributes(&self) -> &'static [&'static str] {
        ATTRS
    }
    fn build(&self, cx: &mut Cx<'_>) -> Result<Built> {
        let (xd, xb) = cx.act(0)?;
        let (wins, out) = windows(cx, xd)?;
        let p = MaxPool::from_windows(&cx.node.name, wins, xb, "reducemax")?;
        Ok(Built::one(vec![0], Box::new(p), out))
    }
}
