//! Structured operations: a convolution or a matrix product described by its shape, proven
//! by its own sumcheck instead of one gate per multiply-accumulate.
//!
//! This module holds the *description* only: shapes, where the operand and weights sit,
//! and the geometry every party derives from them (output shape, padded sizes, the 1-D
//! wiring of a convolution axis). The prover's tables and the verifier's final check live
//! in `prover` (`gkr::structured`); the plain reference evaluation is
//! [`Conv2dOp::evaluate`] / [`MatMulOp::evaluate`] on [`Residue`]s.
//!
//! # Layout conventions (LSB-first, as every multilinear extension in lamina)
//!
//! * A tensor `(c, y, x)` with padded sizes `C', H', W'` (each the next power of two) has
//!   index `x + W'·(y + H'·c)`; its variables in binding order are x-bits, y-bits, c-bits.
//! * A weight matrix `(r, k)` with padded `R' × K'` has index `k + K'·r`.
//! * A convolution's weights are `KH·KW` *slabs*, one per kernel tap `kk = ki·KW + kj`,
//!   each a `Co' × Ci'` matrix (`co, ci`) at `slabs + kk·Co'·Ci'` (depthwise: a
//!   `Co'`-vector at `slabs + kk·Co'`). A 3×3 kernel is therefore not padded to 4×4.
//! * Padding is *not* assumed zero. An op's meaning is the formula its sumcheck proves
//!   over the padded index ranges ([`Conv2dOp`], [`MatMulOp`]: "the meaning of a block"),
//!   which reads the operand's and the weights' padding slots; [`Conv2dOp::evaluate`] and
//!   [`MatMulOp::evaluate`] compute exactly that, for every padded output slot. The
//!   compiler makes the padding irrelevant to the outputs gates read: it constrains a
//!   private operand's padding to zero, and the public region holds zeros past its inputs;
//!   with the operand's padding zero, every valid output is the plain operation on the
//!   unpadded values whatever the weights' padding holds.
//!
//! Every size helper uses checked arithmetic and returns `None` on overflow or on a shape
//! with an empty output; validation turns that into a typed error.

use crate::eval::Residue;

/// The next power of two of `n` (`1 ↦ 1`), or `None` past `2^31`.
pub fn padded(n: u32) -> Option<u32> {
    n.checked_next_power_of_two()
}

/// `log2` of [`padded`]`(n)`.
pub fn padded_log(n: u32) -> Option<u8> {
    padded(n).map(|p| p.trailing_zeros() as u8)
}

/// A `(c, h, w)` tensor stored channel-major with each dimension padded to a power of two,
/// starting at `offset` of its layer (aligned to its padded size).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TensorRef {
    /// First slot of the padded tensor in its layer.
    pub offset: u32,
    /// Logical sizes `[c, h, w]`.
    pub dims: [u32; 3],
}

impl TensorRef {
    /// Padded sizes `[C', H', W']`.
    pub fn padded(&self) -> Option<[u32; 3]> {
        Some([
            padded(self.dims[0])?,
            padded(self.dims[1])?,
            padded(self.dims[2])?,
        ])
    }

    /// `log2` of the padded size: the tensor's number of variables.
    pub fn log_len(&self) -> Option<u8> {
        let p = self.padded()?;
        Some(p.iter().map(|d| d.trailing_zeros() as u8).sum())
    }

    /// Index of `(c, y, x)` relative to `offset`.
    pub fn index(&self, c: u32, y: u32, x: u32) -> Option<u64> {
        let [_, ph, pw] = self.padded()?;
        Some(u64::from(x) + u64::from(pw) * (u64::from(y) + u64::from(ph) * u64::from(c)))
    }
}

/// A matrix `rows × cols` in the weights region (offset relative to the region), padded to
/// `R' × K'`, element `(r, k)` at `offset + r·K' + k`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct WeightRef {
    /// Region-relative offset, aligned to `R'·K'`.
    pub offset: u32,
    /// Logical rows (output features).
    pub rows: u32,
    /// Logical columns (input features).
    pub cols: u32,
}

impl WeightRef {
    /// `log2(R'·K')`.
    pub fn log_len(&self) -> Option<u8> {
        Some(padded_log(self.rows)? + padded_log(self.cols)?)
    }
}

/// One spatial axis of a convolution: the input size, the output size, and how output
/// position `o` and kernel tap `t` select input position `o·stride + t·dilation − pad`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Axis {
    /// Input size (unpadded).
    pub input: u32,
    /// Output size (unpadded), from the ONNX formula.
    pub output: u32,
    /// Kernel size.
    pub kernel: u32,
    /// Stride.
    pub stride: u32,
    /// Dilation.
    pub dilation: u32,
    /// Leading pad (top or left). The trailing pad enters only through `output`.
    pub pad: u32,
}

impl Axis {
    /// The axis of an input of size `input`, or `None` if a size is zero, the output would
    /// be empty, or a value overflows. `pads` = (leading, trailing).
    pub fn new(
        input: u32,
        kernel: u32,
        stride: u32,
        dilation: u32,
        pads: (u32, u32),
    ) -> Option<Axis> {
        if input == 0 || kernel == 0 || stride == 0 || dilation == 0 {
            return None;
        }
        let span = u64::from(input) + u64::from(pads.0) + u64::from(pads.1);
        let reach = u64::from(dilation) * u64::from(kernel - 1) + 1;
        let output = span.checked_sub(reach)? / u64::from(stride) + 1;
        Some(Axis {
            input,
            output: u32::try_from(output).ok()?,
            kernel,
            stride,
            dilation,
            pad: pads.0,
        })
    }

    /// The output positions `o` for which tap `t` reads inside the input: the half-open
    /// interval `lo..hi` (empty if none).
    pub fn taps(&self, t: u32) -> std::ops::Range<u32> {
        let (s, d, p) = (
            i64::from(self.stride),
            i64::from(self.dilation),
            i64::from(self.pad),
        );
        let shift = i64::from(t) * d - p; // source = o·s + shift
        // o·s + shift >= 0  ⇔  o >= ceil(−shift / s)
        let lo = if shift >= 0 { 0 } else { (-shift + s - 1) / s };
        // o·s + shift <= input − 1  ⇔  o <= floor((input − 1 − shift) / s)
        let top = i64::from(self.input) - 1 - shift;
        let hi = if top < 0 {
            0
        } else {
            (top / s + 1).min(i64::from(self.output))
        };
        let lo = lo.min(hi);
        lo as u32..hi as u32
    }

    /// The input position output `o` reads through tap `t`; only meaningful for
    /// `o ∈ taps(t)`.
    pub fn source(&self, o: u32, t: u32) -> u32 {
        (i64::from(o) * i64::from(self.stride) + i64::from(t) * i64::from(self.dilation)
            - i64::from(self.pad)) as u32
    }
}

/// Convolution hyper-parameters, ONNX order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ConvSpec {
    /// Kernel `[KH, KW]`.
    pub kernel: [u32; 2],
    /// Strides `[sh, sw]`.
    pub stride: [u32; 2],
    /// Dilations `[dh, dw]`.
    pub dilation: [u32; 2],
    /// Pads `[top, left, bottom, right]`.
    pub pads: [u32; 4],
    /// Depthwise (`groups = cin = cout`): each slab is a `Co'`-vector.
    pub depthwise: bool,
}

/// `Y[co][oy][ox] = Σ_{ci,ki,kj} W_{ki·KW+kj}[co][ci]·A[ci][oy·sh+ki·dh−pt][ox·sw+kj·dw−pl] + b[co]`
/// (zero outside the input), depthwise: only `ci = co`.
///
/// **The meaning of a block** (what an accepting verifier binds, for any weights region
/// and any operand, padding slots included). For every padded output slot `co < Co'`,
/// `oy < OH'`, `ox < OW'`: `Y[co][oy][ox] = 0` if `oy ≥ OH` or `ox ≥ OW`; otherwise
/// `Y[co][oy][ox] = b[co] + Σ_{(ki,kj)} Σ_{ci < Ci'} W_{ki·KW+kj}[co][ci]·A[ci][iy][ix]`,
/// the taps restricted to those whose source `(iy, ix) = (oy·sh + ki·dh − pt,
/// ox·sw + kj·dw − pl)` lies in the unpadded `[0, H) × [0, W)` (so `A`'s spatial padding is
/// never read), `b` the bias slot's `Co'` values (zero without a bias). Both channel
/// indices run over their padded ranges: the operand's padded channels `ci ≥ cin` meet the
/// slabs' padded columns, and the padded output channels `co ≥ cout` are the slabs' padded
/// rows and bias slots applied to the operand. Depthwise: the inner sum is the single term
/// `w_kk[co]·A[co][iy][ix]`, for every `co < Co'`. Hence, when the operand's padded
/// channels are zero, every valid output (`co < cout`, `oy < OH`, `ox < OW`) is the plain
/// convolution above and reads no padding slot of the weights.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Conv2dOp {
    /// The input activation `A`, `(cin, h, w)`, in the previous layer.
    pub input: TensorRef,
    /// Output channels.
    pub cout: u32,
    /// Geometry.
    pub spec: ConvSpec,
    /// Weights-region offset of slab 0.
    pub slabs: u32,
    /// Weights-region offset of the bias, a `Co'`-vector.
    pub bias: Option<u32>,
}

impl Conv2dOp {
    /// The height and width axes, or `None` for an invalid geometry.
    pub fn axes(&self) -> Option<(Axis, Axis)> {
        let s = &self.spec;
        let y = Axis::new(
            self.input.dims[1],
            s.kernel[0],
            s.stride[0],
            s.dilation[0],
            (s.pads[0], s.pads[2]),
        )?;
        let x = Axis::new(
            self.input.dims[2],
            s.kernel[1],
            s.stride[1],
            s.dilation[1],
            (s.pads[1], s.pads[3]),
        )?;
        Some((y, x))
    }

    /// Output sizes `[cout, OH, OW]`.
    pub fn out_dims(&self) -> Option<[u32; 3]> {
        let (y, x) = self.axes()?;
        Some([self.cout, y.output, x.output])
    }

    /// Number of kernel taps `KH·KW`.
    pub fn taps(&self) -> Option<u32> {
        self.spec.kernel[0].checked_mul(self.spec.kernel[1])
    }

    /// Size of one slab: `Co'·Ci'` (depthwise `Co'`).
    pub fn slab_len(&self) -> Option<u32> {
        let co = padded(self.cout)?;
        if self.spec.depthwise {
            Some(co)
        } else {
            co.checked_mul(padded(self.input.dims[0])?)
        }
    }

    /// Region-relative offset of tap `kk`'s slab.
    pub fn slab_offset(&self, kk: u32) -> Option<u32> {
        self.slabs.checked_add(kk.checked_mul(self.slab_len()?)?)
    }

    /// Multiply-accumulates of one evaluation (unpadded).
    pub fn macs(&self) -> Option<u64> {
        let [co, oh, ow] = self.out_dims()?;
        let per = if self.spec.depthwise {
            1
        } else {
            u64::from(self.input.dims[0])
        };
        Some(u64::from(co) * u64::from(oh) * u64::from(ow) * per * u64::from(self.taps()?))
    }

    /// What the verifier's final check costs, in 1-D wiring terms: `KH·OH + KW·OW` plus
    /// the padded axis sizes its eq tables cover.
    pub fn wiring_cost(&self) -> Option<u64> {
        let (y, x) = self.axes()?;
        let sizes = [y.input, x.input, y.output, x.output];
        let mut cost =
            u64::from(y.kernel) * u64::from(y.output) + u64::from(x.kernel) * u64::from(x.output);
        for s in sizes {
            cost += u64::from(padded(s)?);
        }
        Some(cost)
    }

    /// Plain evaluation on residues, the reference the prover is tested against:
    /// `input` is the padded operand tensor, `weights` the whole weights region,
    /// the result the padded output tensor, every slot as the block's meaning (type doc)
    /// defines it. `None` if a slice is too short.
    pub fn evaluate(&self, input: &[Residue], weights: &[Residue]) -> Option<Vec<Residue>> {
        // Tap-major: for each output channel, tap and input channel the weight is fixed
        // and the valid outputs are a rectangle (`Axis::taps`), so the inner loops are
        // plain strided reads. Residue arithmetic is exact, so the order of the terms
        // does not matter (tested against the per-output sum).
        let (ay, ax) = self.axes()?;
        let out = TensorRef {
            offset: 0,
            dims: self.out_dims()?,
        };
        let [co_pad, _, _] = out.padded()?;
        let out_len = out
            .padded()?
            .iter()
            .try_fold(1usize, |a, &d| a.checked_mul(d as usize))?;
        let mut y = vec![Residue::ZERO; out_len];
        let ci_pad = padded(self.input.dims[0])?;
        let slab = self.slab_len()? as usize;
        let (oh, ow) = (ay.output as usize, ax.output as usize);
        let mut plane = vec![Residue::ZERO; oh * ow];
        for co in 0..co_pad {
            let bias = match self.bias {
                Some(b) => *weights.get(b as usize + co as usize)?,
                None => Residue::ZERO,
            };
            plane.fill(bias);
            for ki in 0..ay.kernel {
                let rows = ay.taps(ki);
                for kj in 0..ax.kernel {
                    let cols = ax.taps(kj);
                    if rows.is_empty() || cols.is_empty() {
                        continue;
                    }
                    let base = self.slabs as usize + (ki * ax.kernel + kj) as usize * slab;
                    // The row segment every (ci, oy) reads: columns from `ix0` on, every
                    // `step`-th, into outputs `cols`.
                    let (ix0, step, n) =
                        (ax.source(cols.start, kj), ax.stride as usize, cols.len());
                    let channels = if self.spec.depthwise {
                        co..co + 1
                    } else {
                        0..ci_pad
                    };
                    for ci in channels {
                        let w = if self.spec.depthwise {
                            *weights.get(base + co as usize)?
                        } else {
                            *weights.get(base + co as usize * ci_pad as usize + ci as usize)?
                        };
                        for oy in rows.clone() {
                            let first = self.input.index(ci, ay.source(oy, ki), ix0)? as usize;
                            let src = input.get(first..first + (n - 1) * step + 1)?;
                            let dst = &mut plane[oy as usize * ow..][cols.start as usize..][..n];
                            for (d, &a) in dst.iter_mut().zip(src.iter().step_by(step)) {
                                *d = *d + w * a;
                            }
                        }
                    }
                }
            }
            for oy in 0..ay.output {
                let at = out.index(co, oy, 0)? as usize;
                y.get_mut(at..at + ow)?
                    .copy_from_slice(&plane[oy as usize * ow..][..ow]);
            }
        }
        Some(y)
    }
}

/// `Y[i][j] = Σ_k W[i][k]·X[k][j] + b[i]`: `X` is the operand `(K, 1, J)`, `W` an `I × K`
/// matrix in the weights region, `Y` is `(I, 1, J)`.
///
/// **The meaning of a block** (what an accepting verifier binds, for any weights region
/// and any operand, padding slots included). For every padded output slot `i < I'`,
/// `j < J'`: `Y[i][j] = Σ_{k < K'} W[i][k]·X[k][j] + [j < J]·b[i]`, with `W` the whole
/// padded `I' × K'` matrix slot, `X` the whole padded `K' × J'` operand and `b` the bias
/// slot's `I'` values (zero without a bias): the padded inner index `k ≥ K` meets the
/// matrix's padded columns, the padded rows `i ≥ I` are the matrix's padded rows and bias
/// slots, and the padded columns `j ≥ J` carry no bias. Hence, when the operand's padding
/// is zero, every valid output (`i < I`, `j < J`) is the plain product above and reads no
/// padding slot of the weights, and the padded columns are zero.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MatMulOp {
    /// The operand `X`, dims `[K, 1, J]` (`J = 1` for a batch-1 Gemm).
    pub input: TensorRef,
    /// The weight matrix, `rows = I`, `cols = K`.
    pub weight: WeightRef,
    /// Weights-region offset of the bias, an `I'`-vector.
    pub bias: Option<u32>,
}

impl MatMulOp {
    /// Output sizes `[I, 1, J]`.
    pub fn out_dims(&self) -> [u32; 3] {
        [self.weight.rows, 1, self.input.dims[2]]
    }

    /// Multiply-accumulates of one evaluation (unpadded).
    pub fn macs(&self) -> u64 {
        u64::from(self.weight.rows) * u64::from(self.weight.cols) * u64::from(self.input.dims[2])
    }

    /// What the verifier's final check costs: Thaler's check is a product of a few
    /// multilinear evaluations, so only the variable count (`log I' + log K' + log J'`)
    /// plus one.
    pub fn wiring_cost(&self) -> Option<u64> {
        let vars = u64::from(self.weight.log_len()?) + u64::from(padded_log(self.input.dims[2])?);
        Some(vars + 1)
    }

    /// Plain evaluation on residues (see [`Conv2dOp::evaluate`]): every padded output slot
    /// as the block's meaning (type doc) defines it.
    pub fn evaluate(&self, input: &[Residue], weights: &[Residue]) -> Option<Vec<Residue>> {
        let out = TensorRef {
            offset: 0,
            dims: self.out_dims(),
        };
        let [i_pad, _, j_pad] = out.padded()?;
        let out_len = (i_pad as usize).checked_mul(j_pad as usize)?;
        let k_pad = padded(self.weight.cols)? as usize;
        let mut y = vec![Residue::ZERO; out_len];
        for i in 0..i_pad {
            let bias = match self.bias {
                Some(b) => *weights.get(b as usize + i as usize)?,
                None => Residue::ZERO,
            };
            let row = self.weight.offset as usize + i as usize * k_pad;
            for j in 0..j_pad {
                let mut acc = if j < self.input.dims[2] {
                    bias
                } else {
                    Residue::ZERO
                };
                for k in 0..k_pad {
                    let w = *weights.get(row + k)?;
                    let x = *input.get(self.input.index(k as u32, 0, j)? as usize)?;
                    acc = acc + w * x;
                }
                y[out.index(i, 0, j)? as usize] = acc;
            }
        }
        Some(y)
    }
}

/// A structured part of a layer: an operation proven by its own sumcheck, writing the
/// aligned subcube `out_offset .. out_offset + 2^out_log_len` of its layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Block {
    /// First output slot, aligned to the padded output size.
    pub out_offset: u32,
    /// The operation.
    pub op: StructuredOp,
}

impl Block {
    /// The output span `offset .. offset + 2^log_len` as `(offset, log_len)`, or `None`
    /// for an invalid shape.
    pub fn out_span(&self) -> Option<(u32, u8)> {
        Some((self.out_offset, self.op.out_log_len()?))
    }
}

/// A structured operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StructuredOp {
    /// A 2-D convolution (encoding tag 1).
    Conv2d(Conv2dOp),
    /// A matrix product (encoding tag 2).
    MatMul(MatMulOp),
}

impl StructuredOp {
    /// Output sizes.
    pub fn out_dims(&self) -> Option<[u32; 3]> {
        match self {
            StructuredOp::Conv2d(c) => c.out_dims(),
            StructuredOp::MatMul(m) => Some(m.out_dims()),
        }
    }

    /// `log2` of the padded output size.
    pub fn out_log_len(&self) -> Option<u8> {
        TensorRef {
            offset: 0,
            dims: self.out_dims()?,
        }
        .log_len()
    }

    /// The operand tensor in the previous layer.
    pub fn operand(&self) -> &TensorRef {
        match self {
            StructuredOp::Conv2d(c) => &c.input,
            StructuredOp::MatMul(m) => &m.input,
        }
    }

    /// Multiply-accumulates of one evaluation.
    pub fn macs(&self) -> Option<u64> {
        match self {
            StructuredOp::Conv2d(c) => c.macs(),
            StructuredOp::MatMul(m) => Some(m.macs()),
        }
    }

    /// The verifier's wiring work ([`Conv2dOp::wiring_cost`], [`MatMulOp::wiring_cost`]).
    pub fn wiring_cost(&self) -> Option<u64> {
        match self {
            StructuredOp::Conv2d(c) => c.wiring_cost(),
            StructuredOp::MatMul(m) => m.wiring_cost(),
        }
    }

    /// The verifier's whole work for the block, the figure the validation budget sums:
    /// the wiring plus one deferred claim per weight span (a convolution's `KH·KW` slabs
    /// are not in its wiring cost, yet each is a claim the verifier checks).
    pub fn verifier_cost(&self) -> Option<u64> {
        let spans = match self {
            StructuredOp::Conv2d(c) => u64::from(c.taps()?),
            StructuredOp::MatMul(_) => 1,
        };
        self.wiring_cost()?.checked_add(spans + 1)
    }

    /// The weights the op reads, as region-relative `(offset, log_len)` spans: a
    /// convolution's slabs in tap order then its bias, a matrix product's matrix then its
    /// bias. `None` if a size overflows (validation refuses such ops). The spans are
    /// computed lazily: a validated op has at most as many as its verifier cost.
    pub fn weight_spans(&self) -> Option<impl Iterator<Item = (u32, u8)> + use<>> {
        let (first, step, count, log, bias, bias_log) = match self {
            StructuredOp::Conv2d(c) => {
                let slab = c.slab_len()?;
                let taps = c.taps()?;
                // The last slab's end must be a u32, so every offset below is one too.
                u32::try_from(u64::from(c.slabs) + u64::from(taps) * u64::from(slab)).ok()?;
                let log = slab.trailing_zeros() as u8;
                (c.slabs, slab, taps, log, c.bias, padded_log(c.cout)?)
            }
            StructuredOp::MatMul(m) => {
                let log = m.weight.log_len()?;
                (
                    m.weight.offset,
                    0,
                    1,
                    log,
                    m.bias,
                    padded_log(m.weight.rows)?,
                )
            }
        };
        let main = (0..count).map(move |kk| (first + kk * step, log));
        Some(main.chain(bias.map(|b| (b, bias_log))))
    }

    /// Plain evaluation on residues (see [`Conv2dOp::evaluate`]).
    pub fn evaluate(&self, input: &[Residue], weights: &[Residue]) -> Option<Vec<Residue>> {
        match self {
            StructuredOp::Conv2d(c) => c.evaluate(input, weights),
            StructuredOp::MatMul(m) => m.evaluate(input, weights),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// `taps` agrees with the definition on every small axis.
    #[test]
    fn taps_match_brute_force() {
        for input in 1..9u32 {
            for kernel in 1..4 {
                for stride in 1..4 {
                    for dilation in 1..3 {
                        for pads in [(0, 0), (1, 1), (2, 0), (0, 2)] {
                            let Some(a) = Axis::new(input, kernel, stride, dilation, pads) else {
                                continue;
                            };
                            for t in 0..kernel {
                                let want: Vec<u32> = (0..a.output)
                                    .filter(|&o| {
                                        let s = i64::from(o * stride + t * dilation)
                                            - i64::from(pads.0);
                                        (0..i64::from(input)).contains(&s)
                                    })
                                    .collect();
                                let got: Vec<u32> = a.taps(t).collect();
                                assert_eq!(got, want, "{a:?} tap {t}");
                            }
                        }
                    }
                }
            }
        }
    }

    /// The per-output sum [`Conv2dOp::evaluate`] replaced, as its reference.
    fn evaluate_per_output(op: &Conv2dOp, input: &[Residue], weights: &[Residue]) -> Vec<Residue> {
        let (ay, ax) = op.axes().unwrap();
        let out = TensorRef {
            offset: 0,
            dims: op.out_dims().unwrap(),
        };
        let [co_pad, _, _] = out.padded().unwrap();
        let out_len = out
            .padded()
            .unwrap()
            .iter()
            .try_fold(1usize, |a, &d| a.checked_mul(d as usize))
            .unwrap();
        let mut y = vec![Residue::ZERO; out_len];
        let ci_pad = padded(op.input.dims[0]).unwrap();
        let slab = op.slab_len().unwrap() as usize;
        for co in 0..co_pad {
            let bias = match op.bias {
                Some(b) => *weights.get(b as usize + co as usize).unwrap(),
                None => Residue::ZERO,
            };
            for oy in 0..ay.output {
                for ox in 0..ax.output {
                    let mut acc = bias;
                    for ki in 0..ay.kernel {
                        if !ay.taps(ki).contains(&oy) {
                            continue;
                        }
                        let iy = ay.source(oy, ki);
                        for kj in 0..ax.kernel {
                            if !ax.taps(kj).contains(&ox) {
                                continue;
                            }
                            let ix = ax.source(ox, kj);
                            let base = op.slabs as usize + (ki * ax.kernel + kj) as usize * slab;
                            let channels = if op.spec.depthwise {
                                co..co + 1
                            } else {
                                0..ci_pad
                            };
                            for ci in channels {
                                let w = if op.spec.depthwise {
                                    *weights.get(base + co as usize).unwrap()
                                } else {
                                    *weights
                                        .get(base + co as usize * ci_pad as usize + ci as usize)
                                        .unwrap()
                                };
                                let a = *input
                                    .get(op.input.index(ci, iy, ix).unwrap() as usize)
                                    .unwrap();
                                acc = acc + w * a;
                            }
                        }
                    }
                    y[out.index(co, oy, ox).unwrap() as usize] = acc;
                }
            }
        }
        y
    }

    fn residue(seed: &mut u64) -> Residue {
        *seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        Residue::from_i64((*seed >> 11) as i64 - (1 << 52))
    }

    /// The tap-major evaluation equals the per-output sums on random geometries, padded
    /// channels and padding slots holding values included; short slices give `None`.
    #[test]
    fn evaluate_matches_per_output_sums() {
        let mut seed = 5u64;
        let mut checked = 0;
        for case in 0..300u64 {
            let mut pick = |m: u32| {
                seed = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15).wrapping_add(case);
                (seed >> 40) as u32 % m
            };
            let depthwise = pick(4) == 0;
            let cin = 1 + pick(5);
            let cout = if depthwise { cin } else { 1 + pick(5) };
            let (h, w) = (1 + pick(8), 1 + pick(8));
            let spec = ConvSpec {
                kernel: [1 + pick(3), 1 + pick(3)],
                stride: [1 + pick(3), 1 + pick(3)],
                dilation: [1 + pick(2), 1 + pick(2)],
                pads: [pick(3), pick(3), pick(3), pick(3)],
                depthwise,
            };
            let input = TensorRef {
                offset: 0,
                dims: [cin, h, w],
            };
            let op = Conv2dOp {
                input,
                cout,
                spec,
                slabs: 0,
                bias: None,
            };
            let (Some(_), Some(slab), Some(taps), Some(len)) =
                (op.axes(), op.slab_len(), op.taps(), input.log_len())
            else {
                continue;
            };
            let slabs_len = slab * taps;
            let co_pad = padded(cout).unwrap();
            let op = Conv2dOp {
                bias: (pick(2) == 0).then_some(slabs_len),
                ..op
            };
            let a: Vec<Residue> = (0..1u32 << len).map(|_| residue(&mut seed)).collect();
            let wts: Vec<Residue> = (0..slabs_len + co_pad)
                .map(|_| residue(&mut seed))
                .collect();
            let want = evaluate_per_output(&op, &a, &wts);
            assert_eq!(op.evaluate(&a, &wts), Some(want), "{op:?}");
            assert_eq!(
                op.evaluate(&a[..a.len() - 1], &wts).is_none(),
                evaluate_short(&op, &a, &wts)
            );
            checked += 1;
        }
        assert!(checked > 150, "only {checked} geometries fit");
    }

    /// Whether the reference reads the operand's last slot (a slice one short must then
    /// give `None`, and otherwise may not).
    fn evaluate_short(op: &Conv2dOp, a: &[Residue], w: &[Residue]) -> bool {
        let mut marked = a.to_vec();
        let last = marked.len() - 1;
        marked[last] = marked[last] + Residue::from_i64(1);
        evaluate_per_output(op, &marked, w) != evaluate_per_output(op, a, w)
    }

    #[test]
    fn output_size_follows_onnx() {
        // 32×32, 3×3, pad 1, stride 1 → 32; stride 2 → 16; 5×5 no pad → 28.
        assert_eq!(Axis::new(32, 3, 1, 1, (1, 1)).unwrap().output, 32);
        assert_eq!(Axis::new(32, 3, 2, 1, (1, 1)).unwrap().output, 16);
        assert_eq!(Axis::new(32, 5, 1, 1, (0, 0)).unwrap().output, 28);
        assert_eq!(Axis::new(2, 5, 1, 1, (0, 0)), None);
        assert_eq!(Axis::new(4, 0, 1, 1, (0, 0)), None);
    }
}
