//! GKR with masked sumchecks (issue 10, the engine part of design commit 5): gate
//! layers, and structured blocks (design §3.6 items 1–2, [`super::structured`]'s
//! `masked` module).
//!
//! **What this hides, and what it does not yet.** Every GKR sumcheck, gate or block,
//! runs masked ([`crate::sumcheck::masked`]): its round polynomials are uniform given
//! the in-clear checks. Block outputs are sent as `Ỹ + δ` (and a block's aggregated
//! value as `Ỹ(ρ) + δ'`), `δ` fresh entries the verifier carries symbolically. The mask
//! coefficients and a uniform slack half live in a table `Z` of `2^m` slots inside the
//! private region ([`ZkLayout`]), committed with the witness before any challenge; the
//! checks that involve masks are deferred and discharged by one zero-knowledge inner
//! product ([`crate::zk::inner_product`]) whose final point joins the private region's
//! opening. The layer evaluations `vx`, `vy` are hidden by the noise
//! `circuits::zk::with_noise` adds (this module checks only where it lies). **Not yet
//! hidden:** a block's operand, slab and bias values (claims on aligned sub-cubes, design
//! §3.6 item 3), the weights, and the committed regions' openings unless the scheme hides
//! them. With a binding scheme a proof made here is *not* zero-knowledge; with hiding
//! WHIR, on a gate circuit without weights, it is: [`crate::zk::prove_zk`] composes that
//! case and refuses the others (`prover/ZK.md`).
//!
//! **Layout.** The masks of each sumcheck sit in `Z`'s lower half in the order the
//! protocol runs them: layers from the output down, phase 1 then phase 2, then each
//! block (its output masks `δ_c`, its aggregation rounds and `δ'` when it has several
//! claims, its op rounds); rounds in order, `degree + 1` extension coefficients per
//! round ([`layer_slots`]). Prover and verifier compute it from the circuit and the
//! layout alone; the layout is absorbed into the transcript before any challenge.
//!
//! **Refused:** a `Z` that is misaligned, outside the private region's values, too
//! small for the masks, or read by a layer-1 gate or block operand.

use super::gate_vars;
use super::structured::{BlockMasks, BlockSlots, output_in_layer_claim};
use crate::arith::{ExtensionField, Field};
use crate::sumcheck::masked::RoundMasks;
use crate::transcript::Transcript;
use crate::zk::{Covector, MaskCursor, MaskSlots};
use circuits::{Circuit, RegionKind};
use thiserror::Error;

/// Transcript label of the layout, absorbed right after the statement.
pub const ZK_LAYOUT: &[u8] = b"zk-layout";

pub use circuits::zk::ZkLayout;

/// Why a circuit and layout cannot be proven or verified with masked sumchecks.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ZkLayoutError {
    /// The circuit has no private region to hold `Z`.
    #[error("the circuit has no private region to hold the mask table")]
    NoPrivateRegion,
    /// A block's shape has no geometry (validation refuses such circuits).
    #[error("block {block} of layer {layer} has an invalid shape")]
    Block {
        /// The layer.
        layer: usize,
        /// The block.
        block: usize,
    },
    /// `Z` is not aligned to its size, has fewer than 2 slots, or leaves the region's
    /// values; or the noise does not lie below `Z`.
    #[error(
        "mask table at offset {offset} of 2^{log_len} slots, or the noise, does not fit aligned in the private region's {len} values"
    )]
    Placement {
        /// Offset in the region.
        offset: u32,
        /// Its size.
        log_len: u8,
        /// The region's values.
        len: u32,
    },
    /// The masks need more slots than `Z`'s mask half has, or the slack half is too
    /// small to hide the inner product's reveals.
    #[error("the masks (or the slack) need {needed} slots, each half has {have}")]
    TooSmall {
        /// Slots the masks take.
        needed: usize,
        /// Slots in the lower half.
        have: usize,
    },
    /// A layer-1 gate reads a slot of `Z`.
    #[error("a gate of layer 1 reads slot {slot} of the input layer, inside the mask table")]
    ReadByGate {
        /// The slot (input-layer index).
        slot: usize,
    },
    /// A layer-1 block's operand overlaps `Z` or the noise.
    #[error("block {block} of layer 1 reads the mask table or the noise")]
    ReadByBlock {
        /// The block.
        block: usize,
    },
}

/// The mask slots of one layer's sumchecks and blocks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct LayerSlots {
    pub phase1: MaskSlots,
    pub phase2: Option<MaskSlots>,
    pub blocks: Vec<BlockSlots>,
}

/// The masks' slots for every layer, indexed by `k − 1`, and the slots they take
/// (`circuits::zk::mask_slots_needed` counts the same walk).
pub(crate) fn layer_slots<E: ExtensionField<F>, F: Field>(
    circuit: &Circuit,
) -> Result<(Vec<LayerSlots>, usize), ZkLayoutError> {
    let d = circuit.depth();
    let mut cursor = MaskCursor::new(E::DEGREE);
    let mut out = Vec::with_capacity(d);
    for k in (1..=d).rev() {
        let g = gate_vars(circuit, k);
        let layer = &circuit.layers[k - 1];
        let phase1 = cursor.take(g, 2);
        let phase2 = (!layer.mul.is_empty()).then(|| cursor.take(g, 2));
        let claims = circuits::zk::claims_on_layer(circuit, k);
        let mut blocks = Vec::with_capacity(layer.blocks.len());
        for (b, block) in layer.blocks.iter().enumerate() {
            let err = |_| ZkLayoutError::Block { layer: k, block: b };
            let out_vars = super::blocks::out_log_len(&block.op).map_err(err)?;
            let (rounds, _) = super::blocks::costs(&block.op).map_err(err)?;
            blocks.push(BlockSlots::take(&mut cursor, claims, out_vars, rounds));
        }
        out.push(LayerSlots {
            phase1,
            phase2,
            blocks,
        });
    }
    out.reverse();
    Ok((out, cursor.used()))
}

/// The table's span in the input layer, after checking the layout against the circuit.
pub(crate) fn check_layout<F: Field, E: ExtensionField<F>>(
    circuit: &Circuit,
    layout: ZkLayout,
) -> Result<ZkSpans, ZkLayoutError> {
    let region = circuit
        .input
        .region(RegionKind::Private)
        .ok_or(ZkLayoutError::NoPrivateRegion)?;
    let size = 1u64
        .checked_shl(u32::from(layout.table_log_len))
        .filter(|_| layout.table_log_len >= 1 && layout.table_log_len < 40);
    let placement = ZkLayoutError::Placement {
        offset: layout.table_offset,
        log_len: layout.table_log_len,
        len: region.len,
    };
    let size = size.ok_or(placement.clone())?;
    let offset = u64::from(layout.table_offset);
    let (n0, n1) = (
        u64::from(layout.noise_offset),
        u64::from(layout.noise_offset) + u64::from(layout.noise_len),
    );
    if offset % size != 0
        || offset + size > u64::from(region.len)
        || n1 > u64::from(region.len)
        || n1 > offset
    {
        return Err(placement);
    }
    let (slots, needed) = layer_slots::<E, F>(circuit)?;
    let have = (size / 2) as usize;
    // The slack must outnumber the inner product's reveals (about 2m + 2 extension
    // values) with margin: a table that small is refused even if the masks fit.
    let needed = needed.max(circuits::zk::min_slack(layout.table_log_len, E::DEGREE));
    if needed > have {
        return Err(ZkLayoutError::TooSmall { needed, have });
    }
    let start = region.offset as usize + offset as usize;
    let span = start..start + size as usize;
    let noise = region.offset as usize + n0 as usize..region.offset as usize + n1 as usize;
    if let Some(layer) = circuit.layers.first() {
        let reads = layer
            .mul
            .iter()
            .flat_map(|m| [m.in0, m.in1])
            .chain(layer.add.iter().map(|a| a.input));
        if let Some(slot) = reads.map(|s| s as usize).find(|s| span.contains(s)) {
            return Err(ZkLayoutError::ReadByGate { slot });
        }
        // A block operand reading the table or the noise would put them into a claim
        // that no noise of its own masks.
        let overlaps = |r: &std::ops::Range<usize>, a: usize, b: usize| a < r.end && r.start < b;
        for (block, b) in layer.blocks.iter().enumerate() {
            let (start, log) = super::blocks::operand_span(&b.op)
                .map_err(|_| ZkLayoutError::Block { layer: 1, block })?;
            let end = start + (1usize << log);
            if overlaps(&span, start, end) || overlaps(&noise, start, end) {
                return Err(ZkLayoutError::ReadByBlock { block });
            }
        }
    }
    Ok(ZkSpans {
        table: span,
        noise,
        slots,
    })
}

/// A checked layout in input-layer coordinates, and the masks' slots per layer.
pub(crate) struct ZkSpans {
    pub table: std::ops::Range<usize>,
    pub noise: std::ops::Range<usize>,
    pub slots: Vec<LayerSlots>,
}

/// Absorbs the layout (before any challenge).
pub(crate) fn bind_layout(t: &mut Transcript, layout: ZkLayout) {
    let mut bytes = layout.noise_offset.to_le_bytes().to_vec();
    bytes.extend(layout.noise_len.to_le_bytes());
    bytes.extend(layout.table_offset.to_le_bytes());
    bytes.push(layout.table_log_len);
    t.absorb(ZK_LAYOUT, &bytes);
}

/// A deterministic stream of field elements from a secret seed (BLAKE3 in keyed XOF
/// mode: a PRF, so the masks are pseudorandom to anyone without the seed).
pub(crate) struct MaskStream {
    xof: blake3::OutputReader,
}

impl MaskStream {
    /// Keyed by the secret seed, over a digest of everything the proof is about (the
    /// witness and the context): a seed reused for another witness still gives fresh
    /// masks, so two proofs' messages never differ by the witnesses' difference alone.
    pub(crate) fn new(seed: &[u8; 32], binding: &[u8; 32]) -> Self {
        let mut h = blake3::Hasher::new_keyed(seed);
        h.update(b"lamina zk masks v2");
        h.update(binding);
        MaskStream {
            xof: h.finalize_xof(),
        }
    }

    pub(crate) fn next<T: Field>(&mut self) -> T {
        let mut buf = vec![0u8; T::UNIFORM_BYTES];
        self.xof.fill(&mut buf);
        T::from_uniform_bytes(&buf)
    }
}

/// One layer's masks: its gate phases and its blocks.
pub(crate) struct LayerMasks<E> {
    pub phase1: RoundMasks<E>,
    pub phase2: Option<RoundMasks<E>>,
    pub blocks: Vec<BlockMasks<E>>,
}

/// The prover's masks, and the covectors of the deferred claims it will have to prove
/// (built exactly as the verifier builds them, in the same order).
pub(crate) struct ZkProver<E> {
    pub slots: Vec<LayerSlots>,
    pub masks: Vec<LayerMasks<E>>,
    pub covectors: Vec<Covector<E>>,
}

impl<E: Field> ZkProver<E> {
    /// Draws every mask and fills `z` (the table's slots of the input layer): masks in
    /// the lower half, uniform slack in the upper half; then the noise slots.
    pub(crate) fn new<F: Field>(
        slots: Vec<LayerSlots>,
        z: &mut [F],
        noise: &mut [F],
        seed: &[u8; 32],
        binding: &[u8; 32],
    ) -> Result<Self, crate::sumcheck::SumcheckError>
    where
        E: ExtensionField<F>,
    {
        let mut rng = MaskStream::new(seed, binding);
        let half = z.len() / 2;
        let mut m = vec![F::ZERO; half];
        let mut masks = Vec::with_capacity(slots.len());
        // Drawn in the protocol's order (layers from the output down).
        for ls in slots.iter().rev() {
            let phase1 = RoundMasks::from_fn(ls.phase1, || rng.next::<E>());
            phase1.write(ls.phase1, &mut m)?;
            let phase2 = match ls.phase2 {
                Some(s) => {
                    let masks2 = RoundMasks::from_fn(s, || rng.next::<E>());
                    masks2.write(s, &mut m)?;
                    Some(masks2)
                }
                None => None,
            };
            let blocks = ls
                .blocks
                .iter()
                .map(|b| BlockMasks::draw(b, &mut m, || rng.next::<E>()))
                .collect::<Result<_, _>>()?;
            masks.push(LayerMasks {
                phase1,
                phase2,
                blocks,
            });
        }
        masks.reverse();
        let slack: Vec<F> = (0..half).map(|_| rng.next::<F>()).collect();
        z.copy_from_slice(&crate::zk::inner_product::interleave(&m, &slack));
        for v in noise.iter_mut() {
            *v = rng.next::<F>();
        }
        Ok(ZkProver {
            slots,
            masks,
            covectors: Vec::new(),
        })
    }
}

/// Both sides: the covector a layer claim carries for its blocks' output masks,
/// `Σ_b Σ_c w_c·eq(p_c|≥n_b, index_b)·δ_{b,c}` (the plain verifier subtracts the outputs
/// themselves; the masked one subtracts `t_c` and so adds back `δ_c`). `outs` holds each
/// block's output `(index among spans of its size, log length)`.
pub(crate) fn blocks_in_layer_claim<F: Field, E: ExtensionField<F>>(
    outs: &[(usize, usize)],
    points: &[(Vec<E>, E)],
    slots: &[BlockSlots],
) -> Covector<E> {
    let mut cov = Covector::new();
    for (&(index, n), s) in outs.iter().zip(slots) {
        for (c, (p, w)) in points.iter().enumerate() {
            let weight = *w * crate::mle::eq_at_index(p.get(n..).unwrap_or(&[]), index);
            cov.add_scaled(&output_in_layer_claim::<F, E>(s, c, weight), E::ONE);
        }
    }
    cov
}

/// The table's point `r*` as a point on the whole private region: `r*` then the bits of
/// the table's index among the region's sub-cubes of its size.
pub(crate) fn table_point<E: Field>(
    region: &circuits::Region,
    layout: ZkLayout,
    point: &[E],
) -> Vec<E> {
    let m = usize::from(layout.table_log_len);
    super::blocks::extend_point(
        point,
        (layout.table_offset as usize) >> m,
        usize::from(region.log_len).saturating_sub(m),
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::arith::{Goldilocks, GoldilocksExt2, GoldilocksExt3};
    use circuits::random::{self, BlockKind, BlockSpec, Spec};

    /// The prover's walk takes exactly the slots `circuits::zk` sizes the table for, on
    /// block circuits of every shape the random generator draws.
    #[test]
    fn zk_layer_slots_match_the_transform_count() {
        for seed in 0..30u64 {
            let kinds = [BlockKind::Conv2d, BlockKind::MatMul];
            let spec = Spec {
                log_widths: vec![4, 4, 4, 3],
                mul_percent: 20 * (seed % 4),
                blocks: (0..1 + seed % 4)
                    .map(|j| BlockSpec {
                        kind: kinds[((seed + j) % 2) as usize],
                        layer: 1 + ((seed + j) % 3) as usize,
                    })
                    .collect(),
                ..Spec::default()
            };
            let c = random::circuit(&spec, seed);
            let (_, two) = layer_slots::<GoldilocksExt2, Goldilocks>(&c).unwrap();
            let (slots, three) = layer_slots::<GoldilocksExt3, Goldilocks>(&c).unwrap();
            assert_eq!(two, circuits::zk::mask_slots_needed(&c, 2), "seed {seed}");
            assert_eq!(three, circuits::zk::mask_slots_needed(&c, 3), "seed {seed}");
            assert_eq!(
                slots.iter().map(|s| s.blocks.len()).sum::<usize>(),
                c.num_blocks()
            );
        }
    }
}
