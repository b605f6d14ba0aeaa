//! AveragePool (1-D and 2-D; pads or `auto_pad`, strides, `ceil_mode`,
//! `count_include_pad`) and GlobalAveragePool; the same layer serves ReduceSum and
//! ReduceMean. Each output is the window's sum (linear, no gates beyond the sum) divided
//! by the window's count with round-to-nearest, proven by division with remainder
//! (`rescale.rs`'s `Divide`: exact remainder range, quotient range-checked).

use super::maxpool::{global_windows, nd_windows, pool_geometry};
use super::{Blueprint, Built, Cx, Divide, Op};
use crate::{BlueprintError, Result};
use circuits::compiler::{Builder, Label, Var};

/// Window sums divided by per-window counts.
#[derive(Clone, Debug)]
pub struct AvgPool {
    name: String,
    kind: &'static str,
    windows: Vec<Vec<usize>>,
    divisors: Vec<i64>,
    div: Divide,
    out_bound: i64,
}

impl AvgPool {
    /// `Σ x[window] / divisor` per output; `in_bound` bounds |x|.
    pub fn new(
        name: &str,
        kind: &'static str,
        windows: Vec<Vec<usize>>,
        divisors: Vec<i64>,
        in_bound: i64,
    ) -> Result<AvgPool> {
        if windows.len() != divisors.len() || divisors.iter().any(|&d| d < 1) {
            return Err(BlueprintError::Shape {
                what: format!("{kind} '{name}'"),
                reason: "one positive divisor per window".into(),
            });
        }
        let out_bound = windows
            .iter()
            .zip(&divisors)
            .map(|(w, &d)| {
                let s = i128::from(in_bound) * w.len() as i128;
                (s / i128::from(d)) as i64 + 1
            })
            .max()
            .unwrap_or(0);
        // The shifted dividend d·(q + 2^(N−1)) + r must stay far below p.
        let max_d = divisors.iter().copied().max().unwrap_or(1);
        let need = super::bits_for(out_bound) + 2 + super::bits_for(max_d);
        if need > crate::quant::HEADROOM_BITS {
            return Err(BlueprintError::Overflow {
                layer: name.to_string(),
                bits: need,
                scale_bits: 0,
                max: crate::quant::HEADROOM_BITS,
            });
        }
        Ok(AvgPool {
            name: name.to_string(),
            kind,
            windows,
            divisors,
            div: Divide::for_bound(out_bound),
            out_bound,
        })
    }
}

impl Blueprint for AvgPool {
    fn kind(&self) -> &'static str {
        self.kind
    }
    fn out_len(&self) -> usize {
        self.windows.len()
    }
    fn out_bound(&self) -> i64 {
        self.out_bound
    }
    fn float(&self, x: &[&[f64]]) -> Vec<f64> {
        self.windows
            .iter()
            .zip(&self.divisors)
            .map(|(w, &d)| w.iter().map(|&i| x[0][i]).sum::<f64>() / d as f64)
            .collect()
    }
    fn int(&self, x: &[&[i64]], hints: &mut Vec<i64>) -> Result<Vec<i64>> {
        self.windows
            .iter()
            .zip(&self.divisors)
            .map(|(w, &d)| {
                let s: i64 = w.iter().map(|&i| x[0][i]).sum();
                self.div.int(s, d, hints, &self.name)
            })
            .collect()
    }
    fn emit(&self, b: &mut Builder, x: &[&[Var]], _w: &[Var], layer: u32) -> Result<Vec<Var>> {
        Ok({
            self.windows
                .iter()
                .zip(&self.divisors)
                .enumerate()
                .map(|(e, (w, &d))| {
                    let terms: Vec<(i64, Var)> = w.iter().map(|&i| (1, x[0][i])).collect();
                    let s = if let [(1, v)] = terms[..] {
                        v
                    } else {
                        b.lin(&terms, 0)
                    };
                    self.div
                        .emit(b, s, d, Label::new(self.kind, layer, e as u32))
                })
                .collect()
        })
    }
}

/// ONNX `AveragePool`.
pub struct AveragePoolOp;

impl Op for AveragePoolOp {
    fn name(&self) -> &'static str {
        "AveragePool"
    }
    fn attributes(&self) -> &'static [&'static str] {
        &[
            "auto_pad",
            "ceil_mode",
            "count_include_pad",
            "dilations",
            "kernel_shape",
            "pads",
            "strides",
        ]
    }
    fn build(&self, cx: &mut Cx<'_>) -> Result<Built> {
        let (xd, xb) = cx.act(0)?;
        let include = match cx.int("count_include_pad", 0) {
            0 => false,
            1 => true,
            v => return Err(cx.bad(format!("count_include_pad must be 0 or 1, got {v}"))),
        };
        let dilated = cx
            .ints("dilations")
            .is_some_and(|d| d.iter().any(|&v| v != 1));
        let (wins, out) = if xd.len() > 4 || dilated {
            nd_windows(cx, xd)?
        } else {
            let (geom, out) = pool_geometry(cx, xd)?;
            (geom.windows()?, out)
        };
        let (windows, divisors): (Vec<Vec<usize>>, Vec<i64>) = wins
            .into_iter()
            .map(|(w, padded)| {
                let d = if include { padded } else { w.len() };
                (w, d as i64)
            })
            .unzip();
        if windows.iter().any(Vec::is_empty) {
            return Err(cx.shape_err("a window lies entirely in the padding"));
        }
        let p = AvgPool::new(&cx.node.name, "avgpool", windows, divisors, xb)?;
        Ok(Built::one(vec![0], Box::new(p), out))
    }
}

/// ONNX `GlobalAveragePool`.
pub struct GlobalAveragePoolOp;

impl Op for GlobalAveragePoolOp {
    fn name(&self) -> &'static str {
        "GlobalAveragePool"
    }
    fn attributes(&self) -> &'static [&'static str] {
        &[]
    }
    fn build(&self, cx: &mut Cx<'_>) -> Result<Built> {
        let (xd, xb) = cx.act(0)?;
        let (windows, out) = global_windows(cx, xd)?;
        let divisors = windows.iter().map(|w| w.len() as i64).collect();
        let p = AvgPool::new(&cx.node.name, "avgpool", windows, divisors, xb)?;
        Ok(Built::one(vec![0], Box::new(p), out))
    }
}
