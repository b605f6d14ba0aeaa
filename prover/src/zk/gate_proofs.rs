//! Zero-knowledge proofs of gate circuits whose secrets are all in the private region:
//! the first end-to-end composition of issue 10's parts (`docs/design/zero-knowledge.md`).
//!
//! **What is composed.** [`ZkCircuit::new`] turns a circuit into its zero-knowledge form
//! (`circuits::zk::with_noise`: layer noise relayed up, input noise, the mask table);
//! [`prove_zk`] proves that form with every GKR sumcheck masked
//! ([`crate::gkr::prove_masked`]) and commits the private region with hiding WHIR
//! ([`crate::commit::HidingWhir`] through [`crate::commit::OpenOnce`]), opened once at
//! every point GKR and the inner product leave on it; [`verify_zk`] checks it. The proof
//! is a [`MaskedProof`] whose openings are hiding.
//!
//! **What the verifier sees, and what hides it** (the design's §3.1–3.4):
//! - round polynomials of every sumcheck: uniform given the in-clear checks (round masks
//!   in the table's lower half, committed before any challenge);
//! - `vx`, `vy` of every layer below the output: uniform (layer noise);
//! - the private region's evaluations at GKR's input points: uniform (input noise, 8 slots
//!   read by nothing, against 6 revealed base coordinates);
//! - the inner product's `σ`, rounds and the table's value at its point: uniform (the
//!   table's slack half);
//! - the hiding opening: its stated evaluations (above) and nothing else (p3's HVZK).
//!
//! The public input, the public outputs, the circuit and the proof's length are the
//! statement and leak by design. The guarantee is honest-verifier zero knowledge made
//! non-interactive by Fiat–Shamir (BLAKE3 as a random oracle), computational through the
//! commitment's Merkle hiding; the arguments are the design's §3 and §8, not a proof
//! reviewed by a third party.
//!
//! **Refused** ([`ZkRefusal`]), because a masked proof of them would reveal something:
//! - a weights region: the weights are committed once per model and would be opened in
//!   every proof (the weights stock, design §4, is not built);
//! - structured blocks: their operand, slab and bias claims fall on sub-cubes no noise
//!   reaches (design §3.6 item 3).
//!
//! **Randomness.** One [`ZkRng`] per proof: its first 32 bytes seed the masks and the
//! noise, the next 32 the commitment's encoding randomness. A seeded proof is
//! reproducible; production proofs use [`ZkRng::System`].

use super::proof::MaskedProof;
use crate::arith::{ExtensionField, Field, Goldilocks, GoldilocksExt3};
use crate::commit::{
    HidingOpening, HidingWhir, OpenOnce, ProofSecurity, ZkRng, hiding::HidingParams,
};
use crate::error::{ProveError, VerifyError};
use crate::gkr::{self, PreparedCircuit, Witness, ZkArgs, ZkLayout};
use crate::statement::Statement;
use circuits::zk::ZkTransformError;
use circuits::{Circuit, RegionKind};
use rand::Rng;
use thiserror::Error;

/// The challenge field of zero-knowledge proofs (as the binding WHIR default).
pub type ZkExt = GoldilocksExt3;
/// A zero-knowledge proof: masked GKR, its inner product, and hiding openings.
pub type ZkProof = MaskedProof<ZkExt, HidingOpening<ZkExt>>;

/// Why a circuit has no zero-knowledge proof here.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ZkRefusal {
    /// The circuit has a weights region.
    #[error(
        "the circuit has a weights region: its weights would be opened in the clear in every proof until the weights stock (zero-knowledge design §4) is built"
    )]
    Weights,
    /// A layer has structured blocks.
    #[error(
        "layer {layer} has structured blocks: their operand, slab and bias claims are revealed (zero-knowledge design §3.6 item 3)"
    )]
    Blocks {
        /// The first such layer.
        layer: usize,
    },
    /// The circuit has no zero-knowledge form.
    #[error("{0}")]
    Transform(#[from] ZkTransformError),
}

/// A circuit in zero-knowledge form, ready to prove and verify: built by prover and
/// verifier alike from the original circuit, so the layout is never read from a proof.
#[derive(Clone, Debug)]
pub struct ZkCircuit {
    prepared: PreparedCircuit<'static>,
    layout: ZkLayout,
    private_len: usize,
}

impl ZkCircuit {
    /// The zero-knowledge form of `original`, or why it has none.
    pub fn new(original: &Circuit) -> Result<Self, ZkRefusal> {
        if let Some(k) = original.layers.iter().position(|l| !l.blocks.is_empty()) {
            return Err(ZkRefusal::Blocks { layer: k + 1 });
        }
        if original.input.region(RegionKind::Weights).is_some() {
            return Err(ZkRefusal::Weights);
        }
        let (circuit, layout) =
            circuits::zk::with_noise(original, <ZkExt as ExtensionField<Goldilocks>>::DEGREE)?;
        let (prepared, _) =
            PreparedCircuit::with_bytes(circuit).map_err(ZkTransformError::Invalid)?;
        Ok(ZkCircuit {
            prepared,
            layout,
            private_len: original.input.len_of(RegionKind::Private),
        })
    }

    /// The zero-knowledge form (what the transcript binds).
    pub fn circuit(&self) -> &Circuit {
        self.prepared.circuit()
    }

    /// Where the noise and the mask table lie.
    pub fn layout(&self) -> ZkLayout {
        self.layout
    }

    /// The soundness of its proofs ([`gkr::masked_hiding_security`]).
    pub fn security(&self) -> Result<ProofSecurity, ProveError> {
        gkr::masked_hiding_security(hiding_scheme(), self.circuit(), self.layout)
    }
}

/// The default hiding scheme, shared (its DFT twiddles are computed once per process).
pub fn hiding_scheme() -> &'static HidingWhir<ZkExt> {
    static SCHEME: std::sync::OnceLock<HidingWhir<ZkExt>> = std::sync::OnceLock::new();
    SCHEME.get_or_init(|| HidingWhir::new(HidingParams::default()))
}

/// Proves `zk` on `witness`, given for the *original* circuit (its public input and
/// private values; no weights), in zero knowledge. Returns the proof and the public
/// outputs.
pub fn prove_zk(
    zk: &ZkCircuit,
    witness: &Witness<'_, Goldilocks>,
    context: &[u8],
    rng: &ZkRng,
) -> Result<(ZkProof, Vec<Goldilocks>), ProveError> {
    if !witness.weights.is_empty() {
        return Err(ProveError::Length {
            what: "weights",
            expected: 0,
            got: witness.weights.len(),
        });
    }
    if witness.private.len() != zk.private_len {
        return Err(ProveError::Length {
            what: "private values",
            expected: zk.private_len,
            got: witness.private.len(),
        });
    }
    // The zero-knowledge form keeps the original private values in place; the prover
    // fills the noise and the table after them.
    let mut private = witness.private.to_vec();
    private.resize(
        zk.circuit().input.len_of(RegionKind::Private),
        Goldilocks::ZERO,
    );
    let mut stream = rng.chacha()?;
    let mut mask_seed = [0u8; 32];
    stream.fill_bytes(&mut mask_seed);
    let mut commit_seed = [0u8; 32];
    stream.fill_bytes(&mut commit_seed);
    let scheme = OpenOnce::new(hiding_scheme(), &ZkRng::Seeded(commit_seed))?;
    let witness = Witness {
        public: witness.public,
        weights: &[],
        private: &private,
    };
    let ((proof, outputs), inner) = gkr::prove_masked(
        &scheme,
        &zk.prepared,
        None,
        &witness,
        context,
        ZkArgs {
            layout: zk.layout,
            seed: &mask_seed,
        },
    )?;
    Ok((MaskedProof { proof, inner }, outputs))
}

/// Verifies a zero-knowledge proof of `zk`'s statement (`statement.weights_commitment`
/// must be `None`).
pub fn verify_zk(
    zk: &ZkCircuit,
    statement: &Statement<'_, Goldilocks>,
    proof: &ZkProof,
) -> Result<(), VerifyError> {
    gkr::verify_masked(
        &OpenOnce::verifier(hiding_scheme()),
        &zk.prepared,
        statement,
        &proof.proof,
        zk.layout,
        &proof.inner,
    )
}

/// Decodes proof bytes and verifies them: the entry point for untrusted input.
pub fn verify_zk_bytes(
    zk: &ZkCircuit,
    statement: &Statement<'_, Goldilocks>,
    bytes: &[u8],
) -> Result<(), VerifyError> {
    verify_zk(zk, statement, &ZkProof::from_bytes(bytes)?)
}
