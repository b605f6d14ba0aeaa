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

mod prove;
mod security;
pub mod structured;
mod values;
mod verify;
mod wiring;

pub use prove::{
    CommittedWeights, WEIGHTS_FORMAT_VERSION, WEIGHTS_MAGIC, Witness, commit_weights, prove,
    prove_prepared, prove_unchecked, prove_with_weights,
};
pub use security::{GkrSoundness, opening_points, whir_proof_security};
pub use values::{LayerValues, evaluate};
pub use verify::{verify, verify_prepared};

use circuits::{Circuit, CircuitDigest, CircuitError, DecodeError, RegionKind};
use std::borrow::Cow;

/// A circuit validated and digested once, for proving or verifying many statements on
/// it (the per-slice case: one circuit, many inferences).
#[derive(Clone, Debug)]
pub struct PreparedCircuit<'a> {
    circuit: Cow<'a, Circuit>,
    digest: CircuitDigest,
}

impl<'a> PreparedCircuit<'a> {
    /// Validates and digests `circuit`.
    pub fn new(circuit: &'a Circuit) -> Result<Self, CircuitError> {
        circuit.validate()?;
        Ok(PreparedCircuit {
            digest: circuit.digest(),
            circuit: Cow::Borrowed(circuit),
        })
    }

    /// Decodes (and so validates) a circuit. The encoding is canonical — every accepted
    /// byte string is the encoding of the circuit it decodes to — so the digest is the
    /// hash of these bytes, with no re-encoding.
    pub fn from_bytes(bytes: &[u8]) -> Result<PreparedCircuit<'static>, DecodeError> {
        let circuit = Circuit::from_bytes(bytes)?;
        Ok(PreparedCircuit {
            circuit: Cow::Owned(circuit),
            digest: CircuitDigest(*blake3::hash(bytes).as_bytes()),
        })
    }

    /// Validates an owned circuit and returns it prepared together with its canonical
    /// bytes: one encoding, whose hash is the digest (no re-encode, no decode).
    pub fn with_bytes(
        circuit: Circuit,
    ) -> Result<(PreparedCircuit<'static>, Vec<u8>), CircuitError> {
        circuit.validate()?;
        let bytes = circuit.to_bytes();
        let digest = CircuitDigest(*blake3::hash(&bytes).as_bytes());
        Ok((
            PreparedCircuit {
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
}

/// Why `circuit` cannot be proven or verified by this build, if it cannot. Structured
/// blocks and the gate span are in the circuit format, but GKR does not handle them yet:
/// proving such a circuit layer by layer over its gates alone would prove a different
/// function (the blocks' outputs unconstrained), so both sides refuse it.
pub(crate) fn unsupported(circuit: &Circuit) -> Option<&'static str> {
    if circuit.num_blocks() > 0 {
        Some("structured blocks are not yet proven by GKR")
    } else if circuit.input.gate_log_width.is_some() {
        Some("a gate span (gate_log_width) is not yet proven by GKR")
    } else {
        None
    }
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
    layer
        .mul
        .iter()
        .flat_map(|m| [m.in0, m.in1])
        .chain(layer.add.iter().map(|a| a.input))
        .find_map(padding)
}
