//! WHIR multilinear commitments (Plonky3's `p3-whir` 0.8.0) behind [`CommitmentScheme`].
//!
//! **Construction.** A region of `2^m` values is one single-column table, padded with
//! zeros to at least [`MIN_VARIABLES`] variables, Reed–Solomon encoded at rate
//! `2^-log_inv_rate` and committed in a Merkle tree over BLAKE3
//! (`SerializingHasher<Blake3>` leaves, `CompressionFunctionFromHasher<Blake3, 2, 32>`
//! nodes, a single root: the 32-byte [`Digest`]). Openings are prescribed-point openings
//! (`PrescribedPointPcs::open_at` / `verify_at`): every point GKR leaves on a region is
//! opened in **one** WHIR proof. The model's weights and the per-proof private witness
//! are two commitments (the weights are committed once, at compile time), so a proof
//! carries two WHIR openings: p3-whir 0.8.0 opens one commitment per proof, and the
//! weights commitment cannot share a Merkle tree with a witness that is only known later.
//!
//! **Soundness.** `SecurityAssumption::JohnsonBound` only — never the conjectured capacity
//! regime. p3's `security_level` is a per-error-term target; the opening's error is the
//! union of its terms (`prescribed_security`), a few bits less. [`WhirParams::security_bits`]
//! is the **combined** figure required: the per-term target handed to p3 is searched
//! upward from it until the combined figure reaches it, for the actual size and number
//! of points; sizes where no target up to `security_bits + 24` reaches it are refused with
//! [`CommitError::Parameters`]. [`Whir::security`] reports the figure;
//! `tests/integration/whir.rs` checks ≥ 100 bits for every size from 2^1 to 2^24. The Merkle hash
//! (256-bit BLAKE3) adds a 128-bit collision bound, above every figure here. The
//! verifier refuses any opening below [`MIN_VERIFIER_BITS`] (100), whatever the
//! parameters it was handed say.
//!
//! **A proof's figure** ([`ProofSecurity`], [`crate::gkr::whir_proof_security`]) is lower
//! than any one opening's: it is the union of both openings (weights and private) and of
//! GKR's and the in-circuit challenges' errors, the latter multiplied by the
//! commitments' Johnson list sizes (a prover may pick which listed polynomial to open
//! after seeing those challenges: p3 draws its out-of-domain samples only when opening).
//! For a LeNet-shaped circuit (weights 2^16, private 2^18, thirty layers of 2^18 slots, a
//! challenge of degree 2^20) the default gives 101.6 bits; the Ext2 preset, at private
//! 2^17, 96.3 bits (its 127-bit field leaves GKR and LogUp ≈ 107 bits before the ≈ 10.6
//! bits of list charge) — quote [`ProofSecurity::bits`], not a per-opening figure.
//!
//! **Transcript bridge.** Per opening, the p3 challenger
//! (`SerializingChallenger64<Goldilocks, HashChallenger<u8, Blake3, 32>>`) is seeded with
//! a 32-byte squeeze of lamina's transcript (label [`labels::PCS_SEED`]) — taken after the
//! statement, every commitment and every GKR message are absorbed — then observes the
//! commitment (the verifier does this itself, never trusting the proof), then runs the
//! WHIR protocol; the opening's canonical encoding is absorbed back into lamina's
//! transcript (label [`labels::PCS_PROOF`]) before anything else is drawn.
//!
//! **Proof encoding** ([`WhirOpening`]): explicit, versioned, little-endian, no serde.
//! Every length is checked against the bytes that remain before anything is allocated;
//! the verifier then checks every count (evaluations, rounds, out-of-domain answers,
//! sumcheck messages, queries, row widths, final polynomial) against the configuration
//! the circuit's region size and the parameters fix, before any p3 function sees it.
//!
//! **Prover data.** p3's prover data (the committed layout and the Merkle tree) has no
//! serialisation; [`crate::gkr::CommittedWeights`] stores the weights and rebuilds it
//! deterministically (one commit, a few milliseconds at 2^16), checking the digest.
//!
//! ## Measured (this 2-core machine, shared with other sessions: load 1–3)
//!
//! (Measured with a 100-bit target per opening; the default is now 101 per opening so
//! that a proof's two openings together keep 100 bits, [`proof_security_bits`]. The
//! per-term target moves by about one bit; sizes and times move by a few per cent.)
//!
//! One region, two opening points (what GKR leaves), ≥ 100 bits combined (Johnson
//! bound); `cargo bench -p prover --bench whir` (criterion medians, release, `parallel`):
//!
//! | m | challenges | ρ | fold | PoW budget | combined bits (per-term target) | commit ms | open ms | verify ms | opening B |
//! |---|---|---|---|---|---|---|---|---|---|
//! | 16 | Ext3 | 1/4 | 4 | 0 | 100.2 (101) | 2.7 | 8.2 | 0.81 | 78,732 |
//! | 16 | Ext2 | 1/4 | 4 | 16 | 100.7 (106) | 2.3 | 17.0 | 0.71 | 63,848 |
//! | 18 | Ext3 | 1/4 | 4 | 0 | 100.2 (101) | 11.0 | 43.8 | 0.81 | 90,860 |
//! | 18 | Ext2 | 1/4 | 4 | 16 | 100.7 (106) | 10.0 | 45.1 | 0.79 | 73,160 |
//!
//! Whole LeNet (K = 18; weights 2^16, private 2^17) and its five slices, weights committed
//! once, prove including the private commitment and both openings; medians of 3
//! (`cargo run --release -p benches --features whir-figures --example whir_lenet`, `CONFIG=…`):
//!
//! | configuration | whole: prove ms | verify ms | proof B | 5 slices: prove ms | verify ms | proof B |
//! |---|---|---|---|---|---|---|
//! | WHIR, Ext3, ρ 1/4, fold 4, no PoW (default) | 195 | 89.6 | 191,485 | 260 | 98.5 | 568,269 |
//! | WHIR, Ext2, ρ 1/4, fold 4, PoW ≤ 16 | 155 | 54.1 | 151,845 | 205 | 60.8 | 444,065 |
//! | transparent, Ext2 (same run, for reference) | 82 | 47.8 | 1,232,157 | 119 | 54.2 | 1,297,637 |
//! | transparent, Ext3 (GKR alone in Ext3) | 160 | 85.7 | 1,240,925 | 239 | 97.3 | 1,330,453 |
//!
//! * GKR itself is what Ext3 costs: its sumchecks and wiring scans run ≈ 1.8× slower in
//!   the cubic extension (transparent Ext3 vs Ext2), while WHIR adds ≈ 25–35 ms to proving
//!   and ≈ 1–4 ms to verifying.
//! * Ext2 needs proof-of-work to reach 100 bits (none suffices; 16 bits up to 2^18 at
//!   100 bits per opening, 2^17 at the default 101, 20 at 2^20, 22 at 2^22, more beyond) and pays for it in opening time (grinding), but
//!   keeps GKR in the faster field and its openings are ≈ 20 % smaller. On LeNet it is
//!   the faster and smaller configuration; Ext3 is the one that needs no grinding and
//!   covers every size to 2^24 with the same parameters.
//! * Ext3 sweep on whole LeNet (one run each): ρ 1/8 fold 4: 164,701 B but ≈ 1.5× the
//!   proving time (8× encoding); ρ 1/4 fold 3: 201,185 B; fold 5: 218,095 B; ρ 1/2:
//!   261,485 B.
//! * The five-slice total is ≈ 3× the whole proof: ten openings instead of two, each
//!   dominated by its query paths whatever the region's size.

use super::codec::{
    Queries, bounded_length, get_base, get_ext, get_flag, get_queries, put_base, put_ext,
    put_queries,
};
use super::{CommitError, CommitmentScheme, Digest, Opening};
use crate::arith::{ExtensionField, Field, Goldilocks, GoldilocksExt2, GoldilocksExt3};
use crate::transcript::{Transcript, labels};
use circuits::DecodeError;
use circuits::codec::{Reader, Writer};
use p3_blake3::Blake3;
use p3_challenger::{HashChallenger, SerializingChallenger64};
use p3_commit::MultilinearPcs;
use p3_dft::Radix2DFTSmallBatch;
use p3_matrix::dense::RowMajorMatrix;
use p3_merkle_tree::MerkleTreeMmcs;
use p3_multilinear_util::point::Point;
use p3_multilinear_util::poly::Poly;
use p3_sumcheck::layout::{Layout, SuffixProver, Table};
use p3_sumcheck::{
    OpeningBatch, OpeningProtocol, PrescribedPointPcs, SumcheckData, TableShape, TableSpec,
};
use p3_symmetric::{CompressionFunctionFromHasher, MerkleCap, SerializingHasher};
use p3_whir::parameters::{FoldingFactor, ProtocolParameters, SecurityAssumption, WhirConfig};
use p3_whir::{
    PcsProof, QueryOpenings, VerifierError, WhirConfigError, WhirProof, WhirProver,
    WhirProverData as P3ProverData, WhirRoundProof, WhirShape,
};
use std::borrow::Cow;
use std::marker::PhantomData;

/// The Merkle tree commitment: BLAKE3 leaves and 2-to-1 nodes, 32-byte digests.
pub type WhirMmcs = MerkleTreeMmcs<
    Goldilocks,
    u8,
    SerializingHasher<Blake3>,
    CompressionFunctionFromHasher<Blake3, 2, 32>,
    2,
    32,
>;
/// The p3 Fiat–Shamir challenger, seeded from lamina's transcript per opening.
pub type WhirChallenger = SerializingChallenger64<Goldilocks, HashChallenger<u8, Blake3, 32>>;
type Dft = Radix2DFTSmallBatch<Goldilocks>;
type Pcs<E> = WhirProver<E, Goldilocks, Dft, WhirMmcs, WhirChallenger, SuffixProver<Goldilocks, E>>;
type Cap = MerkleCap<Goldilocks, [u8; 32]>;
/// p3's opening proof for one region.
pub type WhirPcsProof<E> = PcsProof<Goldilocks, E, WhirMmcs>;
type Data<E> = P3ProverData<Goldilocks, E, WhirMmcs, SuffixProver<Goldilocks, E>>;

/// Regions are committed as polynomials of at least this many variables (zero-padded):
/// WHIR's folding needs a few variables, and tiny regions cost nothing extra this way.
pub const MIN_VARIABLES: u8 = 8;
/// The most points one opening accepts: GKR's gate part leaves one or two per region
/// (protocol version 1), and version 2 batches every region's points into one before the
/// opening. The bound keeps a proof-supplied count from sizing anything.
pub const MAX_POINTS: usize = 8;
/// The largest region WHIR commits here (2^28 values).
pub const MAX_VARIABLES: u8 = 28;
/// The least soundness, in bits per opening, the verifier accepts whatever the scheme's
/// parameters say: parameters that come from outside (a verification key) cannot lower
/// it. [`WhirParams::security_bits`] may be set lower for experiments; such openings
/// still prove, but no verifier accepts them.
pub const MIN_VERIFIER_BITS: f64 = 100.0;
/// How far above the combined requirement the per-term target is searched.
const TARGET_SEARCH: usize = 24;
/// Version of the opening encoding.
pub const OPENING_FORMAT_VERSION: u8 = 1;

/// Challenge fields WHIR runs over: Goldilocks' degree-2 and degree-3 extensions.
pub trait WhirField:
    ExtensionField<Goldilocks>
    + p3_field::ExtensionField<Goldilocks>
    + p3_field::TwoAdicField
    + Ord
    + Send
    + Sync
{
}
impl WhirField for GoldilocksExt2 {}
impl WhirField for GoldilocksExt3 {}

/// WHIR's parameters. The combined security is computed, never assumed: see
/// [`Whir::security`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct WhirParams {
    /// `log2(1/ρ)` of the first Reed–Solomon codeword (2: ρ = 1/4).
    pub log_inv_rate: u8,
    /// Variables folded per WHIR round.
    pub folding_factor: u8,
    /// Proof-of-work budget in bits (0: no grinding). A ceiling: p3 grinds only what a
    /// term needs to reach its target.
    pub pow_bits: u8,
    /// Combined soundness required of every opening, in bits, under the Johnson bound.
    pub security_bits: u16,
}

impl WhirParams {
    /// The preset for [`GoldilocksExt2`] challenges: ρ = 1/4, folding 4, a 16-bit
    /// proof-of-work budget (the degree-2 extension cannot reach 100 bits without
    /// grinding; 16 bits reach the default 101 per opening up to 2^17 values, larger regions
    /// are refused). Per opening only: GKR and LogUp in the 127-bit field, charged over
    /// the commitments' candidate lists, can take a proof below 100 bits (96.3 for a
    /// LeNet-shaped circuit with a degree-2^20 challenge); see [`ProofSecurity`].
    pub fn ext2_pow() -> Self {
        WhirParams {
            pow_bits: 16,
            ..WhirParams::default()
        }
    }
}

impl Default for WhirParams {
    /// ρ = 1/4, folding 4, no proof-of-work, 101 bits combined per opening (with
    /// [`GoldilocksExt3`]): a proof carries two openings (weights and private witness),
    /// and forging either suffices, so the proof's figure is their union,
    /// `−log2(2·2^−101) = 100` bits at least ([`proof_security_bits`]).
    fn default() -> Self {
        WhirParams {
            log_inv_rate: 2,
            folding_factor: 4,
            pow_bits: 0,
            security_bits: 101,
        }
    }
}

/// The union of these openings' errors in bits, `−log2(Σ 2^−bits_i)`: a cheating prover
/// wins if any one opening accepts a false evaluation. The openings only: a proof's
/// figure also charges GKR and the in-circuit challenges over the commitments' candidate
/// lists, [`ProofSecurity`] ([`crate::gkr::whir_proof_security`]).
pub fn proof_security_bits(openings: &[WhirSecurity]) -> f64 {
    let err: f64 = openings.iter().map(|o| (-o.bits).exp2()).sum();
    if err == 0.0 {
        f64::INFINITY
    } else {
        -err.log2()
    }
}

/// The security an opening gets, as computed from p3's own error terms.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WhirSecurity {
    /// Combined soundness in bits: the union of every algebraic error term of the
    /// opening under the Johnson bound (`prescribed_security`), capped by BLAKE3's 128-bit
    /// collision bound.
    pub bits: f64,
    /// The per-term target handed to p3 to reach it.
    pub per_term_target: usize,
    /// Variables of the committed polynomial (the region's, or [`MIN_VARIABLES`]).
    pub num_variables: usize,
    /// Opening points the figure is for.
    pub num_points: usize,
    /// Always `"JohnsonBound"`.
    pub regime: &'static str,
    /// `log2` of how many polynomials the commitment may still open to (p3's
    /// `PrescribedOpeningSecurity::log2_max_candidates`: the Johnson list size at the
    /// first codeword's rate, ≈ 5.3 at ρ = 1/4). A prover picks among them after seeing
    /// every challenge drawn before the opening, so those draws are charged this many
    /// bits ([`ProofSecurity`]).
    pub log2_max_candidates: f64,
}

/// A whole proof's soundness under the Johnson bound: what
/// [`crate::gkr::whir_proof_security`] computes for a circuit and a scheme.
///
/// `ε_proof = Σ_regions ε_open(r) + 2^L · (ε_GKR + ε_challenges)`, `bits = −log2 ε_proof`:
///
/// * `ε_open(r)`: each committed region's opening at the number of points GKR leaves on
///   it (p3's union over the opening's terms, capped at BLAKE3's 2^−128), [`Self::openings`];
/// * `ε_GKR`, `ε_challenges`: the reductions lamina draws after the commitments
///   ([`crate::gkr::GkrSoundness`]);
/// * `L` = [`Self::log2_max_candidates`], the sum over committed regions of each
///   commitment's list size (a prover may pick one candidate of each, after seeing those
///   challenges), charged with p3's `PrescribedOpeningSecurity::charge_reduction`.
#[derive(Clone, Debug, PartialEq)]
pub struct ProofSecurity {
    /// The proof's soundness in bits, `−log2 ε_proof`.
    pub bits: f64,
    /// Always `"JohnsonBound"`.
    pub regime: &'static str,
    /// Each committed region's opening, in commitment order (weights, then private).
    pub openings: Vec<WhirSecurity>,
    /// The region of each opening.
    pub regions: Vec<circuits::RegionKind>,
    /// `L`: `log2` of the candidate pairs the commitments leave open together.
    pub log2_max_candidates: f64,
    /// GKR's and the in-circuit challenges' errors before the charge.
    pub gkr: crate::gkr::GkrSoundness,
    /// Both reductions after the charge, `−log2(2^L·(ε_GKR + ε_challenges))`.
    pub charged_bits: f64,
}

/// The WHIR scheme over Goldilocks with challenges in `E` ([`GoldilocksExt3`] by default).
#[derive(Clone, Debug)]
pub struct Whir<E = GoldilocksExt3> {
    params: WhirParams,
    dft: Dft,
    _e: PhantomData<E>,
}

impl<E: WhirField> Default for Whir<E> {
    fn default() -> Self {
        Whir::new(WhirParams::default())
    }
}

pub(super) fn mmcs() -> WhirMmcs {
    WhirMmcs::new(
        SerializingHasher::new(Blake3),
        CompressionFunctionFromHasher::new(Blake3),
        0,
    )
}

pub(super) fn params_error(e: impl std::fmt::Display) -> CommitError {
    CommitError::Parameters(e.to_string())
}

/// What the prover keeps between commit and open: the digest and p3's prover data.
#[derive(Clone)]
pub struct WhirData<E: WhirField> {
    digest: Digest,
    log_len: u8,
    data: Data<E>,
}

impl<E: WhirField> std::fmt::Debug for WhirData<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WhirData")
            .field("digest", &self.digest)
            .field("log_len", &self.log_len)
            .finish_non_exhaustive()
    }
}

/// One region's WHIR opening: the evaluations at the requested points and p3's proof
/// that they are the committed polynomial's. Fields are public so tests can tamper with
/// them; the verifier checks everything.
#[derive(Clone)]
pub struct WhirOpening<E: WhirField> {
    /// p3's proof; `proof.evals[i].current()[0]` is the evaluation at point `i`.
    pub proof: WhirPcsProof<E>,
}

impl<E: WhirField> WhirOpening<E> {
    /// The evaluations the opening states, one per point (shape-checked on decode).
    pub fn evaluations(&self) -> Vec<E> {
        self.proof
            .evals
            .iter()
            .filter_map(|b| b.current().first().copied())
            .collect()
    }

    /// Encoded length in bytes.
    pub fn encoded_len(&self) -> usize {
        let mut w = Writer::new();
        self.encode(&mut w);
        w.into_bytes().len()
    }
}

impl<E: WhirField> std::fmt::Debug for WhirOpening<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WhirOpening")
            .field("evaluations", &self.evaluations())
            .field("rounds", &self.proof.whir.rounds.len())
            .field("bytes", &self.encoded_len())
            .finish()
    }
}

impl<E: WhirField> PartialEq for WhirOpening<E> {
    fn eq(&self, other: &Self) -> bool {
        let enc = |o: &Self| {
            let mut w = Writer::new();
            o.encode(&mut w);
            w.into_bytes()
        };
        enc(self) == enc(other)
    }
}
impl<E: WhirField> Eq for WhirOpening<E> {}

impl<E: WhirField> Whir<E> {
    /// A scheme with these parameters.
    pub fn new(params: WhirParams) -> Self {
        Whir {
            params,
            dft: Dft::default(),
            _e: PhantomData,
        }
    }

    /// The parameters.
    pub fn params(&self) -> &WhirParams {
        &self.params
    }

    /// Variables of the polynomial committed for a region of `2^log_len` slots.
    pub fn num_variables(log_len: u8) -> usize {
        log_len.max(MIN_VARIABLES) as usize
    }

    fn protocol_params(&self, num_variables: usize, target: usize) -> ProtocolParameters {
        let folding = FoldingFactor::Constant(self.params.folding_factor as usize);
        let mut rate = self.params.log_inv_rate as usize;
        let round_log_inv_rates = match folding.compute_number_of_rounds(num_variables) {
            Ok((rounds, _)) => (0..rounds)
                .map(|r| {
                    rate += folding.at_round(r) - 1;
                    rate
                })
                .collect(),
            Err(_) => Vec::new(), // WhirConfig::new reports the folding error
        };
        ProtocolParameters {
            starting_log_inv_rate: self.params.log_inv_rate as usize,
            round_log_inv_rates,
            folding_factor: folding,
            soundness_type: SecurityAssumption::JohnsonBound,
            security_level: target,
            pow_bits: self.params.pow_bits as usize,
        }
    }

    fn check_params(&self) -> Result<(), CommitError> {
        let p = &self.params;
        if !(1..=4).contains(&p.log_inv_rate) {
            return Err(params_error(format!(
                "log_inv_rate {} outside 1..=4",
                p.log_inv_rate
            )));
        }
        if !(1..=MIN_VARIABLES).contains(&p.folding_factor) {
            return Err(params_error(format!(
                "folding factor {} outside 1..={MIN_VARIABLES}",
                p.folding_factor
            )));
        }
        if p.pow_bits > 30 {
            return Err(params_error(format!(
                "proof-of-work budget {} above 30 bits",
                p.pow_bits
            )));
        }
        if !(32..=128).contains(&p.security_bits) {
            return Err(params_error(format!(
                "security target {} outside 32..=128 bits",
                p.security_bits
            )));
        }
        Ok(())
    }

    fn pcs(&self, config: WhirConfig<E, Goldilocks, WhirChallenger>) -> Pcs<E> {
        Pcs::new(config, self.dft.clone(), mmcs())
    }

    fn protocol(num_variables: usize, num_points: usize) -> OpeningProtocol {
        OpeningProtocol::new(vec![TableSpec::new(
            TableShape::new(num_variables, 1),
            (0..num_points)
                .map(|_| OpeningBatch::new(vec![0], Vec::new()))
                .collect(),
        )])
    }

    /// The configuration and its security for a region of `2^log_len` slots opened at
    /// `num_points` points: the smallest per-term target whose combined figure reaches
    /// [`WhirParams::security_bits`].
    fn configure(
        &self,
        log_len: u8,
        num_points: usize,
    ) -> Result<(WhirConfig<E, Goldilocks, WhirChallenger>, WhirSecurity), CommitError> {
        self.check_params()?;
        if log_len > MAX_VARIABLES {
            return Err(params_error(format!(
                "a region of 2^{log_len} values exceeds the 2^{MAX_VARIABLES} WHIR commits"
            )));
        }
        if !(1..=MAX_POINTS).contains(&num_points) {
            return Err(CommitError::Shape {
                what: "opening points",
                expected: MAX_POINTS,
                got: num_points,
            });
        }
        let n = Self::num_variables(log_len);
        let required = self.params.security_bits as f64;
        let protocol = Self::protocol(n, num_points);
        let mut last = String::from("no configuration");
        for target in
            self.params.security_bits as usize..=self.params.security_bits as usize + TARGET_SEARCH
        {
            let config = match WhirConfig::<E, Goldilocks, WhirChallenger>::new_with_initial_claims(
                n,
                self.protocol_params(n, target),
                num_points,
            ) {
                Ok(c) => c,
                Err(e) => {
                    last = e.to_string();
                    continue;
                }
            };
            let pcs = self.pcs(config.clone());
            let Some(sec) = pcs.prescribed_security(&protocol) else {
                last = "p3 reports no security figure".into();
                continue;
            };
            let bits = sec.error().bits().min(128.0);
            if bits >= required {
                return Ok((
                    config,
                    WhirSecurity {
                        bits,
                        per_term_target: target,
                        num_variables: n,
                        num_points,
                        regime: "JohnsonBound",
                        log2_max_candidates: sec.log2_max_candidates,
                    },
                ));
            }
            last = format!("per-term target {target} combines to {bits:.1} bits");
        }
        Err(params_error(format!(
            "{} cannot reach {} combined bits (Johnson bound) at 2^{n} with {} point(s) \
             (ρ = 2^-{}, folding {}, PoW ≤ {}): {last}",
            E::ID,
            self.params.security_bits,
            num_points,
            self.params.log_inv_rate,
            self.params.folding_factor,
            self.params.pow_bits
        )))
    }

    /// The combined security of an opening of a `2^log_len` region at `num_points`
    /// points, or why these parameters cannot reach [`WhirParams::security_bits`] there.
    pub fn security(&self, log_len: u8, num_points: usize) -> Result<WhirSecurity, CommitError> {
        self.configure(log_len, num_points).map(|(_, s)| s)
    }

    /// The commit-time configuration (the codeword depends only on the rate and the
    /// first folding factor), refusing sizes where up to two points cannot be opened at
    /// the required security.
    fn commit_config(
        &self,
        log_len: u8,
    ) -> Result<WhirConfig<E, Goldilocks, WhirChallenger>, CommitError> {
        self.configure(log_len, 2)?;
        self.configure(log_len, 1).map(|(c, _)| c)
    }

    /// lamina's LSB-first point over `log_len` coordinates as p3's point over the padded
    /// polynomial: zero coordinates for the padding bits, most significant bit first.
    fn p3_point(point: &[E], num_variables: usize) -> Point<E> {
        let mut coords = point.to_vec();
        coords.resize(num_variables, <E as Field>::ZERO);
        coords.reverse();
        Point::new(coords)
    }

    fn challenger(t: &mut Transcript) -> WhirChallenger {
        let seed = t.challenge_seed(labels::PCS_SEED);
        WhirChallenger::from_hasher(seed.to_vec(), Blake3)
    }

    /// Every count in `proof` against the configuration (through p3's own `WhirShape`,
    /// the numbers its transcript driver is built from), so no p3 code indexes past, or
    /// asserts on, a proof-controlled length.
    fn check_shape(
        config: &WhirConfig<E, Goldilocks, WhirChallenger>,
        proof: &WhirPcsProof<E>,
        num_points: usize,
    ) -> Result<(), CommitError> {
        let shape = |what, expected: usize, got: usize| {
            if expected == got {
                Ok(())
            } else {
                Err(CommitError::Shape {
                    what,
                    expected,
                    got,
                })
            }
        };
        shape("evaluation batches", num_points, proof.evals.len())?;
        for b in &proof.evals {
            shape("evaluations per point", 1, b.current().len())?;
            shape("successor evaluations", 0, b.next().len())?;
        }
        let fixed = WhirShape::new(config, num_points);
        let w = &proof.whir;
        shape(
            "initial out-of-domain answers",
            fixed.commitment_ood_samples,
            w.initial_ood_answers.len(),
        )?;
        let sumcheck = |what, d: &SumcheckData<Goldilocks, E>, rounds: usize, pow: usize| {
            shape(what, rounds, d.polynomial_evaluations.len())?;
            shape(
                "sumcheck proof-of-work witnesses",
                if pow > 0 { rounds } else { 0 },
                d.pow_witnesses.len(),
            )
        };
        sumcheck(
            "initial sumcheck rounds",
            &w.initial_sumcheck,
            fixed.initial_sumcheck.rounds,
            fixed.initial_sumcheck.pow_bits,
        )?;
        // Rows a query phase opens: every position of a saturated phase, else one per draw.
        let rows = |draws: usize, index_bits: usize| {
            if draws == 0 {
                1usize << index_bits
            } else {
                draws
            }
        };
        let openings = |q: &Queries<E>, base: bool, queries: usize, fold: usize| {
            let width = 1usize << fold;
            let (n, widths): (usize, Vec<usize>) = match (q, base) {
                (QueryOpenings::Base(o), true) => {
                    (o.rows.len(), o.rows.iter().map(Vec::len).collect())
                }
                (QueryOpenings::Extension(o), false) => {
                    (o.rows.len(), o.rows.iter().map(Vec::len).collect())
                }
                _ => {
                    return Err(CommitError::Shape {
                        what: "queried rows' field (0 base, 1 extension)",
                        expected: usize::from(!base),
                        got: usize::from(base),
                    });
                }
            };
            shape("queried rows", queries, n)?;
            widths
                .into_iter()
                .try_for_each(|got| shape("queried row width", width, got))
        };
        let rounds = config.round_parameters();
        shape("WHIR rounds", fixed.rounds.len(), w.rounds.len())?;
        shape("WHIR rounds", rounds.len(), w.rounds.len())?;
        for (i, ((r, cfg), fx)) in w.rounds.iter().zip(rounds).zip(&fixed.rounds).enumerate() {
            shape("round commitments", 1, usize::from(r.commitment.is_some()))?;
            if let Some(c) = &r.commitment {
                shape("round commitment roots", 1, c.num_roots())?;
            }
            shape(
                "round out-of-domain answers",
                fx.ood_samples,
                r.ood_answers.len(),
            )?;
            openings(
                &r.openings,
                i == 0,
                rows(fx.query_draws, fx.index_bits),
                cfg.folding_factor,
            )?;
            sumcheck(
                "round sumcheck rounds",
                &r.sumcheck,
                fx.sumcheck.rounds,
                fx.sumcheck.pow_bits,
            )?;
        }
        let poly = w.final_poly.as_ref().map_or(0, |p| p.as_slice().len());
        shape("final polynomial evaluations", fixed.final_poly_len, poly)?;
        openings(
            &w.final_openings,
            rounds.is_empty(),
            rows(fixed.final_query_draws, fixed.final_index_bits),
            config.final_round_config().folding_factor,
        )?;
        let fr = fixed.final_sumcheck.rounds;
        match &w.final_sumcheck {
            None => shape("final sumcheck rounds", fr, 0)?,
            Some(d) => {
                shape("final sumcheck present", usize::from(fr > 0), 1)?;
                sumcheck(
                    "final sumcheck rounds",
                    d,
                    fr,
                    fixed.final_sumcheck.pow_bits,
                )?;
            }
        }
        Ok(())
    }
}

fn map_verifier_error(e: VerifierError) -> CommitError {
    use VerifierError as V;
    let s = e.to_string();
    match e {
        V::Config(_) => CommitError::Parameters(s),
        V::MerkleProofInvalid { .. } => CommitError::MerklePath(s),
        V::SumcheckFailed { .. } | V::Sumcheck(_) => CommitError::FoldingRound(s),
        V::StirChallengeFailed { .. } => CommitError::Query(s),
        V::InvalidPowWitness { .. } | V::NonCanonicalPowWitness { .. } => {
            CommitError::ProofOfWork(s)
        }
        V::MissingFinalPoly | V::FinalPolyLengthMismatch { .. } => CommitError::FinalPolynomial(s),
        _ => CommitError::Shape {
            what: "WHIR proof (p3)",
            expected: 0,
            got: 1,
        },
    }
}

impl<E: WhirField> CommitmentScheme<Goldilocks, E> for Whir<E> {
    // The committed span's tail beyond `len` is not proven zero; the circuit check
    // (`gkr::committed_padding_read`) keeps gates from reading it.
    const ZERO_PADDING: bool = false;
    type ProverData = WhirData<E>;
    type Opening = WhirOpening<E>;

    fn id(&self) -> Cow<'static, str> {
        let p = &self.params;
        Cow::Owned(format!(
            "whir-p3-0.8.0/blake3-merkle/johnson-bound/{}/rate-2^-{}/fold-{}/pow-{}/combined-{}-bits/min-vars-{} (binding, not hiding)",
            E::ID,
            p.log_inv_rate,
            p.folding_factor,
            p.pow_bits,
            p.security_bits,
            MIN_VARIABLES
        ))
    }

    fn commit(
        &self,
        values: &[Goldilocks],
        log_len: u8,
    ) -> Result<(Digest, WhirData<E>), CommitError> {
        let config = self.commit_config(log_len)?;
        let n = Self::num_variables(log_len);
        if values.len() > 1usize << log_len {
            return Err(CommitError::Length {
                expected: 1 << log_len,
                got: values.len(),
            });
        }
        let mut padded = vec![Goldilocks::ZERO; 1usize << n];
        padded[..values.len()].copy_from_slice(values);
        let folding = config.round_folding_factor(0);
        let pcs = self.pcs(config);
        let witness = SuffixProver::<Goldilocks, E>::new_witness(
            vec![Table::new(RowMajorMatrix::new(padded, 1usize << n))],
            folding,
        );
        // The challenger here is a throwaway: commitments are made before (weights: long
        // before) any transcript exists; every opening re-observes the root itself.
        let mut scratch = WhirChallenger::from_hasher(Vec::new(), Blake3);
        let (cap, data) = pcs.commit(witness, &mut scratch).map_err(params_error)?;
        let digest = *cap
            .roots()
            .first()
            .ok_or_else(|| params_error("p3 returned an empty Merkle cap"))?;
        Ok((
            digest,
            WhirData {
                digest,
                log_len,
                data,
            },
        ))
    }

    fn open(
        &self,
        data: WhirData<E>,
        points: &[&[E]],
        t: &mut Transcript,
    ) -> Result<WhirOpening<E>, CommitError> {
        let (config, _) = self.configure(data.log_len, points.len())?;
        let n = Self::num_variables(data.log_len);
        for p in points {
            if p.len() != data.log_len as usize {
                return Err(CommitError::Shape {
                    what: "point coordinates",
                    expected: data.log_len as usize,
                    got: p.len(),
                });
            }
        }
        let protocol = Self::protocol(n, points.len());
        let p3_points: Vec<Point<E>> = points.iter().map(|p| Self::p3_point(p, n)).collect();
        let pcs = self.pcs(config);
        let mut ch = Self::challenger(t);
        pcs.observe_commitment(&Cap::new(vec![data.digest]), &mut ch);
        let proof = pcs
            .open_at(data.data, &protocol, &p3_points, &mut ch)
            .map_err(|e: WhirConfigError| params_error(e))?;
        let opening = WhirOpening { proof };
        let mut w = Writer::new();
        opening.encode(&mut w);
        t.absorb(labels::PCS_PROOF, &w.into_bytes());
        Ok(opening)
    }

    fn claimed_evaluations(&self, opening: &WhirOpening<E>) -> Option<Vec<E>> {
        Some(opening.evaluations())
    }

    fn verify(
        &self,
        commitment: &Digest,
        log_len: u8,
        len: usize,
        points: &[&[E]],
        opening: &WhirOpening<E>,
        t: &mut Transcript,
    ) -> Result<Vec<E>, CommitError> {
        if *commitment == [0u8; 32] {
            return Err(CommitError::NullCommitment);
        }
        if len > 1usize << log_len.min(MAX_VARIABLES) {
            return Err(CommitError::Length {
                expected: 1 << log_len,
                got: len,
            });
        }
        let (config, security) = self.configure(log_len, points.len())?;
        // A floor independent of how the scheme was built (`Whir::new` is public, and
        // its parameters may come from a tampered key): below it, nothing is verified.
        if security.bits < MIN_VERIFIER_BITS {
            return Err(params_error(format!(
                "an opening of 2^{log_len} values at {} point(s) has {:.1} bits (Johnson \
                 bound) with these parameters; the verifier requires at least \
                 {MIN_VERIFIER_BITS} (MIN_VERIFIER_BITS)",
                points.len(),
                security.bits
            )));
        }
        let n = Self::num_variables(log_len);
        for p in points {
            if p.len() != log_len as usize {
                return Err(CommitError::Shape {
                    what: "point coordinates",
                    expected: log_len as usize,
                    got: p.len(),
                });
            }
        }
        Self::check_shape(&config, &opening.proof, points.len())?;
        let protocol = Self::protocol(n, points.len());
        let p3_points: Vec<Point<E>> = points.iter().map(|p| Self::p3_point(p, n)).collect();
        let pcs = self.pcs(config);
        let cap = Cap::new(vec![*commitment]);
        let mut ch = Self::challenger(t);
        // The verifier binds the commitment it was given, never one from the proof.
        pcs.observe_commitment(&cap, &mut ch);
        let evals = pcs
            .verify_at(&cap, &opening.proof, &protocol, &p3_points, &mut ch)
            .map_err(map_verifier_error)?;
        let mut w = Writer::new();
        opening.encode(&mut w);
        t.absorb(labels::PCS_PROOF, &w.into_bytes());
        evals
            .iter()
            .map(|b| b.current().first().copied())
            .collect::<Option<Vec<E>>>()
            .ok_or(CommitError::Shape {
                what: "evaluations per point",
                expected: 1,
                got: 0,
            })
    }
}

// ---- encoding (shared helpers in `codec.rs`) ----

fn put_sumcheck<E: WhirField>(w: &mut Writer, d: &SumcheckData<Goldilocks, E>) {
    w.length(d.polynomial_evaluations.len());
    for [a, b] in &d.polynomial_evaluations {
        Field::encode(a, w);
        Field::encode(b, w);
    }
    put_base(w, &d.pow_witnesses);
}

fn get_sumcheck<E: WhirField>(
    r: &mut Reader<'_>,
) -> Result<SumcheckData<Goldilocks, E>, DecodeError> {
    let n = r.length(2 * E::ENCODED_BYTES, "sumcheck messages")?;
    let polynomial_evaluations = (0..n)
        .map(|_| Ok([<E as Field>::decode(r)?, <E as Field>::decode(r)?]))
        .collect::<Result<_, DecodeError>>()?;
    Ok(SumcheckData {
        polynomial_evaluations,
        pow_witnesses: get_base(r, "sumcheck proof-of-work witnesses")?,
    })
}

/// Layout (little-endian): `version u8 | evaluations (u32 count, one E per point) | initial OOD answers | initial sumcheck | rounds (u32
/// count; each: commitment flag u8 + 32-byte root, OOD answers, PoW witness, query
/// openings, sumcheck) | final polynomial (flag u8, evaluations) | final PoW witness |
/// final query openings | final sumcheck (flag u8, sumcheck)`. A sumcheck is `u32` count
/// of `[E; 2]` messages then `u32` count of PoW witnesses; query openings are a tag (0
/// base rows, 1 extension rows), `u32` count of rows (each `u32` count and values) and
/// the pruned Merkle multiproof (`u32` count of 32-byte digests).
impl<E: WhirField> Opening for WhirOpening<E> {
    fn encode(&self, w: &mut Writer) {
        w.u8(OPENING_FORMAT_VERSION);
        let p = &self.proof;
        // One value per point (the verifier checks the in-memory shape before use).
        w.length(p.evals.len());
        for b in &p.evals {
            Field::encode(b.current().first().unwrap_or(&<E as Field>::ZERO), w);
        }
        let x = &p.whir;
        put_ext(w, &x.initial_ood_answers);
        put_sumcheck(w, &x.initial_sumcheck);
        w.length(x.rounds.len());
        for r in &x.rounds {
            match r.commitment.as_ref().and_then(|c| c.roots().first()) {
                Some(root) => {
                    w.u8(1);
                    w.bytes(root);
                }
                None => w.u8(0),
            }
            put_ext(w, &r.ood_answers);
            Field::encode(&r.pow_witness, w);
            put_queries(w, &r.openings);
            put_sumcheck(w, &r.sumcheck);
        }
        match &x.final_poly {
            Some(poly) => {
                w.u8(1);
                put_ext(w, poly.as_slice());
            }
            None => w.u8(0),
        }
        Field::encode(&x.final_pow_witness, w);
        put_queries(w, &x.final_openings);
        match &x.final_sumcheck {
            Some(d) => {
                w.u8(1);
                put_sumcheck(w, d);
            }
            None => w.u8(0),
        }
    }

    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let offset = r.offset();
        let version = r.u8("WHIR opening version")?;
        if version != OPENING_FORMAT_VERSION {
            return Err(DecodeError::Tag {
                tag: version,
                what: "WHIR opening version",
                offset,
            });
        }
        // A count above MAX_POINTS is refused here, so no proof-supplied number sizes
        // anything below.
        let n = bounded_length(
            r,
            E::ENCODED_BYTES,
            MAX_POINTS,
            "opening evaluations",
            "opening evaluations (more than MAX_POINTS)",
        )?;
        let evals = (0..n)
            .map(|_| {
                Ok(OpeningBatch::new(
                    vec![<E as Field>::decode(r)?],
                    Vec::new(),
                ))
            })
            .collect::<Result<Vec<_>, DecodeError>>()?;
        let initial_ood_answers = get_ext(r, "initial OOD answers")?;
        let initial_sumcheck = get_sumcheck(r)?;
        // A round is at least: flag, OOD count, PoW witness, tag, row count, digest
        // count, sumcheck counts.
        // Each round folds at least one variable, so there are never more rounds than
        // variables: bounded before the vector is reserved.
        let n = bounded_length(
            r,
            1 + 4 + 8 + 1 + 4 + 4 + 8,
            MAX_VARIABLES as usize,
            "WHIR rounds",
            "WHIR rounds (more than MAX_VARIABLES)",
        )?;
        let mut rounds = Vec::with_capacity(n);
        for _ in 0..n {
            let commitment = if get_flag(r, "round commitment flag")? {
                Some(Cap::new(vec![r.digest("round commitment")?]))
            } else {
                None
            };
            rounds.push(WhirRoundProof {
                commitment,
                ood_answers: get_ext(r, "round OOD answers")?,
                pow_witness: <Goldilocks as Field>::decode(r)?,
                openings: get_queries(r)?,
                sumcheck: get_sumcheck(r)?,
            });
        }
        let final_poly = if get_flag(r, "final polynomial flag")? {
            let at = r.offset();
            let v = get_ext::<E>(r, "final polynomial")?;
            if !v.len().is_power_of_two() {
                return Err(DecodeError::Length {
                    len: v.len() as u64,
                    what: "final polynomial (not a power of two)",
                    offset: at,
                });
            }
            Some(Poly::new(v))
        } else {
            None
        };
        let final_pow_witness = <Goldilocks as Field>::decode(r)?;
        let final_openings = get_queries(r)?;
        let final_sumcheck = if get_flag(r, "final sumcheck flag")? {
            Some(get_sumcheck(r)?)
        } else {
            None
        };
        Ok(WhirOpening {
            proof: PcsProof {
                whir: WhirProof {
                    initial_ood_answers,
                    initial_sumcheck,
                    rounds,
                    final_poly,
                    final_pow_witness,
                    final_openings,
                    final_sumcheck,
                },
                evals,
            },
        })
    }
}
