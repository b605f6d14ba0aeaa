//! Conv2D (NCHW, any pads and strides, dilation 1, group 1) with its rescale epilogue.
//!
//! Each output is `bias + Σ x·w` over the kernel window, cropped at the borders (zero
//! padding contributes nothing, so it has no wires). Weights are private inputs at α, the
//! bias at α², and one degree-2 step computes the accumulator, which the rescale then
//! brings back to α (fused with ReLU when one follows).

use super::{Blueprint, LinearParams};
use crate::{BlueprintError, Result};
use circuits::compiler::{Builder, Label, Var};

/// Shape parameters of a 2-D convolution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConvGeometry {
    /// Input channels.
    pub cin: usize,
    /// Input height.
    pub h: usize,
    /// Input width.
    pub w: usize,
    /// Output channels.
    pub cout: usize,
    /// Kernel height.
    pub kh: usize,
    /// Kernel width.
    pub kw: usize,
    /// Strides (height, width).
    pub stride: (usize, usize),
    /// Pads (top, left, bottom, right).
    pub pads: [usize; 4],
}

impl ConvGeometry {
    /// Output height and width.
    pub fn out_hw(&self) -> Result<(usize, usize)> {
        let (sh, sw) = self.stride;
        let hp = self.h + self.pads[0] + self.pads[2];
        let wp = self.w + self.pads[1] + self.pads[3];
        if sh == 0 || sw == 0 || hp < self.kh || wp < self.kw {
            return Err(BlueprintError::Shape {
                what: "conv".into(),
                reason: format!(
                    "kernel {}x{} does not fit input {}x{} with pads {:?}",
                    self.kh, self.kw, self.h, self.w, self.pads
                ),
            });
        }
        Ok(((hp - self.kh) / sh + 1, (wp - self.kw) / sw + 1))
    }

    /// `(input index, weight index)` pairs of output `(co, oy, ox)`, padding cropped.
    fn window(&self, co: usize, oy: usize, ox: usize) -> impl Iterator<Item = (usize, usize)> + '_ {
        let (sh, sw) = self.stride;
        (0..self.cin).flat_map(move |ci| {
            (0..self.kh).flat_map(move |ki| {
                (0..self.kw).filter_map(move |kj| {
                    let y = (oy * sh + ki).checked_sub(self.pads[0])?;
                    let x = (ox * sw + kj).checked_sub(self.pads[1])?;
                    (y < self.h && x < self.w).then(|| {
                        (
                            ci * self.h * self.w + y * self.w + x,
                            ((co * self.cin + ci) * self.kh + ki) * self.kw + kj,
                        )
                    })
                })
            })
        })
    }
}

/// A quantized convolution.
#[derive(Clone, Debug)]
pub struct Conv2d {
    /// Node name (for labels and errors).
    pub name: String,
    /// Shape parameters.
    pub geom: ConvGeometry,
    lin: LinearParams,
    out_len: usize,
}

impl Conv2d {
    /// Quantizes float weights `[cout, cin, kh, kw]` and bias `[cout]` at 2^`kappa`, for
    /// inputs bounded by `in_bound` (integer units), with or without a fused ReLU.
    pub fn new(
        name: &str,
        geom: ConvGeometry,
        w: &[f32],
        b: &[f32],
        kappa: u32,
        in_bound: i64,
        relu: bool,
    ) -> Result<Conv2d> {
        let (oh, ow) = geom.out_hw()?;
        let nw = geom.cout * geom.cin * geom.kh * geom.kw;
        if w.len() != nw || b.len() != geom.cout {
            return Err(BlueprintError::Shape {
                what: format!("conv '{name}'"),
                reason: format!(
                    "expected {nw} weights and {} biases, got {} and {}",
                    geom.cout,
                    w.len(),
                    b.len()
                ),
            });
        }
        let lin = LinearParams::new(
            name,
            w,
            b,
            geom.cin * geom.kh * geom.kw,
            kappa,
            in_bound,
            relu,
        )?;
        Ok(Conv2d {
            name: name.to_string(),
            geom,
            lin,
            out_len: geom.cout * oh * ow,
        })
    }

    fn outputs(&self) -> impl Iterator<Item = (usize, usize, usize)> + '_ {
        let (oh, ow) = self.geom.out_hw().unwrap_or((0, 0));
        (0..self.geom.cout)
            .flat_map(move |co| (0..oh).flat_map(move |y| (0..ow).map(move |x| (co, y, x))))
    }
}

impl Blueprint for Conv2d {
    fn kind(&self) -> &'static str {
        "conv2d"
    }
    fn out_len(&self) -> usize {
        self.out_len
    }
    fn out_bound(&self) -> i64 {
        self.lin.out_bound
    }
    fn weights(&self) -> &[i64] {
        &self.lin.params
    }
    fn float(&self, x: &[&[f64]]) -> Vec<f64> {
        self.outputs()
            .map(|(co, oy, ox)| {
                let v = self.lin.b_f[co]
                    + self
                        .geom
                        .window(co, oy, ox)
                        .map(|(i, j)| x[0][i] * self.lin.w_f[j])
                        .sum::<f64>();
                if self.lin.rescale.relu { v.max(0.0) } else { v }
            })
            .collect()
    }
    fn int(&self, x: &[&[i64]], hints: &mut Vec<i64>) -> Result<Vec<i64>> {
        let nw = self.lin.w_f.len();
        self.outputs()
            .map(|(co, oy, ox)| {
                let acc = i128::from(self.lin.params[nw + co])
                    + self
                        .geom
                        .window(co, oy, ox)
                        .map(|(i, j)| i128::from(x[0][i]) * i128::from(self.lin.params[j]))
                        .sum::<i128>();
                self.lin.rescale.int(acc as i64, hints, &self.name)
            })
            .collect()
    }
    fn emit(&self, b: &mut Builder, x: &[&[Var]], w: &[Var], layer: u32) -> Vec<Var> {
        let nw = self.lin.w_f.len();
        self.outputs()
            .enumerate()
            .map(|(e, (co, oy, ox))| {
                let (xs, ws): (Vec<Var>, Vec<Var>) = self
                    .geom
                    .window(co, oy, ox)
                    .map(|(i, j)| (x[0][i], w[j]))
                    .unzip();
                let acc = b.quad(&xs, &ws, &[(1, w[nw + co])], 0);
                self.lin
                    .rescale
                    .emit(b, acc, Label::new("conv2d", layer, e as u32))
            })
            .collect()
    }
}
