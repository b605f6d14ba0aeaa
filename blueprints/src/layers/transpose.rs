//! Transpose: data movement (see `wire.rs`).

use super::wire::{coords, single};
use super::{Built, Cx, Op, axis, numel, strides};
use crate::Result;

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
