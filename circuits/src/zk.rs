//! The zero-knowledge form of a gate circuit (issue 10, design commit 4 for gate
//! circuits): per-layer noise, and room for the masked sumchecks' mask table.
//!
//! [`with_noise`] returns a circuit with the same constraints and public outputs, plus:
//!
//! * **Layer noise** (design §3.1). Every layer `k` with `1 ≤ k < d` gets
//!   [`NOISE_PER_LAYER`] slots that no gate of layer `k + 1` reads except the relays
//!   below. Their values are random private inputs (the *noise sources*), carried up from
//!   the input layer by add gates (coefficient 1) through layers `1..k`. A verifier that
//!   learns `Ṽ_k` at a random point learns it masked by `Σ_j n_{k,j}·eq(r, σ_{k,j})`, a
//!   uniform value unless a small minor of eq values vanishes (Schwartz–Zippel), while
//!   every sum the layer's sumchecks prove is unchanged (no gate reads the noise).
//! * **Input noise**: [`NOISE_PER_LAYER`] more private slots read by nothing, which mask
//!   the private region's evaluations at GKR's input points (design §3.4).
//! * **The mask table** `Z` (design §3.3): an aligned sub-cube of the private region, its
//!   mask half large enough for every masked sumcheck's coefficients at the given
//!   extension degree and its slack half for the inner product's reveals
//!   ([`min_slack`]), read by no gate.
//!
//! The private region grows to hold the sources, the input noise and the table after the
//! original values (which keep their indices); the other input regions move up, and
//! layer 1's reads move with them (reads of zero slots — a region's padding or no region
//! at all — go to one zero slot outside every region, so the old private padding cannot
//! turn into values the prover chooses).
//!
//! **Structured blocks** keep their places: the relays of a layer go above its blocks'
//! output spans and above the operand spans the next layer's blocks read, a layer-1
//! operand moves with its region, and the weights (region-relative) stay above the gate
//! span. The table counts every block's masks too (output masks `δ`, aggregation and op
//! sumcheck rounds, [`block_mask_slots`]). A layer-1 operand that reaches into the
//! private region's padding is refused: that padding becomes noise and table, so the
//! operand would read values the prover chooses instead of zeros.

use crate::structured::{StructuredOp, padded_log};
use crate::{AddGate, Circuit, CircuitError, Coeff, Region, RegionKind};
use thiserror::Error;

/// Noise slots per layer (two extension evaluations of degree 3 revealed per layer need
/// 6; two of margin).
pub const NOISE_PER_LAYER: u32 = 8;

/// Where the zero-knowledge prover's random private values lie, within the private
/// region: the noise sources (relayed up, then the unread input noise) and the mask table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ZkLayout {
    /// First noise slot (offset within the private region).
    pub noise_offset: u32,
    /// Noise slots: `NOISE_PER_LAYER·(d − 1)` sources then `NOISE_PER_LAYER` input noise.
    pub noise_len: u32,
    /// The mask table's offset within the private region (aligned to its size).
    pub table_offset: u32,
    /// `m`: the table has `2^m` slots, the lower half masks, the upper half slack.
    pub table_log_len: u8,
}

/// Why a circuit has no zero-knowledge form here.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ZkTransformError {
    /// A layer-1 block's operand reaches into the private region's padding, which the
    /// transform turns into noise and table.
    #[error("block {block} of layer 1 reads the private region's padding")]
    OperandInPadding {
        /// The block.
        block: usize,
    },
    /// The circuit has no private region to grow.
    #[error("the circuit has no private region")]
    NoPrivateRegion,
    /// The circuit has no weights region to give noise.
    #[error("the circuit has no weights region")]
    NoWeightsRegion,
    /// A layer-1 gate reads an input slot that lies in no region.
    #[error("a layer-1 gate reads input slot {slot}, which lies in no region")]
    ReadOutsideRegions {
        /// The slot.
        slot: u32,
    },
    /// The transform does not handle this case (refused, never ignored).
    #[error("not supported: {0}")]
    Unsupported(&'static str),
    /// The result would exceed the circuit format's limits.
    #[error("the zero-knowledge form does not fit: {0}")]
    TooLarge(&'static str),
    /// The circuit given does not validate.
    #[error("the circuit is invalid: {0}")]
    InvalidInput(CircuitError),
    /// The result does not validate (a bug in the transform, reported, never ignored).
    #[error("the zero-knowledge form is invalid: {0}")]
    Invalid(#[from] CircuitError),
}

/// Mask slots the masked prover needs for `circuit` at extension degree `ext_degree`:
/// `(degree + 1)·ext_degree` per round, every layer's phase 1, phase 2 where it has
/// mul gates, and every block's masks ([`block_mask_slots`]). Must match the prover's
/// walk (`prover::gkr::zk::layer_slots`); saturates on an op whose shape overflows
/// (validation refuses those).
pub fn mask_slots_needed(circuit: &Circuit, ext_degree: usize) -> usize {
    let per_round = 3 * ext_degree;
    (1..=circuit.depth())
        .map(|k| {
            let layer = &circuit.layers[k - 1];
            let g = usize::from(circuit.gate_log_width(k));
            let phases = if layer.mul.is_empty() { 1 } else { 2 };
            let claims = claims_on_layer(circuit, k);
            layer
                .blocks
                .iter()
                .map(|b| block_mask_slots(&b.op, claims, ext_degree).unwrap_or(usize::MAX))
                .fold(phases * g * per_round, usize::saturating_add)
        })
        .fold(0, usize::saturating_add)
}

/// How many claims GKR holds on layer `k`'s output (`1 ≤ k ≤ d`): one on the output
/// layer; below, the gate part's one or two (two with mul gates) and one per block
/// operand of layer `k + 1`. Every block of layer `k` receives them all.
pub fn claims_on_layer(circuit: &Circuit, k: usize) -> usize {
    match circuit.layers.get(k) {
        None => 1,
        Some(above) => 1 + usize::from(!above.mul.is_empty()) + above.blocks.len(),
    }
}

/// Rounds of a block's op sumcheck: the operand's variables (convolution) or the inner
/// dimension's (matrix product). `None` for a shape that overflows.
pub fn block_op_rounds(op: &StructuredOp) -> Option<usize> {
    match op {
        StructuredOp::Conv2d(c) => c.input.log_len().map(usize::from),
        StructuredOp::MatMul(m) => padded_log(m.weight.cols).map(usize::from),
    }
}

/// Mask slots one block takes with `claims` output claims: an extension mask `δ` per
/// claim (the sent output values); with several claims, the aggregation sumcheck's
/// rounds (one per output variable, degree 2) and a `δ` for its final value; the op
/// sumcheck's rounds (degree 2).
pub fn block_mask_slots(op: &StructuredOp, claims: usize, ext_degree: usize) -> Option<usize> {
    let per_round = 3 * ext_degree;
    let aggregate = if claims > 1 {
        usize::from(op.out_log_len()?) * per_round + ext_degree
    } else {
        0
    };
    Some(claims * ext_degree + aggregate + block_op_rounds(op)? * per_round)
}

/// The smallest half a mask table of `2^m` slots may have: twice the base coordinates of
/// the `2m + 2` extension values its inner product reveals, so the slack outnumbers them.
pub fn min_slack(m: u8, ext_degree: usize) -> usize {
    2 * (2 * usize::from(m) + 2) * ext_degree
}

pub(crate) fn align_up(x: u64, to: u64) -> u64 {
    x.div_ceil(to) * to
}

pub(crate) fn ceil_log2(x: u64) -> u8 {
    (64 - x.saturating_sub(1).leading_zeros()) as u8
}

/// The zero-knowledge form of `circuit` for a masked prover over an extension of degree
/// `ext_degree`, and where its random values go.
pub fn with_noise(
    circuit: &Circuit,
    ext_degree: usize,
) -> Result<(Circuit, ZkLayout), ZkTransformError> {
    circuit.validate().map_err(ZkTransformError::InvalidInput)?;
    let private = *circuit
        .input
        .region(RegionKind::Private)
        .ok_or(ZkTransformError::NoPrivateRegion)?;
    let d = circuit.depth();
    let too_large = |what| ZkTransformError::TooLarge(what);
    if let Some(block) = private_padding_operand(circuit, &private) {
        return Err(ZkTransformError::OperandInPadding { block });
    }

    let base = relay_bases(circuit)?;
    let sources = u64::from(NOISE_PER_LAYER) * (d as u64).saturating_sub(1);
    let noise_len = sources + u64::from(NOISE_PER_LAYER);
    let noise_offset = u64::from(private.len);

    // 2. The private region: values, noise, then the table; its size depends on the
    //    input width, which depends on it (layer 1's rounds). The slots needed do not
    //    decrease as the table grows (a larger private region never narrows layer 1, and
    //    the other layers do not depend on it), so no table smaller than `2^m'` with
    //    `2^(m'−1) ≥ needed(m)` can fit either: jump there instead of trying every size
    //    (each try is a copy of the circuit). The result is the smallest table that fits.
    let mut m: u8 = 1;
    let (out, layout) = loop {
        let (c2, layout, needed) = candidate(
            circuit,
            &base,
            private.log_len,
            (noise_offset, noise_len),
            m,
            ext_degree,
        )?;
        if needed <= 1usize << (m - 1) {
            break (c2, layout);
        }
        m = (ceil_log2(needed as u64) + 1).max(m + 1);
        if m > 28 {
            return Err(too_large("mask table above 2^28 slots"));
        }
    };
    out.validate()?;
    Ok((out, layout))
}

/// Noise slots of a zero-knowledge weights region that the key's agreement value sees:
/// they mask `W̃(z_eq)`, one extension value (3 base coordinates) published in the key.
pub const WEIGHTS_KEY_NOISE: u32 = 8;
/// Fresh noise slots of each one-time weights commitment: they mask the region's
/// evaluations at GKR's input points (two extension values, 6 base coordinates).
pub const WEIGHTS_PROOF_NOISE: u32 = 16;

/// Where the noise of a zero-knowledge weights region lies (region-relative offsets).
/// The region is `[W ‖ N_0 | N_i]`: the weights, then [`WEIGHTS_KEY_NOISE`] key-level
/// slots in the lower half's padding; the upper half starts with [`WEIGHTS_PROOF_NOISE`]
/// per-commitment slots. Gates read only `W`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WeightsNoise {
    /// Number of weights (`W`'s length, also `N_0`'s offset).
    pub weights_len: u32,
    /// `log2` of the lower half (`W ‖ N_0`); the region has one variable more.
    pub lower_log_len: u8,
}

impl WeightsNoise {
    /// `N_i`'s offset in the region: the upper half's first slot.
    pub fn proof_noise_offset(&self) -> u32 {
        1u32 << self.lower_log_len
    }

    /// The region's values: `W`, `N_0`, zeros to the half, `N_i`.
    pub fn region_len(&self) -> u32 {
        self.proof_noise_offset() + WEIGHTS_PROOF_NOISE
    }
}

/// The zero-knowledge form of `circuit`'s weights region (design §4.2), applied before
/// [`with_noise`]: the region gets one more variable, the key noise `N_0` after the
/// weights in the lower half, and the per-proof noise `N_i` at the start of the upper
/// half. Layer-1 reads of the old padding go to a zero slot outside every region, as in
/// [`with_noise`]; blocks' weight references are region-relative and keep their places.
pub fn with_weights_noise(circuit: &Circuit) -> Result<(Circuit, WeightsNoise), ZkTransformError> {
    circuit.validate().map_err(ZkTransformError::InvalidInput)?;
    let w = *circuit
        .input
        .region(RegionKind::Weights)
        .ok_or(ZkTransformError::NoWeightsRegion)?;
    let lower = ceil_log2(u64::from(w.len) + u64::from(WEIGHTS_KEY_NOISE)).max(w.log_len);
    if lower >= 30 {
        return Err(ZkTransformError::TooLarge(
            "weights region above 2^30 slots",
        ));
    }
    let noise = WeightsNoise {
        weights_len: w.len,
        lower_log_len: lower,
    };
    let mut c = circuit.clone();
    relocate_input(&mut c, None, Some((lower + 1, noise.region_len())), None)?;
    c.fit_to_backing();
    c.validate()?;
    Ok((c, noise))
}

/// The first layer-1 block whose operand lies in the private region and reaches past
/// its values.
fn private_padding_operand(c: &Circuit, private: &Region) -> Option<usize> {
    let first = c.layers.first()?;
    let (r0, span) = (u64::from(private.offset), 1u64 << private.log_len);
    let end = r0 + u64::from(private.len);
    first.blocks.iter().position(|b| {
        let t = b.op.operand();
        let len = t.log_len().map_or(u64::MAX, |l| 1u64 << l);
        let start = u64::from(t.offset);
        (r0..r0 + span).contains(&start) && start.saturating_add(len) > end
    })
}

/// Where each layer's relays start: layer `k` (`1 ≤ k < d`) holds the noise of layers
/// `k..d−1` after its original used slots (written by gates or blocks, read by the next
/// layer's gates, or spanned by an operand the next layer's blocks read).
fn relay_bases(circuit: &Circuit) -> Result<Vec<u64>, ZkTransformError> {
    let d = circuit.depth();
    let too_large = |what| ZkTransformError::TooLarge(what);
    let mut base = vec![0u64; d + 1];
    for (k, pair) in circuit
        .layers
        .windows(2)
        .enumerate()
        .map(|(i, p)| (i + 1, p))
    {
        let (layer, next) = (&pair[0], &pair[1]);
        let mut highest: Option<u64> = None;
        let mut bump = |s: u64| highest = Some(highest.map_or(s, |h| h.max(s)));
        layer.mul.iter().for_each(|g| bump(g.out.into()));
        layer.add.iter().for_each(|g| bump(g.out.into()));
        layer.constant.iter().for_each(|g| bump(g.out.into()));
        next.mul.iter().for_each(|g| {
            bump(g.in0.into());
            bump(g.in1.into())
        });
        next.add.iter().for_each(|g| bump(g.input.into()));
        // A span's last slot (validated shapes: the spans exist).
        let last = |offset: u32, log: u8| u64::from(offset) + (1u64 << log) - 1;
        for b in &layer.blocks {
            let (o, l) = b.out_span().ok_or(too_large("block output span"))?;
            bump(last(o, l));
        }
        for b in &next.blocks {
            let t = b.op.operand();
            bump(last(
                t.offset,
                t.log_len().ok_or(too_large("block operand"))?,
            ));
        }
        base[k] = highest.map_or(0, |h| h + 1);
    }
    Ok(base)
}

/// The zero-knowledge form with a mask table of `2^m` slots (relays at `base`, the noise
/// at `noise = (offset, len)` in the private region), its layout, and the mask slots it
/// needs (at least [`min_slack`]).
fn candidate(
    circuit: &Circuit,
    base: &[u64],
    private_log_len: u8,
    noise: (u64, u64),
    m: u8,
    ext_degree: usize,
) -> Result<(Circuit, ZkLayout, usize), ZkTransformError> {
    let (noise_offset, noise_len) = noise;
    let table_offset = align_up(noise_offset + noise_len, 1u64 << m);
    let len = table_offset + (1u64 << m);
    let log_len = ceil_log2(len).max(private_log_len);
    if log_len > 30 {
        return Err(ZkTransformError::TooLarge(
            "private region above 2^30 slots",
        ));
    }
    let mut c2 = circuit.clone();
    relocate_input(&mut c2, Some((log_len, len as u32)), None, None)?;
    let at = private_offset(&c2);
    add_relays(&mut c2, base, at, noise_offset as u32)?;
    c2.fit_to_backing();
    let needed = mask_slots_needed(&c2, ext_degree).max(min_slack(m, ext_degree));
    let layout = ZkLayout {
        noise_offset: noise_offset as u32,
        noise_len: noise_len as u32,
        table_offset: table_offset as u32,
        table_log_len: m,
    };
    Ok((c2, layout, needed))
}

fn private_offset(c: &Circuit) -> u32 {
    c.input.region(RegionKind::Private).map_or(0, |r| r.offset)
}

/// Resizes the private region and the weights region (each to `(log_len, len)` where
/// given) and lays the regions out again in their old order, each aligned to its span;
/// with a gate span the weights go above the new span. Remaps layer 1's reads. With
/// `public_at`, the public region is dropped and its values move into the private region
/// at that (private-relative) offset.
pub(crate) fn relocate_input(
    c: &mut Circuit,
    private: Option<(u8, u32)>,
    weights: Option<(u8, u32)>,
    public_at: Option<u32>,
) -> Result<(), ZkTransformError> {
    let old: Vec<Region> = c.input.regions.clone();
    let moved = |r: &Region| public_at.is_some() && r.kind == RegionKind::Public;
    let private_index = old.iter().position(|r| r.kind == RegionKind::Private);
    if public_at.is_some() && private_index.is_none() {
        return Err(ZkTransformError::NoPrivateRegion);
    }
    let mut order: Vec<usize> = (0..old.len()).collect();
    order.sort_by_key(|&i| old[i].offset);
    let weights_last = c.input.gate_log_width.is_some();
    let mut new = old.clone();
    for r in &mut new {
        let size = match r.kind {
            RegionKind::Private => private,
            RegionKind::Weights => weights,
            RegionKind::Public => None,
        };
        if let Some((log_len, len)) = size {
            r.log_len = log_len;
            r.len = len;
        }
    }
    let mut cursor = 0u64;
    let place = |r: &mut Region, cursor: &mut u64| {
        let span = 1u64 << r.log_len;
        let at = align_up(*cursor, span);
        r.offset = at as u32;
        *cursor = at + span;
    };
    for &i in &order {
        if (weights_last && old[i].kind == RegionKind::Weights) || moved(&old[i]) {
            continue;
        }
        place(&mut new[i], &mut cursor);
    }
    // Reads of input slots outside every region's values (zero: padding, or no region)
    // go to one zero slot outside every region, inside the gate span. The private
    // region's padding must not keep its place: it becomes noise, table or free values.
    let in_region = |s: u32| {
        old.iter()
            .position(|r| s >= r.offset && u64::from(s) < u64::from(r.offset) + u64::from(r.len))
    };
    let reads_outside = c.layers.first().is_some_and(|l| {
        l.mul
            .iter()
            .flat_map(|g| [g.in0, g.in1])
            .chain(l.add.iter().map(|g| g.input))
            .any(|s| in_region(s).is_none())
    });
    let zero_slot = if reads_outside {
        cursor += 1;
        Some(cursor - 1)
    } else {
        None
    };
    if weights_last {
        let g = ceil_log2(cursor.max(2));
        c.input.gate_log_width = Some(g);
        cursor = cursor.max(1u64 << g);
        for &i in &order {
            if old[i].kind == RegionKind::Weights {
                place(&mut new[i], &mut cursor);
            }
        }
    }
    if cursor > 1u64 << 31 {
        return Err(ZkTransformError::TooLarge("input layer above 2^31 slots"));
    }
    c.input.log_width = ceil_log2(cursor.max(2));
    let remap = |s: u32| -> Result<u32, ZkTransformError> {
        match (in_region(s), zero_slot) {
            (Some(i), _) if moved(&old[i]) => {
                let p = private_index.map_or(0, |p| new[p].offset);
                Ok(p + public_at.unwrap_or(0) + (s - old[i].offset))
            }
            (Some(i), _) => Ok(new[i].offset + (s - old[i].offset)),
            (None, Some(z)) => Ok(z as u32),
            (None, None) => Err(ZkTransformError::ReadOutsideRegions { slot: s }),
        }
    };
    // A layer-1 operand lies inside one region's span (validation): it moves with it,
    // staying aligned (both offsets are multiples of its size).
    let span_of = |s: u32| {
        old.iter().position(|r| {
            (u64::from(r.offset)..u64::from(r.offset) + (1u64 << r.log_len)).contains(&s.into())
        })
    };
    if let Some(layer) = c.layers.first_mut() {
        for g in &mut layer.mul {
            g.in0 = remap(g.in0)?;
            g.in1 = remap(g.in1)?;
        }
        for g in &mut layer.add {
            g.input = remap(g.input)?;
        }
        for b in &mut layer.blocks {
            let t = match &mut b.op {
                StructuredOp::Conv2d(op) => &mut op.input,
                StructuredOp::MatMul(op) => &mut op.input,
            };
            let i =
                span_of(t.offset).ok_or(ZkTransformError::ReadOutsideRegions { slot: t.offset })?;
            if moved(&old[i]) {
                return Err(ZkTransformError::Unsupported(
                    "a block reading the public input of a slice whose input is made private",
                ));
            }
            t.offset = new[i].offset + (t.offset - old[i].offset);
        }
    }
    c.input.regions = new.into_iter().filter(|r| !moved(r)).collect();
    Ok(())
}

/// The relays: layer k's slot `base[k] + 8·(j − k) + i` carries noise `i` of layer `j`
/// (`k ≤ j < d`), from the previous layer's slot for it, or from source
/// `8·(j − 1) + i` of the noise area at layer 1.
fn add_relays(
    c: &mut Circuit,
    base: &[u64],
    private_offset: u32,
    noise_offset: u32,
) -> Result<(), ZkTransformError> {
    let d = c.depth();
    let n = u64::from(NOISE_PER_LAYER);
    for k in 1..d {
        for j in k..d {
            for i in 0..n {
                let out = base[k] + n * (j - k) as u64 + i;
                let input = if k == 1 {
                    u64::from(private_offset) + u64::from(noise_offset) + n * (j - 1) as u64 + i
                } else {
                    base[k - 1] + n * (j - (k - 1)) as u64 + i
                };
                let (out, input) = (
                    u32::try_from(out).map_err(|_| ZkTransformError::TooLarge("layer width"))?,
                    u32::try_from(input).map_err(|_| ZkTransformError::TooLarge("layer width"))?,
                );
                c.layers[k - 1].add.push(AddGate {
                    out,
                    input,
                    coeff: Coeff::ONE,
                });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::eval::Residue;
    use crate::random::{self, BlockKind, BlockSpec, Spec};
    use crate::structured::{Block, MatMulOp, TensorRef, WeightRef};
    use crate::{Layer, Region};

    /// A public region below the private one, and a matrix product at layer 1 reading
    /// the private region: the transform moves the private region, and the operand with it.
    fn public_first() -> Circuit {
        let mut l1 = Layer::new(2);
        l1.blocks.push(Block {
            out_offset: 0,
            op: StructuredOp::MatMul(MatMulOp {
                input: TensorRef {
                    offset: 4,
                    dims: [4, 1, 1],
                },
                weight: WeightRef {
                    offset: 0,
                    rows: 2,
                    cols: 4,
                },
                bias: None,
            }),
        });
        l1.add.push(AddGate {
            out: 2,
            input: 1,
            coeff: Coeff::ONE,
        });
        let mut l2 = Layer::new(2);
        for o in 0..3 {
            l2.add.push(AddGate {
                out: o,
                input: o,
                coeff: Coeff::ONE,
            });
        }
        Circuit {
            input: crate::InputLayout {
                log_width: 4,
                regions: vec![
                    Region {
                        kind: RegionKind::Public,
                        offset: 0,
                        log_len: 2,
                        len: 4,
                    },
                    Region {
                        kind: RegionKind::Private,
                        offset: 4,
                        log_len: 2,
                        len: 4,
                    },
                    Region {
                        kind: RegionKind::Weights,
                        offset: 8,
                        log_len: 3,
                        len: 8,
                    },
                ],
                gate_log_width: None,
            },
            layers: vec![l1, l2],
            num_public: 4,
            num_challenges: 0,
            public_outputs: vec![0, 1, 2],
        }
    }

    fn residues(n: usize, seed: u64) -> Vec<Residue> {
        random::values(n, seed)
            .into_iter()
            .map(Residue::new)
            .collect()
    }

    /// The output layer of `c` on its regions' values (private values extended by
    /// `extra` for a zero-knowledge form).
    fn outputs(
        c: &Circuit,
        public: &[Residue],
        weights: &[Residue],
        private: &[Residue],
    ) -> Vec<Residue> {
        let input = c.input_layer(public, weights, private).unwrap();
        let values = c.evaluate(public, input, &[]).unwrap();
        let out = values.last().unwrap();
        c.public_outputs.iter().map(|&s| out[s as usize]).collect()
    }

    #[test]
    fn zk_layer1_operand_moves_with_its_region() {
        let c = public_first();
        c.validate().unwrap();
        let (zk, layout) = with_noise(&c, 2).unwrap();
        let private = zk.input.region(RegionKind::Private).unwrap();
        assert_ne!(private.offset, 4, "the grown private region moves up");
        let op = zk.layers[0].blocks[0].op;
        assert_eq!(
            op.operand().offset,
            private.offset,
            "the operand moves with it"
        );
        let (public, weights, values) = (residues(4, 1), residues(8, 2), residues(4, 3));
        let mut ext = values.clone();
        ext.extend(residues(private.len as usize - 4, 4));
        assert_eq!(
            outputs(&zk, &public, &weights, &ext),
            outputs(&c, &public, &weights, &values)
        );
        assert!(layout.noise_offset >= 4);
    }

    fn block_spec(seed: u64) -> Spec {
        use BlockKind::{Conv2d, MatMul};
        let kinds = [Conv2d, MatMul];
        Spec {
            log_widths: vec![4, 4, 4, 3],
            mul_percent: 40,
            blocks: vec![
                BlockSpec {
                    kind: kinds[(seed % 2) as usize],
                    layer: 1,
                },
                BlockSpec {
                    kind: kinds[((seed / 2) % 2) as usize],
                    layer: 2,
                },
            ],
            ..Spec::default()
        }
    }

    /// The jump to a table size is exact: the table `with_noise` picks is the smallest
    /// that fits, as trying every size from 2 slots up finds (gate circuits of several
    /// widths and depths, and circuits with blocks), and the needed slots never decrease.
    #[test]
    fn mask_table_is_the_smallest_that_fits() {
        let mut specs: Vec<Spec> = (0..6u64).map(block_spec).collect();
        for widths in [
            vec![3, 2],
            vec![6, 5, 5, 4],
            vec![9, 8, 6, 6, 5, 3],
            vec![12, 10, 8],
        ] {
            specs.push(Spec {
                log_widths: widths,
                num_public: 2,
                mul_percent: 50,
                ..Spec::default()
            });
        }
        let mut checked = 0;
        for (seed, spec) in specs.iter().enumerate() {
            let c = random::circuit(spec, seed as u64);
            let Ok((zk, layout)) = with_noise(&c, 3) else {
                continue;
            };
            let private = *c.input.region(RegionKind::Private).unwrap();
            let base = relay_bases(&c).unwrap();
            let noise = (u64::from(layout.noise_offset), u64::from(layout.noise_len));
            let mut last = 0;
            for m in 1..=layout.table_log_len {
                let (form, l, needed) = candidate(&c, &base, private.log_len, noise, m, 3).unwrap();
                assert!(needed >= last, "spec {seed}: needed fell at m = {m}");
                last = needed;
                let fits = needed <= 1usize << (m - 1);
                assert_eq!(fits, m == layout.table_log_len, "spec {seed}, m = {m}");
                if fits {
                    assert_eq!((form, l), (zk.clone(), layout));
                }
            }
            checked += 1;
        }
        assert!(checked >= 8, "{checked}");
    }

    /// Blocks keep their spans: the relays of every layer lie above its blocks' outputs
    /// and the next layer's operands, and the form computes the original outputs.
    #[test]
    fn zk_form_with_blocks_keeps_spans_and_outputs() {
        let mut refused = 0;
        for seed in 0..12u64 {
            let c = random::circuit(&block_spec(seed), seed);
            let (zk, layout) = match with_noise(&c, 2) {
                Ok(v) => v,
                Err(ZkTransformError::OperandInPadding { .. }) => {
                    refused += 1;
                    continue;
                }
                Err(e) => panic!("seed {seed}: {e}"),
            };
            for (k, layer) in zk.layers.iter().enumerate().take(zk.depth() - 1) {
                let next = &zk.layers[k + 1];
                let mut top = 0u64;
                for b in &layer.blocks {
                    let (o, l) = b.out_span().unwrap();
                    top = top.max(u64::from(o) + (1 << l));
                }
                for b in &next.blocks {
                    let t = b.op.operand();
                    top = top.max(u64::from(t.offset) + (1 << t.log_len().unwrap()));
                }
                let relays = layer.add.iter().filter(|g| {
                    // Relays of layer k ≥ 2 read the previous layer's relays; at layer 1
                    // they read the noise sources.
                    u64::from(g.out) >= top && g.coeff == Coeff::ONE
                });
                let n = u64::from(NOISE_PER_LAYER) * (zk.depth() - 1 - k) as u64;
                assert!(relays.count() as u64 >= n, "seed {seed} layer {}", k + 1);
            }
            let n = c.input.len_of(RegionKind::Private);
            let (public, weights, values) = (
                residues(c.num_public as usize, seed),
                residues(c.input.len_of(RegionKind::Weights), seed + 1),
                residues(n, seed + 2),
            );
            let mut ext = values.clone();
            ext.extend(residues(zk.input.len_of(RegionKind::Private) - n, seed + 3));
            assert_eq!(
                outputs(&zk, &public, &weights, &ext),
                outputs(&c, &public, &weights, &values),
                "seed {seed}"
            );
            assert!(mask_slots_needed(&zk, 2) <= 1usize << (layout.table_log_len - 1));
        }
        assert!(refused < 6, "most seeds transform");
    }

    /// A layer-1 operand over the private region's padding is refused by name.
    #[test]
    fn zk_refuses_operand_in_private_padding() {
        let mut c = public_first();
        c.input.regions[1].len = 3;
        c.validate().unwrap();
        assert_eq!(
            with_noise(&c, 2),
            Err(ZkTransformError::OperandInPadding { block: 0 })
        );
    }

    /// The table counts every block's masks: claims, aggregation and op rounds.
    #[test]
    fn zk_mask_slots_count_blocks() {
        let c = public_first();
        let op = c.layers[0].blocks[0].op;
        // Layer 1 receives 1 gate claim (layer 2 is add-only, no blocks): one δ, no
        // aggregation, 2 op rounds (K' = 4).
        assert_eq!(claims_on_layer(&c, 1), 1);
        assert_eq!(block_mask_slots(&op, 1, 2), Some(2 + 2 * 6));
        // Three claims: three δs, one aggregation round (I' = 2) and its δ'.
        assert_eq!(block_mask_slots(&op, 3, 2), Some(3 * 2 + 6 + 2 + 2 * 6));
        let gates: usize = (1..=2).map(|k| usize::from(c.gate_log_width(k)) * 6).sum();
        assert_eq!(mask_slots_needed(&c, 2), gates + 2 + 2 * 6);
    }
}
