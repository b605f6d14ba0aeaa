//! MaxPool (1-D and 2-D; kernel, strides, pads or `auto_pad`, dilations, `ceil_mode`;
//! any batch) and GlobalMaxPool; the same layer serves ReduceMax. Padded positions are
//! skipped, which is −∞ padding.
//!
//! The prover hints each window's maximum `m`; the circuit range-checks every gap
//! `m − x_i ≥ 0` and constrains the product of the gaps to zero, so `m` is one of the
//! inputs and no smaller than any.

use super::conv2d::{auto_pads, per_axis};
use super::{Blueprint, Built, Cx, Op, bits_for};
use crate::{BlueprintError, Result};
use circuits::compiler::{Builder, Label, Var};

/// Shape parameters of a 2-D max-pool (1-D is height 1; `c` counts batch × channels).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolGeometry {
    /// Channels (times batch).
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
    /// Dilations (height, width).
    pub dilation: (usize, usize),
    /// Output size rounds up (the last window may start in the end padding's reach).
    pub ceil: bool,
}

impl PoolGeometry {
    /// A geometry without dilation or ceil mode.
    pub fn simple(
        c: usize,
        (h, w): (usize, usize),
        kernel: (usize, usize),
        stride: (usize, usize),
        pads: [usize; 4],
    ) -> PoolGeometry {
        PoolGeometry {
            c,
            h,
            w,
            kernel,
            stride,
            pads,
            dilation: (1, 1),
            ceil: false,
        }
    }

    fn out_dim(
        &self,
        n: usize,
        pb: usize,
        pe: usize,
        k: usize,
        s: usize,
        d: usize,
    ) -> Option<usize> {
        let eff = (k.checked_sub(1)?) * d + 1;
        let span = (n + pb + pe).checked_sub(eff)?;
        if s == 0 {
            return None;
        }
        let mut out = if self.ceil {
            span.div_ceil(s)
        } else {
            span / s
        } + 1;
        // ONNX/onnxruntime: a window must start inside the input or the begin padding.
        if self.ceil && (out - 1) * s >= n + pb {
            out -= 1;
        }
        Some(out)
    }

    /// Output height and width.
    pub fn out_hw(&self) -> Result<(usize, usize)> {
        let (kh, kw) = self.kernel;
        let (sh, sw) = self.stride;
        let oh = self.out_dim(self.h, self.pads[0], self.pads[2], kh, sh, self.dilation.0);
        let ow = self.out_dim(self.w, self.pads[1], self.pads[3], kw, sw, self.dilation.1);
        match (oh, ow) {
            (Some(a), Some(b)) => Ok((a, b)),
            _ => Err(BlueprintError::Shape {
                what: "pool".into(),
                reason: format!("kernel {kh}x{kw} does not fit input {}x{}", self.h, self.w),
            }),
        }
    }

    /// Input indices of window `(c, oy, ox)`, and the count of window positions inside
    /// the padded input (for average pooling with `count_include_pad`).
    pub fn window(&self, c: usize, oy: usize, ox: usize) -> (Vec<usize>, usize) {
        let (kh, kw) = self.kernel;
        let (sh, sw) = self.stride;
        let (dh, dw) = self.dilation;
        let mut v = Vec::with_capacity(kh * kw);
        let mut padded = 0;
        for ki in 0..kh {
            for kj in 0..kw {
                let (py, px) = (oy * sh + ki * dh, ox * sw + kj * dw);
                if py < self.h + self.pads[0] + self.pads[2]
                    && px < self.w + self.pads[1] + self.pads[3]
                {
                    padded += 1;
                }
                let (Some(y), Some(x)) =
                    (py.checked_sub(self.pads[0]), px.checked_sub(self.pads[1]))
                else {
                    continue;
                };
                if y < self.h && x < self.w {
                    v.push(c * self.h * self.w + y * self.w + x);
                }
            }
        }
        (v, padded)
    }

    /// All windows, channel-major.
    pub fn windows(&self) -> Result<Vec<(Vec<usize>, usize)>> {
        let (oh, ow) = self.out_hw()?;
        Ok((0..self.c)
            .flat_map(|c| (0..oh).flat_map(move |y| (0..ow).map(move |x| (c, y, x))))
            .map(|(c, y, x)| self.window(c, y, x))
            .collect())
    }
}

/// A max over windows of inputs bounded by `in_bound`.
#[derive(Clone, Debug)]
pub struct MaxPool {
    /// Node name.
    pub name: String,
    in_bound: i64,
    windows: Vec<Vec<usize>>,
    kind: &'static str,
}

impl MaxPool {
    /// A max-pool; every window must hold at least one input.
    pub fn new(name: &str, geom: PoolGeometry, in_bound: i64) -> Result<MaxPool> {
        let windows = geom.windows()?.into_iter().map(|w| w.0).collect();
        MaxPool::from_windows(name, windows, in_bound, "maxpool")
    }

    /// The max of each window (lists of input indices).
    pub fn from_windows(
        name: &str,
        windows: Vec<Vec<usize>>,
        in_bound: i64,
        kind: &'static str,
    ) -> Result<MaxPool> {
        if windows.iter().any(Vec::is_empty) {
            return Err(BlueprintError::Shape {
                what: format!("{kind} '{name}'"),
                reason: "a window lies entirely in the padding".into(),
            });
        }
        Ok(MaxPool {
            name: name.to_string(),
            in_bound,
            windows,
            kind,
        })
    }

    /// Width of the gap checks: gaps lie in `[0, 2·bound]`.
    fn gap_bits(&self) -> u32 {
        bits_for(2 * self.in_bound)
    }
}

impl Blueprint for MaxPool {
    fn kind(&self) -> &'static str {
        self.kind
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
                // A window of one is a copy: no hint.
                if w.len() > 1 {
                    hints.push(m);
                }
                m
            })
            .collect())
    }
    fn emit(&self, b: &mut Builder, x: &[&[Var]], _w: &[Var], layer: u32) -> Result<Vec<Var>> {
        Ok({
            let bits = self.gap_bits();
            self.windows
                .iter()
                .enumerate()
                .map(|(e, win)| {
                    if let [only] = win[..] {
                        return x[0][only];
                    }
                    let label = Label::new(self.kind, layer, e as u32);
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
        })
    }
}

/// A pooling window: input indices, and positions inside the padded input.
pub(crate) type Window = (Vec<usize>, usize);

/// Pooling windows over any number of spatial axes (3-D pools, dilated average pools):
/// per output (channel-major, then row-major), the input indices and the count of window
/// positions inside the padded input; and the output shape.
pub(crate) fn nd_windows(cx: &Cx<'_>, xd: &[usize]) -> Result<(Vec<Window>, Vec<usize>)> {
    let r = xd.len().saturating_sub(2);
    if r == 0 {
        return Err(cx.shape_err(format!("input {xd:?} has no spatial axes")));
    }
    let kernel = cx
        .ints("kernel_shape")
        .ok_or_else(|| cx.bad("kernel_shape is required"))?;
    if kernel.len() != r || kernel.iter().any(|&k| !(1..=super::MAX_DIM).contains(&k)) {
        return Err(cx.bad(format!(
            "kernel_shape must be {r} positive values, got {kernel:?}"
        )));
    }
    let kernel: Vec<usize> = kernel.iter().map(|&k| k as usize).collect();
    let stride = per_axis(cx, "strides", r, 1)?;
    let dil = per_axis(cx, "dilations", r, 1)?;
    let ceil = match cx.int("ceil_mode", 0) {
        0 => false,
        1 => true,
        v => return Err(cx.bad(format!("ceil_mode must be 0 or 1, got {v}"))),
    };
    let spatial = &xd[2..];
    let pads = auto_pads(cx, spatial, &kernel, &stride, &dil, ceil)?;
    let mut out_sp = Vec::with_capacity(r);
    for i in 0..r {
        let eff = (kernel[i] - 1) * dil[i] + 1;
        let span = (spatial[i] + pads[i].0 + pads[i].1)
            .checked_sub(eff)
            .ok_or_else(|| cx.shape_err(format!("kernel {kernel:?} does not fit {xd:?}")))?;
        let mut o = if ceil {
            span.div_ceil(stride[i])
        } else {
            span / stride[i]
        } + 1;
        if ceil && (o - 1) * stride[i] >= spatial[i] + pads[i].0 {
            o -= 1;
        }
        out_sp.push(o);
    }
    let c = xd[0] * xd[1];
    let kn = super::numel(&kernel);
    cx.check_size(&[c, super::numel(&out_sp), kn])?;
    let plane = super::numel(spatial);
    let (is, os, ks) = (
        super::strides(spatial),
        super::strides(&out_sp),
        super::strides(&kernel),
    );
    let mut wins = Vec::with_capacity(c * super::numel(&out_sp));
    for ch in 0..c {
        for o in 0..super::numel(&out_sp) {
            let (mut idx, mut padded) = (Vec::with_capacity(kn), 0);
            for kk in 0..kn {
                let (mut at, mut inside, mut in_pad) = (ch * plane, true, true);
                for i in 0..r {
                    let p =
                        ((o / os[i]) % out_sp[i]) * stride[i] + ((kk / ks[i]) % kernel[i]) * dil[i];
                    in_pad &= p < spatial[i] + pads[i].0 + pads[i].1;
                    match p.checked_sub(pads[i].0) {
                        Some(y) if y < spatial[i] => at += y * is[i],
                        _ => inside = false,
                    }
                }
                padded += usize::from(in_pad);
                if inside {
                    idx.push(at);
                }
            }
            wins.push((idx, padded));
        }
    }
    let out = [xd[..2].to_vec(), out_sp].concat();
    Ok((wins, out))
}

/// The pooling geometry of a MaxPool/AveragePool node on input `xd`, and its output shape.
pub(crate) fn pool_geometry(cx: &Cx<'_>, xd: &[usize]) -> Result<(PoolGeometry, Vec<usize>)> {
    let r = xd.len().saturating_sub(2);
    if !(1..=2).contains(&r) {
        return Err(cx.bad(format!(
            "only 1-D and 2-D pooling is supported; input {xd:?}"
        )));
    }
    let kernel = cx
        .ints("kernel_shape")
        .ok_or_else(|| cx.bad("kernel_shape is required"))?;
    if kernel.len() != r || kernel.iter().any(|&k| !(1..=super::MAX_DIM).contains(&k)) {
        return Err(cx.bad(format!(
            "kernel_shape must be {r} positive values, got {kernel:?}"
        )));
    }
    let kernel: Vec<usize> = kernel.iter().map(|&k| k as usize).collect();
    let stride = per_axis(cx, "strides", r, 1)?;
    let dil = per_axis(cx, "dilations", r, 1)?;
    let ceil = match cx.int("ceil_mode", 0) {
        0 => false,
        1 => true,
        v => return Err(cx.bad(format!("ceil_mode must be 0 or 1, got {v}"))),
    };
    let spatial = &xd[2..];
    let pads = auto_pads(cx, spatial, &kernel, &stride, &dil, ceil)?;
    let c = xd[0] * xd[1];
    let geom = if r == 1 {
        PoolGeometry {
            c,
            h: 1,
            w: spatial[0],
            kernel: (1, kernel[0]),
            stride: (1, stride[0]),
            pads: [0, pads[0].0, 0, pads[0].1],
            dilation: (1, dil[0]),
            ceil,
        }
    } else {
        PoolGeometry {
            c,
            h: spatial[0],
            w: spatial[1],
            kernel: (kernel[0], kernel[1]),
            stride: (stride[0], stride[1]),
            pads: [pads[0].0, pads[1].0, pads[0].1, pads[1].1],
            dilation: (dil[0], dil[1]),
            ceil,
        }
    };
    let (oh, ow) = geom.out_hw()?;
    // The windows are materialised: bound outputs × window size too.
    cx.check_size(&[c, oh, ow, geom.kernel.0, geom.kernel.1])?;
    let out = if r == 1 {
        vec![xd[0], xd[1], ow]
    } else {
        vec![xd[0], xd[1], oh, ow]
    };
    Ok((geom, out))
}

/// ONNX `MaxPool` (the Indices output is refused; `storage_order` only affects it).
pub struct MaxPoolOp;

impl Op for MaxPoolOp {
    fn name(&self) -> &'static str {
        "MaxPool"
    }
    fn attributes(&self) -> &'static [&'static str] {
        &[
            "auto_pad",
            "ceil_mode",
            "dilations",
            "kernel_shape",
            "pads",
            "storage_order",
            "strides",
        ]
    }
    fn build(&self, cx: &mut Cx<'_>) -> Result<Built> {
        if cx.node.outputs.iter().skip(1).any(|o| !o.is_empty()) {
            return Err(cx.bad("the Indices output is not supported"));
        }
        let (xd, xb) = cx.act(0)?;
        if xd.len() > 4 {
            let (wins, out) = nd_windows(cx, xd)?;
            let wins = wins.into_iter().map(|w| w.0).collect();
            let mp = MaxPool::from_windows(&cx.node.name, wins, xb, "maxpool")?;
            return Ok(Built::one(vec![0], Box::new(mp), out));
        }
        let (geom, out) = pool_geometry(cx, xd)?;
        let mp = MaxPool::new(&cx.node.name, geom, xb)?;
        Ok(Built::one(vec![0], Box::new(mp), out))
    }
}

/// Windows that each cover one (batch, channel) plane: the global pools.
pub(crate) fn global_windows(cx: &Cx<'_>, xd: &[usize]) -> Result<(Vec<Vec<usize>>, Vec<usize>)> {
    if xd.len() < 3 {
        return Err(cx.shape_err(format!("input {xd:?} needs N, C and spatial axes")));
    }
    let plane: usize = xd[2..].iter().product();
    let windows = (0..xd[0] * xd[1])
        .map(|c| (c * plane..(c + 1) * plane).collect())
        .collect();
    let out = [xd[..2].to_vec(), vec![1; xd.len() - 2]].concat();
    Ok((windows, out))
}

/// ONNX `GlobalMaxPool`.
pub struct GlobalMaxPoolOp;

impl Op for GlobalMaxPoolOp {
    fn name(&self) -> &'static str {
        "GlobalMaxPool"
    }
    fn attributes(&self) -> &'static [&'static str] {
        &[]
    }
    fn build(&self, cx: &mut Cx<'_>) -> Result<Built> {
        let (xd, xb) = cx.act(0)?;
        let (windows, out) = global_windows(cx, xd)?;
        let mp = MaxPool::from_windows(&cx.node.name, windows, xb, "maxpool")?;
        Ok(Built::one(vec![0], Box::new(mp), out))
    }
}
