//! Gather with constant indices: data movement (see `wire.rs`).

use super::wire::single;
use super::{Built, Cx, Op, axis, numel};
use crate::Result;

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
