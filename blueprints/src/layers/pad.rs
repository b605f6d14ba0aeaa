//! Pad (constant, reflect, edge): data movement (see `wire.rs`); padding is a constant.

use super::wire::{Src, Wire, coords, ints};
use super::{Built, Cx, Op, axis, numel, strides};
use crate::Result;
use crate::quant::quantize;

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
