//! lamina's proving engine: GKR with Libra-style two-phase sumchecks over layered circuits.
//!
//! **Job.** Field arithmetic ([`arith`]), multilinear tables ([`mle`]), the Fiat–Shamir
//! [`transcript`], [`sumcheck`], GKR prove/verify ([`gkr`]), the commitment boundary
//! ([`commit`]) and the proof format ([`proof`]).
//!
//! **May depend on:** `circuits` only (within the workspace).
//!
//! **Prover / verifier separation.** The prover parallelises inside one proof (feature
//! `parallel`, through [`par`]); the verifier uses no threads, takes `&Circuit`, drives
//! every count from the circuit and returns a typed [`VerifyError`]. Proofs are
//! byte-identical with any thread count.
//!
//! ```
//! use circuits::{AddGate, Circuit, Coeff, InputLayout, Layer, MulGate, Region, RegionKind};
//! use prover::{Goldilocks, Statement, Witness, Field};
//!
//! // out[0] = x0 · x1 + 3·x0, with x private.
//! let mut layer = Layer::new(1);
//! layer.mul.push(MulGate { out: 0, in0: 0, in1: 1, coeff: Coeff::ONE });
//! layer.add.push(AddGate { out: 0, input: 0, coeff: Coeff::Int(3) });
//! let circuit = Circuit {
//!     input: InputLayout {
//!         log_width: 1,
//!         regions: vec![Region { kind: RegionKind::Private, offset: 0, log_len: 1, len: 2 }],
//!         gate_log_width: None,
//!     },
//!     layers: vec![layer],
//!     public_outputs: vec![0],
//!     ..Circuit::default()
//! };
//! let x = [Goldilocks::from_u64(5), Goldilocks::from_u64(7)];
//! let witness = Witness { public: &[], weights: &[], private: &x };
//! let (proof, outputs) = prover::prove_transparent(&circuit, &witness, b"").unwrap();
//! assert_eq!(outputs, vec![Goldilocks::from_u64(50)]);
//! // No weights region, so no expected weights commitment (`None` means exactly that).
//! let statement = Statement { public: &[], outputs: &outputs, context: b"", weights_commitment: None };
//! prover::verify_transparent(&circuit, &statement, &proof).unwrap();
//! ```
//!
//! A circuit with a weights region is verified against the model's weights commitment
//! (from the verification key; [`transparent_weights_commitment`] computes it for the
//! transparent scheme): `weights_commitment: Some(&digest)`. `None` there is rejected, so
//! a statement can never accept whatever weights the proof happens to commit to.
//!
//! **Succinct proofs: WHIR.** [`Whir`] commits each committed region with Plonky3's WHIR
//! (BLAKE3 Merkle trees, ≥ 101 bits per opening under the Johnson bound, computed by
//! [`Whir::security`]; a whole proof's figure, both openings, GKR and the in-circuit
//! challenges included, by [`whir_proof_security`]); GKR's challenges then live in the
//! cubic extension ([`GoldilocksExt3`]). The weights are committed **once** (at compile time) and every
//! proof on them reuses that commitment; each proof commits its private witness and opens
//! both at GKR's input-layer points:
//!
//! ```
//! use circuits::{Circuit, Coeff, InputLayout, Layer, MulGate, Region, RegionKind};
//! use prover::{Goldilocks, Statement, Witness, Field};
//!
//! // out[0] = w0·x0 + w1·x1: x private, w the model's weights.
//! let mut layer = Layer::new(1);
//! layer.mul.push(MulGate { out: 0, in0: 2, in1: 0, coeff: Coeff::ONE });
//! layer.mul.push(MulGate { out: 0, in0: 3, in1: 1, coeff: Coeff::ONE });
//! let circuit = Circuit {
//!     input: InputLayout {
//!         log_width: 2,
//!         regions: vec![
//!             Region { kind: RegionKind::Private, offset: 0, log_len: 1, len: 2 },
//!             Region { kind: RegionKind::Weights, offset: 2, log_len: 1, len: 2 },
//!         ],
//!         gate_log_width: None,
//!     },
//!     layers: vec![layer],
//!     public_outputs: vec![0],
//!     ..Circuit::default()
//! };
//! let w = [Goldilocks::from_u64(3), Goldilocks::from_u64(4)];
//!
//! // Compile time, once: commit the weights; publish the digest, keep the bytes.
//! let committed = prover::whir_commit_weights(&circuit, &w)?.expect("a weights region");
//! let model_commitment = *committed.digest();
//! let stored: Vec<u8> = committed.to_bytes(prover::whir_scheme());
//!
//! // Proving time, per inference: reload (no new weights commitment) and prove.
//! let weights = prover::whir_load_weights(&circuit, &stored)?;
//! let x = [Goldilocks::from_u64(5), Goldilocks::from_u64(7)];
//! let witness = Witness { public: &[], weights: &w, private: &x };
//! let (proof, outputs) = prover::prove_whir(&circuit, Some(&weights), &witness, b"ctx")?;
//! assert_eq!(outputs, vec![Goldilocks::from_u64(43)]);
//! let bytes = proof.to_bytes();
//!
//! // The verifier holds the circuit and the model's commitment, never the weights.
//! let statement = Statement {
//!     public: &[],
//!     outputs: &outputs,
//!     context: b"ctx",
//!     weights_commitment: Some(&model_commitment),
//! };
//! prover::verify_whir_bytes(&circuit, &statement, &bytes)?;
//! assert!(prover::whir_scheme().security(1, 2)?.bits >= 100.0);
//! // The proof's figure: both openings, GKR and the in-circuit challenges.
//! assert!(prover::whir_proof_security(&circuit)?.bits >= 100.0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! **Zero knowledge** ([`zk`], argument in `prover/ZK.md`). A gate circuit whose secrets
//! are all private inputs (no weights region, no structured blocks: those are refused
//! until their parts are built) is proven in its zero-knowledge form, with masked
//! sumchecks and the private region committed by hiding WHIR and opened once. The
//! verifier derives the same form from the circuit:
//!
//! ```
//! use circuits::{Circuit, Coeff, InputLayout, Layer, MulGate, Region, RegionKind};
//! use prover::commit::ZkRng;
//! use prover::zk::{ZkCircuit, prove_zk, verify_zk_bytes};
//! use prover::{Field, Goldilocks, Statement, Witness};
//!
//! // out[0] = x0·x1 + x2·x3, every x private.
//! let mut layer = Layer::new(1);
//! layer.mul.push(MulGate { out: 0, in0: 0, in1: 1, coeff: Coeff::ONE });
//! layer.mul.push(MulGate { out: 0, in0: 2, in1: 3, coeff: Coeff::ONE });
//! let circuit = Circuit {
//!     input: InputLayout {
//!         log_width: 2,
//!         regions: vec![Region { kind: RegionKind::Private, offset: 0, log_len: 2, len: 4 }],
//!         gate_log_width: None,
//!     },
//!     layers: vec![layer],
//!     public_outputs: vec![0],
//!     ..Circuit::default()
//! };
//! let zk = ZkCircuit::new(&circuit)?;
//! let x: Vec<Goldilocks> = [2u64, 3, 4, 5].map(Goldilocks::from_u64).to_vec();
//! let witness = Witness { public: &[], weights: &[], private: &x };
//! let (proof, outputs) = prove_zk(&zk, &witness, b"ctx", &ZkRng::System, None)?;
//! assert_eq!(outputs, vec![Goldilocks::from_u64(26)]);
//! let statement = Statement { public: &[], outputs: &outputs, context: b"ctx", weights_commitment: None };
//! verify_zk_bytes(&zk, &statement, None, &proof.to_bytes())?;
//! assert!(zk.security(None)?.bits >= 100.0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]

pub mod arith;
pub mod commit;
mod error;
pub mod gkr;
pub mod mle;
pub mod par;
pub mod proof;
pub mod statement;
pub mod sumcheck;
pub mod transcript;
pub mod zk;

pub use arith::{ExtensionField, Field, Goldilocks, GoldilocksExt2, GoldilocksExt3, PrimeField64};
pub use commit::{
    CommitmentScheme, ProofSecurity, Transparent, TransparentOpening, Whir, WhirData, WhirOpening,
    WhirParams, WhirSecurity,
};
pub use error::{ProveError, VerifyError};
pub use gkr::{CommittedWeights, Witness};
pub use proof::Proof;
pub use statement::Statement;

/// A solved input layer (from `circuits::compiler::Program::solve`) as Goldilocks vectors,
/// ready to prove.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldWitness {
    /// Public input.
    pub public: Vec<Goldilocks>,
    /// Weights.
    pub weights: Vec<Goldilocks>,
    /// Private values.
    pub private: Vec<Goldilocks>,
}

impl FieldWitness {
    /// Lifts the solver's residues into the field.
    pub fn from_solved(w: &circuits::compiler::SolvedWitness) -> FieldWitness {
        let f =
            |v: &[circuits::Residue]| v.iter().map(|r| Goldilocks::from_u64(r.value())).collect();
        FieldWitness {
            public: f(&w.public),
            weights: f(&w.weights),
            private: f(&w.private),
        }
    }

    /// The transparent commitment to these weights in `circuit`'s weights region: what a
    /// verifier's [`Statement::weights_commitment`] expects. `None` when the circuit has
    /// no weights region.
    pub fn weights_commitment(&self, circuit: &circuits::Circuit) -> Option<commit::Digest> {
        transparent_weights_commitment(circuit, &self.weights)
    }

    /// The view the prover takes.
    pub fn witness(&self) -> Witness<'_, Goldilocks> {
        Witness {
            public: &self.public,
            weights: &self.weights,
            private: &self.private,
        }
    }
}

/// The proof type of the default configuration: Goldilocks values, Ext2 challenges,
/// transparent (not hiding) commitments.
pub type TransparentProof = Proof<GoldilocksExt2, TransparentOpening<Goldilocks>>;

/// The [`Transparent`] commitment to `weights` as `circuit`'s weights region (the digest
/// the prover binds and [`Statement::weights_commitment`] expects), or `None` when the
/// circuit has no weights region.
pub fn transparent_weights_commitment(
    circuit: &circuits::Circuit,
    weights: &[Goldilocks],
) -> Option<commit::Digest> {
    let r = circuit.input.region(circuits::RegionKind::Weights)?;
    Some(commit::transparent_hash(weights, r.log_len))
}

/// Proves with the default configuration (Goldilocks, Ext2, [`Transparent`]).
pub fn prove_transparent(
    circuit: &circuits::Circuit,
    witness: &Witness<'_, Goldilocks>,
    context: &[u8],
) -> Result<(TransparentProof, Vec<Goldilocks>), ProveError> {
    gkr::prove::<Goldilocks, GoldilocksExt2, Transparent>(&Transparent, circuit, witness, context)
}

/// Verifies a proof of the default configuration.
pub fn verify_transparent(
    circuit: &circuits::Circuit,
    statement: &Statement<'_, Goldilocks>,
    proof: &TransparentProof,
) -> Result<(), VerifyError> {
    gkr::verify::<Goldilocks, GoldilocksExt2, Transparent>(&Transparent, circuit, statement, proof)
}

/// Decodes proof bytes and verifies them: the entry point for untrusted input.
pub fn verify_transparent_bytes(
    circuit: &circuits::Circuit,
    statement: &Statement<'_, Goldilocks>,
    proof_bytes: &[u8],
) -> Result<(), VerifyError> {
    let proof = TransparentProof::from_bytes(proof_bytes)?;
    verify_transparent(circuit, statement, &proof)
}

/// The challenge field of the default WHIR configuration.
pub type WhirExt = GoldilocksExt3;

/// The proof type of the default WHIR configuration: Goldilocks values, Ext3 challenges,
/// WHIR openings ([`WhirParams::default`]: ρ = 1/4, folding 4, no proof-of-work, ≥ 101
/// bits per opening under the Johnson bound; [`whir_proof_security`] for a proof's
/// figure). Binding, not hiding.
pub type WhirProof = Proof<WhirExt, WhirOpening<WhirExt>>;

/// The proof type of WHIR with [`GoldilocksExt2`] challenges (use with
/// `Whir::<GoldilocksExt2>::new(WhirParams::ext2_pow())` and the generic [`gkr`]
/// functions): smaller and faster to verify on LeNet, but it needs proof-of-work and
/// refuses regions above 2^17 values with that preset (101 bits per opening), and a
/// proof's figure can fall below 100 bits when GKR and LogUp in its 127-bit field are
/// charged ([`gkr::whir_proof_security`]: 96.3 bits for a LeNet-shaped circuit).
pub type WhirExt2Proof = Proof<GoldilocksExt2, WhirOpening<GoldilocksExt2>>;

/// Weights committed once with the default WHIR configuration.
pub type WhirCommittedWeights = CommittedWeights<Goldilocks, WhirData<WhirExt>>;

/// The default WHIR scheme, shared (its DFT twiddles are computed once per process).
pub fn whir_scheme() -> &'static Whir<WhirExt> {
    static SCHEME: std::sync::OnceLock<Whir<WhirExt>> = std::sync::OnceLock::new();
    SCHEME.get_or_init(Whir::default)
}

/// The soundness of a proof of `circuit` with the default WHIR configuration
/// ([`whir_scheme`]), under the Johnson bound: both openings at the points GKR leaves,
/// and GKR's and the in-circuit challenges' errors charged over the commitments'
/// candidate lists ([`ProofSecurity`], [`gkr::whir_proof_security`]). What a report
/// should quote as the proof's security.
pub fn whir_proof_security(circuit: &circuits::Circuit) -> Result<ProofSecurity, ProveError> {
    gkr::whir_proof_security(whir_scheme(), circuit)
}

/// [`whir_proof_security`] for a circuit already validated and digested.
pub fn whir_prepared_security(
    prepared: &gkr::PreparedCircuit<'_>,
) -> Result<ProofSecurity, ProveError> {
    gkr::prepared_proof_security(whir_scheme(), prepared)
}

/// Commits `circuit`'s weights once with the default WHIR configuration (at compile
/// time): the digest is what verifiers pin; store it with
/// [`CommittedWeights::to_bytes`] and reload with [`whir_load_weights`]. `Ok(None)` when
/// the circuit has no weights region.
pub fn whir_commit_weights(
    circuit: &circuits::Circuit,
    weights: &[Goldilocks],
) -> Result<Option<WhirCommittedWeights>, ProveError> {
    gkr::commit_weights(whir_scheme(), circuit, weights)
}

/// Reloads weights stored by [`CommittedWeights::to_bytes`] (rebuilding WHIR's prover
/// data by one commit and checking the stored digest).
pub fn whir_load_weights(
    circuit: &circuits::Circuit,
    bytes: &[u8],
) -> Result<WhirCommittedWeights, ProveError> {
    CommittedWeights::from_bytes(whir_scheme(), circuit, bytes)
}

/// Proves with the default WHIR configuration. `weights` is the commitment made once
/// ([`whir_commit_weights`]); `None` for a circuit with a weights region commits
/// `witness.weights` now (one commitment per proof, for tests and one-off proofs).
pub fn prove_whir(
    circuit: &circuits::Circuit,
    weights: Option<&WhirCommittedWeights>,
    witness: &Witness<'_, Goldilocks>,
    context: &[u8],
) -> Result<(WhirProof, Vec<Goldilocks>), ProveError> {
    let prepared = gkr::PreparedCircuit::new(circuit)?;
    let fresh;
    let weights = match weights {
        Some(w) => Some(w),
        None => {
            fresh = whir_commit_weights(circuit, witness.weights)?;
            fresh.as_ref()
        }
    };
    gkr::prove_with_weights(whir_scheme(), &prepared, weights, witness, context)
}

/// Verifies a proof of the default WHIR configuration. `statement.weights_commitment`
/// is the model's weights commitment (the digest of [`whir_commit_weights`]).
pub fn verify_whir(
    circuit: &circuits::Circuit,
    statement: &Statement<'_, Goldilocks>,
    proof: &WhirProof,
) -> Result<(), VerifyError> {
    gkr::verify::<Goldilocks, WhirExt, Whir<WhirExt>>(whir_scheme(), circuit, statement, proof)
}

/// Decodes WHIR proof bytes and verifies them: the entry point for untrusted input.
pub fn verify_whir_bytes(
    circuit: &circuits::Circuit,
    statement: &Statement<'_, Goldilocks>,
    proof_bytes: &[u8],
) -> Result<(), VerifyError> {
    let proof = WhirProof::from_bytes(proof_bytes)?;
    verify_whir(circuit, statement, &proof)
}
