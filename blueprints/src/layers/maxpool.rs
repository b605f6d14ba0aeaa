//! MaxPool 2-D (kernel, strides, pads; ceil_mode 0). Padded positions are skipped, which is
//! −∞ padding.
//!
//! The prover hints each window's maximum `m`; the circuit range-checks every gap
//! `m − x_i ≥ 0` and constrains the product of the gaps to zero, so `m` is one of the
//! inputs and no smaller than any.

use super::{Blueprint, bits_for};
use crate::{BlueprintError, Result};
use circuits::compiler::{Builder, Label, Var};

/// Shape parameters of a 2-D max-pool.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolGeometry {
    /// Channels.
    pub c: usize,
    /// Input height.
    pub h: usize,
    /// Input width.
    pub w: usize,
    /// Kernel (height, width).
    pub kernel: (usize, usize),
    /// Strides (height, width).
    pub stride: (usize, usize),
    /// Pads (top, left, bottom, right).
    pub pads: [usize; 4],
}

impl PoolGeometry {
    /// Output height and width (floor, ceil_mode 0).
    pub fn out_hw(&self) -> Result<(usize, usize)> {
        let (kh, kw) = self.kernel;
        let (sh, sw) = self.stride;
        let hp = self.h + self.pads[0] + self.pads[2];
        let wp = self.w + self.pads[1] + self.pads[3];
        if sh == 0 || sw == 0 || kh == 0 || kw == 0 || hp < kh || wp < kw {
            return Err(BlueprintError::Shape {
                what: "maxpool".into(),
                reason: format!("kernel {kh}x{kw} does not fit input {}x{}", self.h, self.w),
            });
        }
        Ok(((hp - kh) / sh + 1, (wp - kw) / sw + 1))
    }

    /// Input indices of window `(c, oy, ox)`, padding skipped.
    fn window(&self, c: usize, oy: usize, ox: usize) -> Vec<usize> {
        let (kh, kw) = self.kernel;
        let (sh, sw) = self.stride;
        let mut v = Vec::with_capacity(kh * kw);
        for ki in 0..kh {
            for kj in 0..kw {
                let (Some(y), Some(x)) = (
                    (oy * sh + ki).checked_sub(self.pads[0]),
                    (ox * sw + kj).checked_sub(self.pads[1]),
                ) else {
                    continue;
                };
                if y < self.h && x < self.w {
                    v.push(c * self.h * self.w + y * self.w + x);
                }
            }
        }
        v
    }
}

/// A max-pool over inputs bounded by `in_bound`.
#[derive(Clone, Debug)]
pub struct MaxPool {
    /// Node name.
    pub name: String,
    /// Shape parameters.
    pub geom: PoolGeometry,
    in_bound: i64,
    windows: Vec<Vec<usize>>,
}

impl MaxPool {
    /// A max-pool; every window must hold at least one input.
    pub fn new(name: &str, geom: PoolGeometry, in_bound: i64) -> Result<MaxPool> {
        let (oh, ow) = geom.out_hw()?;
        let windows: Vec<Vec<usize>> = (0..geom.c)
            .flat_map(|c| (0..oh).flat_map(move |y| (0..ow).map(move |x| (c, y, x))))
            .map(|(c, y, x)| geom.window(c, y, x))
            .collect();
        if windows.iter().any(Vec::is_empty) {
            return Err(BlueprintError::Shape {
                what: format!("maxpool '{name}'"),
                reason: "a window lies entirely in the padding".into(),
            });
        }
        Ok(MaxPool {
            name: name.to_string(),
            geom,
            in_bound,
            windows,
        })
    }

    /// Width of the gap checks: gaps lie in `[0, 2·bound]`.
    fn gap_bits(&self) -> u32 {
        bits_for(2 * self.in_bound)
    }
}

impl Blueprint for MaxPool {
    fn kind(&self) -> &'static str {
        "maxpool"
    }
    fn out_len(&self) -> usize {
        self.windows.len()
    }
    fn out_bound(&self) -> i64 {
        self.in_bound
    }
    fn float(&self, x: &[&[f64]]) -> Vec<f64> {
        self.windows
            .iter()
            .map(|w| w.iter().map(|&i| x[0][i]).fold(f64::NEG_INFINITY, f64::max))
            .collect()
    }
    fn int(&self, x: &[&[i64]], hints: &mut Vec<i64>) -> Result<Vec<i64>> {
        Ok(self
            .windows
            .iter()
            .map(|w| {
                let m = w.iter().map(|&i| x[0][i]).max().unwrap_or(0);
                hints.push(m);
                m
            })
            .collect())
    }
    fn emit(&self, b: &mut Builder, x: &[&[Var]], _w: &[Var], layer: u32) -> Vec<Var> {
        let bits = self.gap_bits();
        self.windows
            .iter()
            .enumerate()
            .map(|(e, win)| {
                let label = Label::new("maxpool", layer, e as u32);
                let m = b.hint();
                let mut gaps: Vec<Var> = win
                    .iter()
                    .map(|&i| {
                        let d = b.sub(m, x[0][i]);
                        b.range_check(d, bits, label);
                        d
                    })
                    .collect();
                // Product of the gaps, as a balanced tree.
                while gaps.len() > 1 {
                    gaps = gaps
                        .chunks(2)
                        .map(|p| if let [a, c] = p { b.mul(*a, *c) } else { p[0] })
                        .collect();
                }
                b.assert_zero(gaps[0], label);
                m
            })
            .collect()
    }
}
