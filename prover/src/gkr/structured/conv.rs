//! Convolution as one fused sumcheck over the input tensor's variables, §4.2–4.3.
//!
//! im2col is a fixed wiring of the input `A`, so the matmul sumcheck on it and the wiring
//! sumcheck back to `A` collapse into
//! `Ỹ(ρ) − b̃(ρ_co)·M(ρ) = Σ_a Ã(a)·G(a)`,
//! `G(x, y, c) = Σ_{ki,kj} Wr_{ki,kj}(c)·P^y_ki(y)·P^x_kj(x)`,
//! `Wr_kk(c) = Σ_co eq(ρ_co, co)·W_kk[co][c]` (depthwise: `eq(ρ_co, c)·w_kk[c]`), where
//! `P^y_ki(y) = Σ_{oy : oy·s + ki·d − p = y} eq(ρ_oy, oy)` is one axis's wiring.
//! Each factor depends on one variable group, so `G̃(e)` is the same sum of products of
//! their MLEs: the verifier needs only the slab values `ω_kk = W̃_kk(e_c, ρ_co)` and two
//! 1-D scans, `O(KH·OH + KW·OW)` with split eq tables.
//!
//! **Depthwise.** There `Wr_kk(c) = eq(ρ_co, c)·w_kk[c]` is a product of two functions of
//! the *same* variables, and the MLE of a product is not the product of the MLEs: §4.3's
//! `eq(ρ_co, e_c)·w̃_kk(e_c)` is wrong. Per coordinate, `eq(e, c)·eq(ρ, c)` on `c ∈ {0,1}`
//! is `m·eq(z, c)` with `m = eρ + (1−e)(1−ρ)` and `z = eρ/m`, so
//! `Σ_c eq(e_c, c)·eq(ρ_co, c)·w[c] = eq(e_c, ρ_co)·w̃(z)`: the final factor keeps its
//! form and the slab claim moves to the point `z` ([`depthwise_point`]).

use super::{
    Geometry, OpTables, Structured, StructuredError, WeightSlot, check_len, log_dim, prefix_mass,
};
use crate::arith::{ExtensionField, Field};
use crate::mle::{self, SplitEq};
use crate::par;
use crate::sumcheck::Table;
use circuits::{Axis, Conv2dOp};

/// Most kernel taps a convolution may have (the verifier loops over them).
const MAX_TAPS: u32 = 1 << 16;

/// A convolution's axes and padded sizes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConvDetail {
    /// The height axis.
    pub y: Axis,
    /// The width axis.
    pub x: Axis,
    /// Input and output channels.
    pub channels: [u32; 2],
    /// `log2` of the padded operand sizes `C', H', W'`.
    pub in_logs: [usize; 3],
    /// `log2` of the padded output sizes `Co', OH', OW'`.
    pub out_logs: [usize; 3],
    /// Depthwise: slab `kk` is a `Co'`-vector and input channel `c` feeds only output `c`.
    pub depthwise: bool,
}

impl ConvDetail {
    /// `(ρ_ox, ρ_oy, ρ_co)`.
    fn split_out<'p, E>(&self, rho: &'p [E]) -> (&'p [E], &'p [E], &'p [E]) {
        let [_, lh, lw] = self.out_logs;
        (&rho[..lw], &rho[lw..lw + lh], &rho[lw + lh..])
    }

    /// `(e_x, e_y, e_c)`.
    fn split_in<'p, E>(&self, e: &'p [E]) -> (&'p [E], &'p [E], &'p [E]) {
        let [_, lh, lw] = self.in_logs;
        (&e[..lw], &e[lw..lw + lh], &e[lw + lh..])
    }
}

/// `P̃_t(ρ_o, e_i) = Σ_{o ∈ taps(t)} eq(ρ_o, o)·eq(e_i, source(o, t))` for every tap `t`.
fn wiring_1d<E: Field>(axis: &Axis, rho_o: &[E], e_i: &[E]) -> Vec<E> {
    let out = SplitEq::new(rho_o, E::ONE);
    let inp = SplitEq::new(e_i, E::ONE);
    (0..axis.kernel)
        .map(|t| {
            axis.taps(t)
                .map(|o| out.get(o as usize) * inp.get(axis.source(o, t) as usize))
                .sum()
        })
        .collect()
}

/// `z_i = e_i·ρ_i / (e_i·ρ_i + (1 − e_i)(1 − ρ_i))`: where a depthwise slab is claimed
/// (module doc). A zero denominator (probability about `n/|F|`) is refused.
fn depthwise_point<E: Field>(e: &[E], rho: &[E]) -> Result<Vec<E>, StructuredError> {
    e.iter()
        .zip(rho)
        .map(|(&a, &b)| {
            let num = a * b;
            let m = num + (E::ONE - a) * (E::ONE - b);
            m.inverse()
                .map(|inv| num * inv)
                .ok_or(StructuredError::DegeneratePoint)
        })
        .collect()
}

impl Structured for Conv2dOp {
    type Detail = ConvDetail;

    fn geometry(&self) -> Result<Geometry<ConvDetail>, StructuredError> {
        let invalid = |what| StructuredError::Op { what };
        let (ay, ax) = self.axes().ok_or(invalid("convolution geometry"))?;
        let [cin, h, w] = self.input.dims;
        let cout = self.cout;
        if self.spec.depthwise && cin != cout {
            return Err(invalid("depthwise convolution needs cin = cout"));
        }
        let taps = self
            .taps()
            .filter(|&t| t <= MAX_TAPS)
            .ok_or(invalid("kernel too large"))?;
        let in_logs = [
            log_dim(cin, "input channels")?,
            log_dim(h, "input height")?,
            log_dim(w, "input width")?,
        ];
        let out_logs = [
            log_dim(cout, "output channels")?,
            log_dim(ay.output, "output height")?,
            log_dim(ax.output, "output width")?,
        ];
        let out_vars: usize = out_logs.iter().sum();
        let operand_vars: usize = in_logs.iter().sum();
        let slab_log = if self.spec.depthwise {
            out_logs[0]
        } else {
            out_logs[0] + in_logs[0]
        };
        if out_vars > super::MAX_VARS
            || operand_vars > super::MAX_VARS
            || slab_log > super::MAX_VARS
        {
            return Err(invalid("convolution too large"));
        }
        let slabs = (0..taps)
            .map(|kk| {
                self.slab_offset(kk)
                    .map(|offset| WeightSlot {
                        offset,
                        log_len: slab_log as u8,
                    })
                    .ok_or(invalid("slab offset overflows"))
            })
            .collect::<Result<_, _>>()?;
        Ok(Geometry {
            out_vars,
            channel_vars: out_logs[0],
            operand_vars,
            rounds: operand_vars,
            slabs,
            bias: self.bias.map(|offset| WeightSlot {
                offset,
                log_len: out_logs[0] as u8,
            }),
            detail: ConvDetail {
                y: ay,
                x: ax,
                channels: [cin, cout],
                in_logs,
                out_logs,
                depthwise: self.spec.depthwise,
            },
        })
    }

    fn evaluate_field<F: Field>(
        &self,
        geo: &Geometry<ConvDetail>,
        operand: &[F],
        weights: &[F],
    ) -> Result<Vec<F>, StructuredError> {
        geo.check_inputs(operand, weights)?;
        let d = &geo.detail;
        let slabs = geo
            .slabs
            .iter()
            .map(|s| s.slice(weights))
            .collect::<Result<Vec<_>, _>>()?;
        let bias = match &geo.bias {
            Some(s) => Some(s.slice(weights)?),
            None => None,
        };
        let ci_pad = 1usize << d.in_logs[0];
        let (wp, plane) = (
            1usize << d.in_logs[2],
            1usize << (d.in_logs[1] + d.in_logs[2]),
        );
        let owp = 1usize << d.out_logs[2];
        let chan = 1usize << (d.out_logs[1] + d.out_logs[2]);
        let (oh, ow) = (d.y.output as usize, d.x.output as usize);
        let (ay, ax) = (d.y, d.x);
        let kw = ax.kernel;
        let mut y = vec![F::ZERO; 1usize << geo.out_vars];
        // The block's meaning (`circuits::Conv2dOp`): every padded channel, input and
        // output, takes part; only the spatial padding of the output stays zero. One chunk
        // per output channel: channels are independent, so any schedule gives the same
        // values. Zero weights (the padding of honestly laid-out slabs) are skipped.
        par::fill_chunks(&mut y, chan, |start, out| {
            let co = start / chan;
            let b = bias.map_or(F::ZERO, |b| b[co]);
            for row in out.chunks_mut(owp).take(oh) {
                row[..ow].fill(b);
            }
            let channels = if d.depthwise { co..co + 1 } else { 0..ci_pad };
            for ki in 0..ay.kernel {
                let ys = ay.taps(ki);
                for kj in 0..kw {
                    let xs = ax.taps(kj);
                    if ys.is_empty() || xs.is_empty() {
                        continue;
                    }
                    let slab = slabs[(ki * kw + kj) as usize];
                    let x0 = ax.source(xs.start, kj) as usize;
                    let (lo, hi) = (xs.start as usize, xs.end as usize);
                    for ci in channels.clone() {
                        let w = if d.depthwise {
                            slab[co]
                        } else {
                            slab[co * ci_pad + ci]
                        };
                        if w == F::ZERO {
                            continue;
                        }
                        let a = &operand[ci * plane..(ci + 1) * plane];
                        for oy in ys.clone() {
                            let src = &a[ay.source(oy, ki) as usize * wp..][..wp];
                            let dst = &mut out[oy as usize * owp..][lo..hi];
                            if ax.stride == 1 {
                                // Contiguous: the common case, a straight multiply-add.
                                for (o, &v) in dst.iter_mut().zip(&src[x0..]) {
                                    *o += w * v;
                                }
                            } else {
                                let s = ax.stride as usize;
                                for (k, o) in dst.iter_mut().enumerate() {
                                    *o += w * src[x0 + k * s];
                                }
                            }
                        }
                    }
                }
            }
        });
        Ok(y)
    }

    fn tables<'a, F: Field, E: ExtensionField<F>>(
        &self,
        geo: &Geometry<ConvDetail>,
        rho: &[E],
        operand: &'a [F],
        weights: &[F],
    ) -> Result<OpTables<'a, F, E>, StructuredError> {
        geo.check_inputs(operand, weights)?;
        check_len("point on Y", geo.out_vars, rho.len())?;
        let d = &geo.detail;
        let (rho_ox, rho_oy, rho_co) = d.split_out(rho);
        let ci_pad = 1usize << d.in_logs[0];
        let (hp, wp) = (1usize << d.in_logs[1], 1usize << d.in_logs[2]);
        let (ay, ax) = (d.y, d.x);
        let (kh, kw) = (ay.kernel as usize, ax.kernel as usize);

        // Wr_kk(c), one row of C' per tap: the only pass over the weights.
        let eq_co = mle::eq_table_scaled_par(rho_co, E::ONE);
        let mut wr = vec![E::ZERO; geo.slabs.len() * ci_pad];
        for (row, slot) in wr.chunks_mut(ci_pad).zip(&geo.slabs) {
            let slab = slot.slice(weights)?;
            if d.depthwise {
                for ((o, &e), &w) in row.iter_mut().zip(&eq_co).zip(slab) {
                    *o = e * w;
                }
            } else {
                par::fill_chunks(row, par::chunk_for(ci_pad), |start, out| {
                    for (co, &e) in eq_co.iter().enumerate() {
                        let src = &slab[co * ci_pad + start..][..out.len()];
                        for (o, &w) in out.iter_mut().zip(src) {
                            *o += e * w;
                        }
                    }
                });
            }
        }

        // T(ki, c, x) = Σ_kj Wr_{ki,kj}(c)·P^x_kj(x): P^x_kj is nonzero only at the
        // sources of the valid ox, where it is eq(ρ_ox, ox).
        let eq_ox = mle::eq_table(rho_ox);
        let mut tt = vec![E::ZERO; kh * ci_pad * wp];
        for (ki, tk) in tt.chunks_mut(ci_pad * wp).enumerate() {
            for kj in 0..kw {
                let wrow = &wr[(ki * kw + kj) * ci_pad..][..ci_pad];
                for ox in ax.taps(kj as u32) {
                    let x = ax.source(ox, kj as u32) as usize;
                    let p = eq_ox[ox as usize];
                    for (c, &w) in wrow.iter().enumerate() {
                        tk[c * wp + x] += w * p;
                    }
                }
            }
        }

        // G(x, y, c) = Σ_ki P^y_ki(y)·T(ki, c, x), one input channel per chunk.
        let eq_oy = mle::eq_table(rho_oy);
        let plane = hp * wp;
        let mut g = vec![E::ZERO; ci_pad * plane];
        par::fill_chunks(&mut g, plane, |start, out| {
            let c = start / plane;
            for ki in 0..kh {
                let trow = &tt[(ki * ci_pad + c) * wp..][..wp];
                for oy in ay.taps(ki as u32) {
                    let y = ay.source(oy, ki as u32) as usize;
                    let p = eq_oy[oy as usize];
                    for (o, &t) in out[y * wp..][..wp].iter_mut().zip(trow) {
                        *o += p * t;
                    }
                }
            }
        });
        Ok(OpTables {
            f: Table::Base(operand),
            h: g,
            aux: wr,
        })
    }

    fn slab_values<F: Field, E: ExtensionField<F>>(
        &self,
        geo: &Geometry<ConvDetail>,
        aux: &[E],
        point: &[E],
        end: &[E],
        _final_h: E,
        weights: &[F],
    ) -> Result<Vec<E>, StructuredError> {
        let d = &geo.detail;
        check_len("end point", geo.rounds, end.len())?;
        let (_, _, e_c) = d.split_in(end);
        if d.depthwise {
            // Wr carries eq(ρ_co, c), so fold the slab itself at z: O(Co') per tap.
            return geo
                .slabs
                .iter()
                .map(|s| Ok(mle::evaluate_base(s.slice(weights)?, point)))
                .collect();
        }
        let ci_pad = 1usize << d.in_logs[0];
        check_len("folded slabs", geo.slabs.len() * ci_pad, aux.len())?;
        let eq_c = mle::eq_table(e_c);
        Ok(aux
            .chunks(ci_pad)
            .map(|row| row.iter().zip(&eq_c).map(|(&w, &e)| w * e).sum())
            .collect())
    }

    fn bias_mask<E: Field>(&self, geo: &Geometry<ConvDetail>, rho: &[E]) -> E {
        let d = &geo.detail;
        let (rho_ox, rho_oy, _) = d.split_out(rho);
        prefix_mass(rho_oy, d.y.output) * prefix_mass(rho_ox, d.x.output)
    }

    fn final_factor<E: Field>(
        &self,
        geo: &Geometry<ConvDetail>,
        rho: &[E],
        end: &[E],
        slabs: &[E],
    ) -> E {
        let d = &geo.detail;
        let (rho_ox, rho_oy, rho_co) = d.split_out(rho);
        let (e_x, e_y, e_c) = d.split_in(end);
        let py = wiring_1d(&d.y, rho_oy, e_y);
        let px = wiring_1d(&d.x, rho_ox, e_x);
        let g: E = slabs
            .chunks(d.x.kernel as usize)
            .zip(&py)
            .map(|(row, &p)| p * row.iter().zip(&px).map(|(&w, &q)| w * q).sum::<E>())
            .sum();
        if d.depthwise {
            g * mle::eq_eval(rho_co, e_c)
        } else {
            g
        }
    }

    fn operand_point<E: Field>(
        &self,
        _geo: &Geometry<ConvDetail>,
        _rho: &[E],
        end: &[E],
    ) -> Vec<E> {
        end.to_vec()
    }

    fn slab_point<E: Field>(
        &self,
        geo: &Geometry<ConvDetail>,
        rho: &[E],
        end: &[E],
    ) -> Result<Vec<E>, StructuredError> {
        let d = &geo.detail;
        let (_, _, rho_co) = d.split_out(rho);
        let (_, _, e_c) = d.split_in(end);
        if d.depthwise {
            depthwise_point(e_c, rho_co)
        } else {
            Ok([e_c, rho_co].concat())
        }
    }
}
