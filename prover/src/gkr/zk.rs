//! GKR with masked sumchecks (issue 10, the engine part of design commit 5, gate circuits
//! only so far).
//!
//! **What this hides, and what it does not yet.** Every GKR sumcheck runs masked
//! ([`crate::sumcheck::masked`]): its round polynomials are uniform given the in-clear
//! checks. The mask coefficients and a uniform slack half live in a table `Z` of `2^m`
//! slots inside the private region ([`ZkLayout`]), committed with the witness before any
//! challenge; the checks that involve masks are deferred and discharged by one
//! zero-knowledge inner product ([`crate::zk::inner_product`]) whose final point joins
//! the private region's opening. **Not yet hidden:** the layer evaluations `vx`, `vy`
//! (the design's per-layer noise slots, commit 4), and the committed regions' openings
//! (`HidingWhirPcs`, commit 1). Until both land, a proof made here is *not*
//! zero-knowledge, and nothing reports it as such.
//!
//! **Layout.** The masks of each sumcheck sit in `Z`'s lower half in the order the
//! protocol runs them: layers from the output down, phase 1 then phase 2, rounds in order,
//! `degree + 1` extension coefficients per round ([`layer_slots`]). Prover and verifier
//! compute it from the circuit and the layout alone; the layout is absorbed into the
//! transcript before any challenge.
//!
//! **Refused:** circuits with structured blocks (their sumchecks and block outputs are
//! not masked yet), a `Z` that is misaligned, outside the private region's values, too
//! small for the masks, or read by a gate.

use super::gate_vars;
use crate::arith::{ExtensionField, Field};
use crate::sumcheck::masked::RoundMasks;
use crate::transcript::Transcript;
use crate::zk::{Covector, MaskCursor, MaskSlots};
use circuits::{Circuit, RegionKind};
use thiserror::Error;

/// Transcript label of the layout, absorbed right after the statement.
pub const ZK_LAYOUT: &[u8] = b"zk-layout";

/// Where the mask table `Z` lies: `2^log_len` slots at `offset` within the private
/// region (aligned to its size and inside the region's values).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ZkLayout {
    /// Offset within the private region.
    pub offset: u32,
    /// `m`: the table has `2^m` slots, the lower half masks, the upper half slack.
    pub log_len: u8,
}

/// Why a circuit and layout cannot be proven or verified with masked sumchecks.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ZkLayoutError {
    /// The circuit has no private region to hold `Z`.
    #[error("the circuit has no private region to hold the mask table")]
    NoPrivateRegion,
    /// Structured blocks are not masked yet.
    #[error("layer {layer} has structured blocks, which masked proofs do not support yet")]
    Blocks {
        /// The layer.
        layer: usize,
    },
    /// `Z` is not aligned to its size, has fewer than 2 slots, or leaves the region's values.
    #[error(
        "mask table at offset {offset} of 2^{log_len} slots does not fit aligned in the private region's {len} values"
    )]
    Placement {
        /// Offset in the region.
        offset: u32,
        /// Its size.
        log_len: u8,
        /// The region's values.
        len: u32,
    },
    /// The masks need more slots than `Z`'s lower half has.
    #[error("the masks need {needed} slots, the mask half has {have}")]
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
}

/// The mask slots of one layer's sumchecks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct LayerSlots {
    pub phase1: MaskSlots,
    pub phase2: Option<MaskSlots>,
}

/// The masks' slots for every layer, indexed by `k − 1`, and the slots they take.
pub(crate) fn layer_slots<E: ExtensionField<F>, F: Field>(
    circuit: &Circuit,
) -> (Vec<LayerSlots>, usize) {
    let d = circuit.depth();
    let mut cursor = MaskCursor::new(E::DEGREE);
    let mut out = Vec::with_capacity(d);
    for k in (1..=d).rev() {
        let g = gate_vars(circuit, k);
        let layer = &circuit.layers[k - 1];
        let phase1 = cursor.take(g, 2);
        let phase2 = (!layer.mul.is_empty()).then(|| cursor.take(g, 2));
        out.push(LayerSlots { phase1, phase2 });
    }
    out.reverse();
    (out, cursor.used())
}

/// The table's span in the input layer, after checking the layout against the circuit.
pub(crate) fn check_layout<F: Field, E: ExtensionField<F>>(
    circuit: &Circuit,
    layout: ZkLayout,
) -> Result<(std::ops::Range<usize>, Vec<LayerSlots>), ZkLayoutError> {
    let region = circuit
        .input
        .region(RegionKind::Private)
        .ok_or(ZkLayoutError::NoPrivateRegion)?;
    if let Some(k) = circuit.layers.iter().position(|l| !l.blocks.is_empty()) {
        return Err(ZkLayoutError::Blocks { layer: k + 1 });
    }
    let size = 1u64
        .checked_shl(u32::from(layout.log_len))
        .filter(|_| layout.log_len >= 1 && layout.log_len < 40);
    let placement = ZkLayoutError::Placement {
        offset: layout.offset,
        log_len: layout.log_len,
        len: region.len,
    };
    let size = size.ok_or(placement.clone())?;
    let offset = u64::from(layout.offset);
    if offset % size != 0 || offset + size > u64::from(region.len) {
        return Err(placement);
    }
    let (slots, needed) = layer_slots::<E, F>(circuit);
    let have = (size / 2) as usize;
    if needed > have {
        return Err(ZkLayoutError::TooSmall { needed, have });
    }
    let start = region.offset as usize + offset as usize;
    let span = start..start + size as usize;
    if let Some(layer) = circuit.layers.first() {
        let reads = layer
            .mul
            .iter()
            .flat_map(|m| [m.in0, m.in1])
            .chain(layer.add.iter().map(|a| a.input));
        if let Some(slot) = reads.map(|s| s as usize).find(|s| span.contains(s)) {
            return Err(ZkLayoutError::ReadByGate { slot });
        }
    }
    Ok((span, slots))
}

/// Absorbs the layout (before any challenge).
pub(crate) fn bind_layout(t: &mut Transcript, layout: ZkLayout) {
    let mut bytes = layout.offset.to_le_bytes().to_vec();
    bytes.push(layout.log_len);
    t.absorb(ZK_LAYOUT, &bytes);
}

/// A deterministic stream of field elements from a secret seed (BLAKE3 in keyed XOF
/// mode: a PRF, so the masks are pseudorandom to anyone without the seed).
pub(crate) struct MaskStream {
    xof: blake3::OutputReader,
}

impl MaskStream {
    pub(crate) fn new(seed: &[u8; 32]) -> Self {
        let mut h = blake3::Hasher::new_keyed(seed);
        h.update(b"lamina zk masks v1");
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

/// The prover's masks, and the covectors of the deferred claims it will have to prove
/// (built exactly as the verifier builds them, in the same order).
pub(crate) struct ZkProver<E> {
    pub slots: Vec<LayerSlots>,
    pub masks: Vec<(RoundMasks<E>, Option<RoundMasks<E>>)>,
    pub covectors: Vec<Covector<E>>,
}

impl<E: Field> ZkProver<E> {
    /// Draws every mask and fills `z` (the table's slots of the input layer): masks in
    /// the lower half, uniform slack in the upper half.
    pub(crate) fn new<F: Field>(
        slots: Vec<LayerSlots>,
        z: &mut [F],
        seed: &[u8; 32],
    ) -> Result<Self, crate::sumcheck::SumcheckError>
    where
        E: ExtensionField<F>,
    {
        let mut rng = MaskStream::new(seed);
        z.fill(F::ZERO);
        let mut masks = Vec::with_capacity(slots.len());
        // Drawn in the protocol's order (layers from the output down).
        for ls in slots.iter().rev() {
            let m1 = RoundMasks::from_fn(ls.phase1, || rng.next::<E>());
            m1.write(ls.phase1, z)?;
            let m2 = match ls.phase2 {
                Some(s) => {
                    let m = RoundMasks::from_fn(s, || rng.next::<E>());
                    m.write(s, z)?;
                    Some(m)
                }
                None => None,
            };
            masks.push((m1, m2));
        }
        masks.reverse();
        let half = z.len() / 2;
        for v in &mut z[half..] {
            *v = rng.next::<F>();
        }
        Ok(ZkProver {
            slots,
            masks,
            covectors: Vec::new(),
        })
    }
}

/// The table's point `r*` as a point on the whole private region: `r*` then the bits of
/// the table's index among the region's sub-cubes of its size.
pub(crate) fn table_point<E: Field>(
    region: &circuits::Region,
    layout: ZkLayout,
    point: &[E],
) -> Vec<E> {
    let m = usize::from(layout.log_len);
    super::blocks::extend_point(
        point,
        (layout.offset as usize) >> m,
        usize::from(region.log_len).saturating_sub(m),
    )
}
