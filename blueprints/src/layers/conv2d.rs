//! Conv (ONNX `Conv`): 1-D and 2-D, NCHW with any batch, pads (explicit or `auto_pad`),
//! strides, dilations and groups (depthwise included), with its rescale epilogue; a
//! following BatchNormalization (sole consumer, constant parameters) is folded into the
//! float weights and a following ReLU fused into the rescale.
//!
//! Each output is `bias + Σ x·w` over the kernel window, cropped at the borders (zero
//! padding contributes nothing). Weights are committed inputs at α, the bias at α². With
//! one group, or depthwise, the accumulators are one structured conv block per batch
//! item (`Builder::conv2d`: proven by its own sumcheck, no gate per multiply-accumulate);
//! other groupings, or [`Conv2d::with_gates`], use one degree-2 gate step per output. The
//! rescale then brings each accumulator back to α (fused with ReLU when one follows).

use super::{Blueprint, Built, Cx, LinearParams, Op, batchnorm};
use crate::{BlueprintError, Result};
use circuits::ConvSpec;
use circuits::compiler::{Builder, Label, Var};

/// Shape parameters of a convolution (1-D is height 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConvGeometry {
    /// Batch.
    pub n: usize,
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
    /// Dilations (height, width).
    pub dilation: (usize, usize),
    /// Groups (`cin` and `cout` are multiples).
    pub group: usize,
}

impl ConvGeometry {
    /// Output height and width.
    pub fn out_hw(&self) -> Result<(usize, usize)> {
        let (sh, sw) = self.stride;
        let hp = self.h + self.pads[0] + self.pads[2];
        let wp = self.w + self.pads[1] + self.pads[3];
        let (eh, ew) = (
            (self.kh.max(1) - 1) * self.dilation.0 + 1,
            (self.kw.max(1) - 1) * self.dilation.1 + 1,
        );
        if sh == 0 || sw == 0 || hp < eh || wp < ew || self.kh == 0 || self.kw == 0 {
            return Err(BlueprintError::Shape {
                what: "conv".into(),
                reason: format!(
                    "kernel {}x{} (dilated {eh}x{ew}) does not fit input {}x{} with pads {:?}",
                    self.kh, self.kw, self.h, self.w, self.pads
                ),
            });
        }
        Ok(((hp - eh) / sh + 1, (wp - ew) / sw + 1))
    }

    fn cin_per_group(&self) -> usize {
        self.cin / self.group.max(1)
    }

    /// `(input index, weight index)` pairs of output `(b, co, oy, ox)`, padding cropped.
    fn window(
        &self,
        bt: usize,
        co: usize,
        oy: usize,
        ox: usize,
    ) -> impl Iterator<Item = (usize, usize)> + '_ {
        let (sh, sw) = self.stride;
        let (dh, dw) = self.dilation;
        let cpg = self.cin_per_group();
        let g = co / (self.cout / self.group.max(1)).max(1);
        (0..cpg).flat_map(move |cl| {
            let ci = g * cpg + cl;
            (0..self.kh).flat_map(move |ki| {
                (0..self.kw).filter_map(move |kj| {
                    let y = (oy * sh + ki * dh).checked_sub(self.pads[0])?;
                    let x = (ox * sw + kj * dw).checked_sub(self.pads[1])?;
                    (y < self.h && x < self.w).then(|| {
                        (
                            ((bt * self.cin + ci) * self.h + y) * self.w + x,
                            ((co * cpg + cl) * self.kh + ki) * self.kw + kj,
                        )
                    })
                })
            })
        })
    }

    /// `acc(e, co, Σ)` for every output `e` (of channel `co`) in `(b, co, oy, ox)` order,
    /// where `Σ` starts at `zero` and takes `mac(Σ, x, w)` over the output's window in
    /// [`ConvGeometry::window`]'s order `(cl, ki, kj)`: the same terms in the same order
    /// as a per-output sum (so floats round the same), computed a plane at a time with
    /// the padding cropped by the loop bounds instead of a check per term.
    fn correlate<X: Copy, A: Copy, O>(
        &self,
        x: &[X],
        w: &[X],
        zero: A,
        mac: impl Fn(A, X, X) -> A,
        mut acc: impl FnMut(usize, usize, A) -> O,
    ) -> Vec<O> {
        let (oh, ow) = self.out_hw().unwrap_or((0, 0));
        let (sh, sw) = self.stride;
        let (dh, dw) = self.dilation;
        let cpg = self.cin_per_group();
        let per_group = (self.cout / self.group.max(1)).max(1);
        // Output columns whose input column `ox·sw + kj·dw − pad` lies in `0..w`: an
        // interval, the column growing with `ox`.
        let cols = |kj: usize| {
            let valid = |ox: usize| {
                (ox * sw + kj * dw)
                    .checked_sub(self.pads[1])
                    .is_some_and(|c| c < self.w)
            };
            let lo = (0..ow).find(|&ox| valid(ox)).unwrap_or(ow);
            let hi = (lo..ow).find(|&ox| !valid(ox)).unwrap_or(ow);
            (lo, hi)
        };
        let col_ranges: Vec<(usize, usize)> = (0..self.kw).map(cols).collect();
        let mut plane = vec![zero; oh * ow];
        let mut out = Vec::with_capacity(self.n * self.cout * oh * ow);
        for bt in 0..self.n {
            for co in 0..self.cout {
                plane.fill(zero);
                let ci0 = co / per_group * cpg;
                for cl in 0..cpg {
                    let input =
                        &x[(bt * self.cin + ci0 + cl) * self.h * self.w..][..self.h * self.w];
                    for ki in 0..self.kh {
                        for (kj, &(lo, hi)) in col_ranges.iter().enumerate() {
                            let wv = w[((co * cpg + cl) * self.kh + ki) * self.kw + kj];
                            for oy in 0..oh {
                                let Some(y) = (oy * sh + ki * dh).checked_sub(self.pads[0]) else {
                                    continue;
                                };
                                if y >= self.h || lo >= hi {
                                    continue;
                                }
                                let row = &input[y * self.w..][..self.w];
                                let first = lo * sw + kj * dw - self.pads[1];
                                let dst = &mut plane[oy * ow + lo..oy * ow + hi];
                                for (k, a) in dst.iter_mut().enumerate() {
                                    *a = mac(*a, row[first + k * sw], wv);
                                }
                            }
                        }
                    }
                }
                let base = out.len();
                out.extend(plane.iter().enumerate().map(|(e, &a)| acc(base + e, co, a)));
            }
        }
        out
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
    /// Whether the accumulators are a structured block (the default) or gates.
    structured: bool,
}

impl Conv2d {
    /// Quantizes float weights `[cout, cin/group, kh, kw]` and bias `[cout]` at
    /// 2^`kappa`, for inputs bounded by `in_bound` (integer units), with or without a
    /// fused ReLU; `cap` is a calibrated output bound.
    #[allow(
        clippy::too_many_arguments,
        reason = "the quantization inputs of one layer"
    )]
    pub fn new(
        name: &str,
        geom: ConvGeometry,
        w: &[f64],
        b: &[f64],
        kappa: u32,
        in_bound: i64,
        relu: bool,
        cap: Option<i64>,
    ) -> Result<Conv2d> {
        let (oh, ow) = geom.out_hw()?;
        let nw = geom.cout * geom.cin_per_group() * geom.kh * geom.kw;
        if w.len() != nw
            || b.len() != geom.cout
            || geom.group == 0
            || !geom.cin.is_multiple_of(geom.group)
            || !geom.cout.is_multiple_of(geom.group)
        {
            return Err(BlueprintError::Shape {
                what: format!("conv '{name}'"),
                reason: format!(
                    "expected {nw} weights and {} biases with {} groups dividing {} input and {} output channels, got {} and {}",
                    geom.cout,
                    geom.group,
                    geom.cin,
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
            geom.cin_per_group() * geom.kh * geom.kw,
            kappa,
            in_bound,
            relu,
            cap,
        )?;
        Ok(Conv2d {
            name: name.to_string(),
            geom,
            lin,
            out_len: geom.n * geom.cout * oh * ow,
            structured: true,
        })
    }

    fn outputs(&self) -> impl Iterator<Item = (usize, usize, usize, usize)> + '_ {
        let (oh, ow) = self.geom.out_hw().unwrap_or((0, 0));
        (0..self.geom.n).flat_map(move |bt| {
            (0..self.geom.cout)
                .flat_map(move |co| (0..oh).flat_map(move |y| (0..ow).map(move |x| (bt, co, y, x))))
        })
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
    fn macs(&self) -> u64 {
        let g = &self.geom;
        let per_output = ((g.cin / g.group.max(1)) as u64)
            .saturating_mul(g.kh as u64)
            .saturating_mul(g.kw as u64);
        (self.out_len as u64).saturating_mul(per_output)
    }
    fn float(&self, x: &[&[f64]]) -> Vec<f64> {
        // The neutral element `Iterator::sum` starts from, so the sums match it bit for bit.
        let zero = std::iter::empty::<f64>().sum::<f64>();
        self.geom.correlate(
            x[0],
            &self.lin.w_f,
            zero,
            |a, x, w| a + x * w,
            |_, co, s| {
                let v = self.lin.b_f[co] + s;
                if self.lin.rescale.relu { v.max(0.0) } else { v }
            },
        )
    }
    fn int(&self, x: &[&[i64]], hints: &mut Vec<i64>) -> Result<Vec<i64>> {
        let nw = self.lin.w_f.len();
        self.geom
            .correlate(
                x[0],
                &self.lin.params[..nw],
                0i128,
                |a, x, w| a + i128::from(x) * i128::from(w),
                |e, co, s| {
                    let acc = i128::from(self.lin.params[nw + co]) + s;
                    self.lin.rescale.int(acc as i64, hints, &self.name, e)
                },
            )
            .into_iter()
            .collect()
    }
    fn emit(&self, b: &mut Builder, x: &[&[Var]], w: &[Var], layer: u32) -> Result<Vec<Var>> {
        let label = |e: usize| Label::new("conv2d", layer, e as u32);
        let accs = match self.spec() {
            Some(spec) if self.structured && !b.prefers_gates() => {
                self.emit_blocks(b, x[0], w, spec)?
            }
            _ => self.emit_gates(b, x[0], w),
        };
        Ok(accs
            .into_iter()
            .enumerate()
            .map(|(e, acc)| self.lin.rescale.emit(b, acc, label(e)))
            .collect())
    }
}

impl Conv2d {
    /// Proves the accumulators with per-MAC gates instead of a structured block.
    #[must_use]
    pub fn with_gates(mut self) -> Conv2d {
        self.structured = false;
        self
    }

    /// The block's spec, when the geometry is one a block proves: one group, or
    /// depthwise (one input and one output channel per group).
    fn spec(&self) -> Option<ConvSpec> {
        let g = &self.geom;
        let depthwise = g.group > 1 && g.group == g.cin && g.group == g.cout;
        let u = |v: usize| u32::try_from(v).ok();
        (g.group == 1 || depthwise).then_some(())?;
        Some(ConvSpec {
            kernel: [u(g.kh)?, u(g.kw)?],
            stride: [u(g.stride.0)?, u(g.stride.1)?],
            dilation: [u(g.dilation.0)?, u(g.dilation.1)?],
            pads: [u(g.pads[0])?, u(g.pads[1])?, u(g.pads[2])?, u(g.pads[3])?],
            depthwise,
        })
    }

    /// The accumulators `bias + Σ x·w` as one conv block per batch item: the weights
    /// regrouped into `KH·KW` slabs `[cout, cin/group]` (tap-major, ONNX order within a
    /// slab) and the bias, both placed by the compiler where the block reads them.
    fn emit_blocks(
        &self,
        b: &mut Builder,
        x: &[Var],
        w: &[Var],
        spec: ConvSpec,
    ) -> Result<Vec<Var>> {
        let g = &self.geom;
        let (cpg, taps) = (g.cin_per_group(), g.kh * g.kw);
        let err = |source| BlueprintError::Structured {
            node: self.name.clone(),
            source,
        };
        let slab_vars: Vec<Var> = (0..taps)
            .flat_map(|t| (0..g.cout).flat_map(move |co| (0..cpg).map(move |ci| (t, co, ci))))
            .map(|(t, co, ci)| w[(co * cpg + ci) * taps + t])
            .collect();
        let nw = self.lin.w_f.len();
        let dims = |a: usize, b: usize, c: usize| [a, b, c].map(|v| v as u32);
        let slabs = b
            .stacked_tensor(&slab_vars, taps as u32, dims(g.cout, cpg, 1))
            .map_err(err)?;
        let bias = b
            .tensor(&w[nw..nw + g.cout], dims(g.cout, 1, 1))
            .map_err(err)?;
        let per = g.cin * g.h * g.w;
        let mut accs = Vec::with_capacity(self.out_len);
        for bt in 0..g.n {
            let xt = b
                .tensor(&x[bt * per..(bt + 1) * per], dims(g.cin, g.h, g.w))
                .map_err(err)?;
            let ys = b
                .conv2d(&xt, &slabs, Some(&bias), g.cout as u32, spec)
                .map_err(err)?;
            accs.extend(ys);
        }
        Ok(accs)
    }

    /// The accumulators as degree-2 gate steps, one per output.
    fn emit_gates(&self, b: &mut Builder, x: &[Var], w: &[Var]) -> Vec<Var> {
        let nw = self.lin.w_f.len();
        self.outputs()
            .map(|(bt, co, oy, ox)| {
                let (xs, ws): (Vec<Var>, Vec<Var>) = self
                    .geom
                    .window(bt, co, oy, ox)
                    .map(|(i, j)| (x[i], w[j]))
                    .unzip();
                b.quad(&xs, &ws, &[(1, w[nw + co])], 0)
            })
            .collect()
    }
}

/// Pads `(begin, end)` of one spatial axis from `auto_pad`, or the explicit ones.
pub(crate) fn auto_pads(
    cx: &Cx<'_>,
    input: &[usize],
    kernel: &[usize],
    stride: &[usize],
    dilation: &[usize],
    ceil: bool,
) -> Result<Vec<(usize, usize)>> {
    let r = input.len();
    let mode = cx.string("auto_pad").unwrap_or_default();
    let explicit = cx.ints("pads").unwrap_or_default();
    match mode.as_str() {
        "" | "NOTSET" => {
            if explicit.is_empty() {
                return Ok(vec![(0, 0); r]);
            }
            if explicit.len() != 2 * r
                || explicit.iter().any(|&p| !(0..=super::MAX_DIM).contains(&p))
            {
                return Err(cx.bad(format!(
                    "pads must be {} non-negative values up to {}, got {explicit:?}",
                    2 * r,
                    super::MAX_DIM
                )));
            }
            Ok((0..r)
                .map(|i| (explicit[i] as usize, explicit[i + r] as usize))
                .collect())
        }
        _ if explicit.iter().any(|&p| p != 0) => Err(cx.bad(format!(
            "auto_pad {mode} with explicit pads {explicit:?}: give one or the other"
        ))),
        "VALID" => Ok(vec![(0, 0); r]),
        "SAME_UPPER" | "SAME_LOWER" => {
            if ceil {
                return Err(cx.bad("auto_pad SAME_* with ceil_mode = 1 is not supported"));
            }
            // onnxruntime refuses this combination too; its padding is not well defined.
            if dilation.iter().any(|&d| d != 1) {
                return Err(cx.bad("auto_pad SAME_* with dilations other than 1 is not supported"));
            }
            Ok((0..r)
                .map(|i| {
                    let out = input[i].div_ceil(stride[i]);
                    let eff = (kernel[i] - 1) * dilation[i] + 1;
                    let total = ((out - 1) * stride[i] + eff).saturating_sub(input[i]);
                    let small = total / 2;
                    if mode == "SAME_UPPER" {
                        (small, total - small)
                    } else {
                        (total - small, small)
                    }
                })
                .collect())
        }
        other => Err(cx.bad(format!(
            "auto_pad '{other}' is not supported; supported: NOTSET, VALID, SAME_UPPER, SAME_LOWER"
        ))),
    }
}

/// Positive per-axis values of an ints attribute (`default` when absent).
pub(crate) fn per_axis(cx: &Cx<'_>, name: &str, r: usize, default: usize) -> Result<Vec<usize>> {
    match cx.ints(name) {
        None => Ok(vec![default; r]),
        Some(v) if v.len() == r && v.iter().all(|&x| x > 0 && x <= super::MAX_DIM) => {
            Ok(v.iter().map(|&x| x as usize).collect())
        }
        Some(v) => Err(cx.bad(format!("{name} must be {r} positive values, got {v:?}"))),
    }
}

/// ONNX `Conv`.
pub struct ConvOp;

impl Op for ConvOp {
    fn name(&self) -> &'static str {
        "Conv"
    }
    fn attributes(&self) -> &'static [&'static str] {
        &[
            "auto_pad",
            "dilations",
            "group",
            "kernel_shape",
            "pads",
            "strides",
        ]
    }
    fn build(&self, cx: &mut Cx<'_>) -> Result<Built> {
        let (xd, xb) = cx.act(0)?;
        let wt = cx.constant(1, "the weights")?;
        let bias = cx.opt_constant(2, "the bias")?;
        let r = xd.len().saturating_sub(2);
        if !(1..=2).contains(&r) || wt.dims.len() != r + 2 {
            return Err(cx.bad(format!(
                "only 1-D and 2-D convolution is supported; input {xd:?}, weights {:?}",
                wt.dims
            )));
        }
        let group = cx.int("group", 1);
        if group < 1 {
            return Err(cx.bad(format!("group must be positive, got {group}")));
        }
        let group = group as usize;
        let (n, cin, cout) = (xd[0], xd[1], wt.dims[0]);
        if !cin.is_multiple_of(group)
            || !cout.is_multiple_of(group)
            || wt.dims[1].checked_mul(group) != Some(cin)
        {
            return Err(cx.shape_err(format!(
                "input channels {cin}, weights {:?} and group {group} do not agree",
                wt.dims
            )));
        }
        let kernel: Vec<usize> = wt.dims[2..].to_vec();
        if let Some(k) = cx.ints("kernel_shape")
            && k.iter().map(|&v| v as usize).collect::<Vec<_>>() != kernel
        {
            return Err(cx.shape_err(format!(
                "kernel_shape {k:?} differs from the weights' {kernel:?}"
            )));
        }
        let stride = per_axis(cx, "strides", r, 1)?;
        let dil = per_axis(cx, "dilations", r, 1)?;
        let spatial = &xd[2..];
        let pads = auto_pads(cx, spatial, &kernel, &stride, &dil, false)?;
        let mut w: Vec<f64> = wt.data.clone();
        let mut b: Vec<f64> = match bias {
            Some(t) if t.data.len() == cout => t.data.clone(),
            Some(t) => {
                return Err(cx.shape_err(format!("bias {:?}, expected [{cout}]", t.dims)));
            }
            None => vec![0.0; cout],
        };
        if let Some(bn) = cx.next_is("BatchNormalization")
            && let Some((mul, add)) = batchnorm::foldable(cx, bn, cout)?
        {
            let per = w.len() / cout.max(1);
            for (i, v) in w.iter_mut().enumerate() {
                *v *= mul[i / per.max(1)];
            }
            for (c, v) in b.iter_mut().enumerate() {
                *v = *v * mul[c] + add[c];
            }
            cx.absorbed += 1;
        }
        let relu = cx.next_is("Relu").is_some();
        if relu {
            cx.absorbed += 1;
        }
        // 1-D is 2-D with height 1.
        let (h, wd, kh, kw, st, dl, pd) = if r == 1 {
            (
                1,
                spatial[0],
                1,
                kernel[0],
                (1, stride[0]),
                (1, dil[0]),
                [0, pads[0].0, 0, pads[0].1],
            )
        } else {
            (
                spatial[0],
                spatial[1],
                kernel[0],
                kernel[1],
                (stride[0], stride[1]),
                (dil[0], dil[1]),
                [pads[0].0, pads[1].0, pads[0].1, pads[1].1],
            )
        };
        let geom = ConvGeometry {
            n,
            cin,
            h,
            w: wd,
            cout,
            kh,
            kw,
            stride: st,
            pads: pd,
            dilation: dl,
            group,
        };
        let (oh, ow) = geom.out_hw()?;
        cx.check_size(&[n, cout, oh, ow])?;
        let dims = if r == 1 {
            vec![n, cout, ow]
        } else {
            vec![n, cout, oh, ow]
        };
        let conv = Conv2d::new(&cx.node.name, geom, &w, &b, cx.kappa, xb, relu, cx.cap())?;
        Ok(Built::one(vec![0], Box::new(conv), dims))
    }
}

#[cfg(test)]
mod tests {
    use super::ConvGeometry;

    /// The plane-wise sums against per-output sums over [`ConvGeometry::window`], bit for
    /// bit in floats and exactly in integers, on random shapes: strides, dilations,
    /// asymmetric pads (wider than the kernel too), groups, batches.
    #[test]
    fn plane_sums_match_window_sums() {
        let mut s = 0x2545_f491_4f6c_dd1du64;
        let mut next = |m: usize| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s % m as u64) as usize
        };
        let mut checked = 0;
        for _ in 0..400 {
            let group = [1, 1, 2, 3][next(4)];
            let g = ConvGeometry {
                n: 1 + next(2),
                cin: group * (1 + next(3)),
                h: 1 + next(9),
                w: 1 + next(9),
                cout: group * (1 + next(3)),
                kh: 1 + next(4),
                kw: 1 + next(4),
                stride: (1 + next(3), 1 + next(3)),
                pads: [next(4), next(4), next(4), next(4)],
                dilation: (1 + next(2), 1 + next(2)),
                group,
            };
            let Ok((oh, ow)) = g.out_hw() else { continue };
            let nx = g.n * g.cin * g.h * g.w;
            let nw = g.cout * (g.cin / group) * g.kh * g.kw;
            let xi: Vec<i64> = (0..nx).map(|_| next(2001) as i64 - 1000).collect();
            let wi: Vec<i64> = (0..nw).map(|_| next(2001) as i64 - 1000).collect();
            let xf: Vec<f64> = xi.iter().map(|&v| v as f64 / 7.3).collect();
            let wf: Vec<f64> = wi.iter().map(|&v| v as f64 / 3.1).collect();
            let outputs: Vec<(usize, usize, usize, usize)> = (0..g.n)
                .flat_map(|b| {
                    (0..g.cout).flat_map(move |c| {
                        (0..oh).flat_map(move |y| (0..ow).map(move |x| (b, c, y, x)))
                    })
                })
                .collect();
            let want_f: Vec<u64> = outputs
                .iter()
                .map(|&(b, c, y, x)| {
                    g.window(b, c, y, x)
                        .map(|(i, j)| xf[i] * wf[j])
                        .sum::<f64>()
                        .to_bits()
                })
                .collect();
            let want_i: Vec<i128> = outputs
                .iter()
                .map(|&(b, c, y, x)| {
                    g.window(b, c, y, x)
                        .map(|(i, j)| i128::from(xi[i]) * i128::from(wi[j]))
                        .sum::<i128>()
                })
                .collect();
            let zero = std::iter::empty::<f64>().sum::<f64>();
            let got_f = g.correlate(&xf, &wf, zero, |a, x, w| a + x * w, |_, _, a| a.to_bits());
            let got_i = g.correlate(
                &xi,
                &wi,
                0i128,
                |a, x, w| a + i128::from(x) * i128::from(w),
                |_, _, a| a,
            );
            assert_eq!(got_f, want_f, "{g:?}");
            assert_eq!(got_i, want_i, "{g:?}");
            checked += 1;
        }
        assert!(checked > 200, "only {checked} shapes fit");
    }
}
