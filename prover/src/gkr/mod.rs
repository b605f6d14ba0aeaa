//! GKR over layered circuits: Libra's two-phase sumcheck per layer with linear-time
//! bookkeeping tables, claims combined with a random coefficient between layers, the
//! output fixed by the verifier and the input checked through the commitment boundary.
//!
//! Per layer `k` with incoming claim `Σ_c w_c·Ṽ_k(r_c)` and `E(z) = Σ_c w_c·eq(r_c, z)`:
//!
//! `claim − cst~(E) = Σ_x Ṽ_{k−1}(x)·h(x)`, `h(x) = add~(E,x) + Σ_y mul~(E,x,y)·Ṽ_{k−1}(y)`.
//!
//! Phase 1 binds `x` to `rx` and ends with the claimed `vx = Ṽ_{k−1}(rx)`; without mul
//! gates the verifier checks the final value equals `vx·add~(E,rx)`. Otherwise phase 2
//! proves `final − vx·add~(E,rx) = Σ_y Ṽ_{k−1}(y)·vx·mul~(E,rx,y)`, binds `y` to `ry`, ends
//! with `vy`, and the verifier checks `vx·vy·mul~(E,rx,ry)`. The next layer's claim is
//! `vx + α·vy` with `α` drawn after both are absorbed.

mod batch;
mod blocks;
mod prove;
mod prove_masked;
mod security;
pub mod structured;
mod values;
mod verify;
mod wiring;
mod zk;

pub use batch::RegionBatch;
pub(crate) use blocks::extend_point;
pub(crate) use prove::masked_private_commitment;
pub use prove::{
    CommittedWeights, ProvenMasked, WEIGHTS_FORMAT_VERSION, WEIGHTS_MAGIC, Witness, commit_weights,
    prove, prove_prepared, prove_unchecked, prove_with_weights,
};
pub(crate) use prove_masked::{Agreements, prove_masked_agreeing};
pub use prove_masked::{
    BlockFault, ZkArgs, prove_masked, prove_masked_unchecked, prove_masked_with_block_fault,
};
pub(crate) use security::field_bits;
pub use security::{
    GkrSoundness, masked_hiding_security, opening_points, prepared_proof_security,
    region_opening_points, whir_proof_security,
};
pub use values::{LayerValues, evaluate};
pub(crate) use verify::{VerifyAgreements, verify_masked_agreeing};
pub use verify::{verify, verify_masked, verify_prepared};
pub use zk::{ZK_LAYOUT, ZkLayout, ZkLayoutError};

/// Weighted claims on one layer: `(point, coefficient)` pairs.
pub(crate) type Claims<E> = Vec<(Vec<E>, E)>;
use crate::arith::Field;
use crate::error::ProveError;
use circuits::{Circuit, CircuitDigest, CircuitError, DecodeError, RegionKind};
use std::borrow::Cow;

/// A circuit validated and digested once, for proving or verifying many statements on
/// it (the per-slice case: one circuit, many inferences).
#[derive(Clone, Debug)]
pub struct PreparedCircuit<'a> {
    circuit: Cow<'a, Circuit>,
    digest: CircuitDigest,
    /// [`committed_padding_read`], found once: a scan over the first layer that every
    /// proof and verification would otherwise repeat.
    padding_read: Option<(RegionKind, u32)>,
}

/// BLAKE3 of a circuit's canonical bytes, on all threads with the `parallel` feature
/// (the same hash: BLAKE3 is a tree, and a VGG-16 circuit is 259 MB).
fn circuit_digest(bytes: &[u8]) -> CircuitDigest {
    let mut h = blake3::Hasher::new();
    #[cfg(feature = "parallel")]
    h.update_rayon(bytes);
    #[cfg(not(feature = "parallel"))]
    h.update(bytes);
    CircuitDigest(*h.finalize().as_bytes())
}

impl<'a> PreparedCircuit<'a> {
    /// Validates and digests `circuit`.
    pub fn new(circuit: &'a Circuit) -> Result<Self, CircuitError> {
        circuit.validate()?;
        Ok(PreparedCircuit {
            digest: circuit.digest(),
            padding_read: committed_padding_read(circuit),
            circuit: Cow::Borrowed(circuit),
        })
    }

    /// Decodes (and so validates) a circuit. The encoding is canonical — every accepted
    /// byte string is the encoding of the circuit it decodes to — so the digest is the
    /// hash of these bytes, with no re-encoding.
    pub fn from_bytes(bytes: &[u8]) -> Result<PreparedCircuit<'static>, DecodeError> {
        let circuit = Circuit::from_bytes(bytes)?;
        Ok(PreparedCircuit {
            padding_read: committed_padding_read(&circuit),
            circuit: Cow::Owned(circuit),
            digest: circuit_digest(bytes),
        })
    }

    /// Validates an owned circuit and returns it prepared together with its canonical
    /// bytes: one encoding, whose hash is the digest (no re-encode, no decode).
    pub fn with_bytes(
        circuit: Circuit,
    ) -> Result<(PreparedCircuit<'static>, Vec<u8>), CircuitError> {
        circuit.validate()?;
        let bytes = circuit.to_bytes();
        let digest = circuit_digest(&bytes);
        Ok((
            PreparedCircuit {
                padding_read: committed_padding_read(&circuit),
                circuit: Cow::Owned(circuit),
                digest,
            },
            bytes,
        ))
    }

    /// The circuit.
    pub fn circuit(&self) -> &Circuit {
        &self.circuit
    }

    /// Its digest.
    pub fn digest(&self) -> &CircuitDigest {
        &self.digest
    }

    /// The first committed padding slot the circuit reads ([`committed_padding_read`]).
    pub fn padding_read(&self) -> Option<(RegionKind, u32)> {
        self.padding_read
    }
}

/// How many variables layer `k`'s gate part runs over: `V_{k−1}`'s `log_width`, except
/// at layer 1 of a circuit with a gate span `g` (`InputLayout::gate_log_width`), where it
/// is `g`.
///
/// Why the span is sound. Validation (`Circuit::validate_gate_span`) guarantees that no
/// gate of layer 1 reads a slot at or above `2^g`, so the gate part's polynomial
/// `h(x) = add~(E,x) + Σ_y mul~(E,x,y)·Ṽ_0(y)` vanishes on every hypercube `x` (and `y`)
/// with a nonzero bit at or above `g`: `Σ_{x ∈ {0,1}^a} Ṽ_0(x)·h(x)` equals the same sum
/// over `x ∈ {0,1}^g` with `Ṽ_0` replaced by `Ṽ_0^{<g}`, the multilinear extension of
/// `V_0[..2^g]` over `g` variables, and `add~`/`mul~` by their `g`-variable extensions
/// (the gates' input slots all fit in `g` bits). The sumcheck over `g` variables thus
/// proves exactly the full claim and ends at `vx = Ṽ_0^{<g}(rx)` (and `vy`). Since
/// `Ṽ_0^{<g}(z) = Σ_{x<2^g} eq(z,x)·V_0(x) = Ṽ_0(z ‖ 0^{a−g})` (the full extension with its
/// high coordinates fixed to 0 selects exactly the low `2^g` slots: `eq(0, b) = 0` for a
/// bit `b = 1`), the claim left on `V_0` is `Ṽ_0(rx ‖ 0^{a−g}) = vx`, a full-width claim
/// the input-layer check handles as any other ([`gate_point`]). A region at or above
/// `2^g` gets weight `eq(p|≥log_len, offset bits) = 0` from such a point (its offset has a
/// set bit at or above `g`, where the point is 0), so it is not opened at that claim.
pub(crate) fn gate_vars(circuit: &Circuit, k: usize) -> usize {
    usize::from(circuit.gate_log_width(k))
}

/// A gate-part point over `vars` coordinates as a point on all `width` coordinates of
/// `V_{k−1}`: the high `width − vars` coordinates are 0 (see [`gate_vars`]). The identity
/// when the gate part runs over the whole layer.
pub(crate) fn gate_point<E: Field>(mut point: Vec<E>, width: usize) -> Vec<E> {
    point.resize(width.max(point.len()), E::ZERO);
    point
}

/// The points region `r` is opened at: `points` (the low `log_len` coordinates of the
/// claims that select it, then its deferred claims' points), or, when there are none, the
/// all-zero point, whose value nothing checks. No point happens for a region above a gate
/// span that no block reads (and, with negligible probability, for a region every
/// random claim point gives weight exactly 0). The zero point keeps one opening per
/// committed region (a scheme opens at one point or more; WHIR refuses none), and it is
/// sound: a region no claim selects contributes `0` to every input claim whatever it
/// holds, so its values need no check.
pub(crate) fn points_or_zero<E: Field>(
    r: &circuits::Region,
    mut points: Vec<Vec<E>>,
) -> Vec<Vec<E>> {
    if points.is_empty() {
        points.push(vec![E::ZERO; r.log_len as usize]);
    }
    points
}

/// The input-layer claims a region is opened at: those whose coordinates above the
/// region select it with a nonzero weight `eq(p|≥log_len, offset bits)`. A block operand's
/// claim has boolean high coordinates and selects exactly its own region; a gate claim
/// (random coordinates) selects every region. Prover and verifier compute the same set.
pub(crate) fn opened_claims<'a, E: Field>(
    r: &'a circuits::Region,
    claims: &'a [(Vec<E>, E)],
) -> impl Iterator<Item = usize> + 'a {
    (0..claims.len()).filter(move |&c| region_weight(r, &claims[c].0) != E::ZERO)
}

/// `eq(p|≥log_len, offset >> log_len)`: how much of a claim at `p` falls on region `r`.
pub(crate) fn region_weight<E: Field>(r: &circuits::Region, p: &[E]) -> E {
    let high = p.get(r.log_len as usize..).unwrap_or(&[]);
    crate::mle::eq_at_index(high, (r.offset >> r.log_len) as usize)
}

/// The blocks' deferred claims' points on region `r` (only the weights region has any).
pub(crate) fn deferred_points<E: Field>(
    r: &circuits::Region,
    deferred: &[blocks::Deferred<E>],
) -> Result<Vec<Vec<E>>, ProveError> {
    if r.kind != RegionKind::Weights {
        return Ok(Vec::new());
    }
    deferred
        .iter()
        .map(|d| {
            d.region_point(r.log_len as usize).ok_or(ProveError::Block {
                layer: d.layer,
                block: d.block,
                source: structured::StructuredError::Op {
                    what: "a weights slot wider than the weights region",
                },
            })
        })
        .collect()
}

/// The committed regions of a circuit's input layer, in commitment order.
pub fn committed_regions(circuit: &Circuit) -> Vec<circuits::Region> {
    [RegionKind::Weights, RegionKind::Private]
        .into_iter()
        .filter_map(|k| circuit.input.region(k).copied())
        .collect()
}

/// The first gate input (region and slot) of `circuit`'s first layer that reads a
/// committed region's padding — a slot at or beyond the region's `len` within its
/// `2^log_len` span — or `None`. Schemes that do not prove the padding zero
/// ([`crate::CommitmentScheme::ZERO_PADDING`] false: WHIR) refuse circuits that read it,
/// for both committed regions: the prover would choose the private padding, and the
/// weights padding is whatever the model's committer put there (zero only for an honest
/// one), where the transparent scheme fixes both to zero. Refusing keeps one circuit
/// meaning the same thing under either scheme.
pub fn committed_padding_read(circuit: &Circuit) -> Option<(RegionKind, u32)> {
    let regions = committed_regions(circuit);
    let padding = |slot: u32| {
        regions.iter().find_map(|r| {
            let start = u64::from(r.offset) + u64::from(r.len);
            let end = u64::from(r.offset) + (1u64 << r.log_len);
            (start..end)
                .contains(&u64::from(slot))
                .then_some((r.kind, slot))
        })
    };
    let layer = circuit.layers.first()?;
    let gates = layer
        .mul
        .iter()
        .flat_map(|m| [m.in0, m.in1])
        .chain(layer.add.iter().map(|a| a.input))
        .find_map(padding);
    gates.or_else(|| blocks_padding_read(circuit, &regions))
}

/// The first committed padding slot a block reads: a first-layer operand reaching past
/// its region's `len`, or a weights slot (of a block at any layer) reaching past the
/// weights region's `len`.
fn blocks_padding_read(
    circuit: &Circuit,
    regions: &[circuits::Region],
) -> Option<(RegionKind, u32)> {
    let past = |r: &circuits::Region, start: u64, len: u64| {
        let (r0, r_end) = (u64::from(r.offset), u64::from(r.offset) + u64::from(r.len));
        let inside = (r0..r0 + (1u64 << r.log_len)).contains(&start);
        (inside && start + len > r_end).then(|| (r.kind, r_end.max(start) as u32))
    };
    if let Some(first) = circuit.layers.first() {
        for block in &first.blocks {
            let Ok((start, log)) = blocks::operand_span(&block.op) else {
                continue;
            };
            if let Some(hit) = regions
                .iter()
                .find_map(|r| past(r, start as u64, 1u64 << log))
            {
                return Some(hit);
            }
        }
    }
    let w = regions.iter().find(|r| r.kind == RegionKind::Weights)?;
    for layer in &circuit.layers {
        for block in &layer.blocks {
            for slot in blocks::weight_slots(&block.op).unwrap_or_default() {
                let start = u64::from(w.offset) + u64::from(slot.offset);
                if let Some(hit) = past(w, start, 1u64 << slot.log_len) {
                    return Some(hit);
                }
            }
        }
    }
    None
}
