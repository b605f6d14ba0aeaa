//! Hiding WHIR commitments (Plonky3's `HidingWhirPcs`, p3-whir 0.8.0) behind [`HidingScheme`].
//!
//! **What it is.** The same Merkle tree, hash, field and challenger as [`super::whir`],
//! but the committed codeword carries encoding randomness and every opening is
//! honest-verifier zero knowledge (eprint 2026/391): an opening reveals the evaluations
//! it states, in the clear, and nothing else about the committed values — sumcheck
//! messages are masked, out-of-domain answers padded, query rows covered by the encoding
//! randomness, the final message one-time padded. On its own this makes no proof zero
//! knowledge (GKR's messages are linear in the values); with masked GKR it does, for
//! gate circuits: [`crate::zk::prove_zk`] and `prover/ZK.md`.
//!
//! **Open once.** The encoding randomness is budgeted for the query rows of *one* opening
//! (p3's "budget rule"): a second opening of the same commitment reveals as many rows again
//! and linear combinations of the values become recoverable. So the prover data,
//! [`HidingData`], is not `Clone` and [`HidingScheme::open`] consumes it — which is also
//! why this is a trait of its own: [`super::CommitmentScheme::ProverData`] must be `Clone`
//! (weights are committed once and cloned per proof), and that cannot hold here (P2).
//! Open any number of points (up to [`HIDING_MAX_POINTS`]) in that single call. The
//! type system cannot stop a caller from committing the same values twice under the same
//! [`ZkRng::Seeded`] seed and opening each copy: seeds are the caller's to never reuse.
//!
//! **Randomness** ([`ZkRng`], P4). Every commitment gets its own ChaCha20 generator,
//! seeded from the operating system ([`ZkRng::System`], production) or from a 32-byte
//! seed the caller supplies ([`ZkRng::Seeded`]: tests and reproducible bytes). It lives in
//! the p3 PCS object the prover data holds, so commit and open draw from the same stream.
//!
//! **Transcript bridge** (as [`super::whir`], P3). `commit` runs against a throwaway
//! challenger. At opening the p3 challenger is seeded with a 32-byte squeeze of lamina's
//! transcript ([`labels::PCS_SEED`]); the prover then observes the commitment and opens.
//! The verifier does **not** observe it first: p3's `MultilinearPcs::verify` observes the
//! commitment it is handed itself (observing twice would desynchronise the two sides; the
//! binding `verify_at` path differs). Both sides then absorb the opening's canonical
//! encoding ([`labels::PCS_PROOF`]).
//!
//! **Variable order** (P7). p3's hiding pipeline binds variables prefix first: lamina's
//! LSB-first point is padded with zero coordinates and reversed, as in [`super::whir`].
//!
//! **Minimum size** (P6). A codeword's spare rows must hold the randomness (as many as
//! the round's spot checks): `(2^ρ − 1)·2^{n−fold} ≥ t_0`. Smaller polynomials are refused
//! by p3 (`RandomnessExceedsSlack`), so regions are committed as polynomials of at least
//! [`HIDING_MIN_VARIABLES`] variables (zero-padded).
//!
//! **Proof encoding** ([`HidingOpening`], P8): explicit, versioned, little-endian, no
//! serde. Every length is checked against the remaining bytes before anything is
//! allocated; the verifier then checks every count against what the configuration
//! fixes (p3's own `ZkWhirShape`) before any p3 function sees the proof, because p3
//! asserts on some mismatches (P9). All fields of p3's proof types are public, so the
//! decoder builds them directly; no workaround was needed.
//!
//! **Security** (P10). *p3 certifies no combined figure for the hiding pipeline*:
//! `hiding_base_case_security_report` is "diagnostic only", and the mask spot-check count
//! is derived per term. lamina computes its own figure, [`HidingSecurity::bits`], under the
//! Johnson bound only, as the **minimum** of
//! 1. the plain round structure's union of error terms (`prescribed_security` of the
//!    inner `WhirConfig` at the same parameters and point count — the hiding pipeline
//!    reuses its folding, domains and query counts);
//! 2. the union over the mask groups of their spot-check miss terms;
//! 3. the base case's round-by-round figure from p3's diagnostic report, counted as 0
//!    bits (configuration refused) unless p3 classifies it proven and non-vacuous;
//!
//! capped at 128 bits (BLAKE3). The per-term target handed to p3 is searched upward until
//! this minimum reaches [`WhirParams::security_bits`] at [`HIDING_MAX_POINTS`] points, so one
//! configuration serves every point count (the committed randomness depends on it). The
//! verifier refuses any opening whose figure is below [`MIN_VERIFIER_BITS`]. A minimum
//! of terms is not a proven bound on the composed protocol; it needs review by someone
//! who has read eprint 2026/391's round-by-round analysis (design §12, item 4).
//!
//! ## Measured (this 2-core machine, shared with another session: load 2–3)
//!
//! `RATES=2,3,4,5,6 POINTS=1,2,4 STEP=1 REPS=3 MAX_M=19 cargo run --release -p benches
//! --features whir-figures
//! --example hiding_whir` (release, `parallel`, medians of 3; one sweep, so timings carry
//! ±30 % noise, worst on the first rows). Ext3 ([`GoldilocksExt3`], as [`super::whir`]),
//! ρ = 1/4, fold 4, no PoW, 101 bits combined per opening (the figure above), `ell_zk` 3,
//! seeded generator. Default mask rate 2^-2, beside the binding [`super::Whir`] opening of
//! the same values and points:
//!
//! | m | bits (target) | commit ms | open ms (1 / 2 / 4 pts) | verify ms (1 / 4 pts) | opening B (1 / 2 / 4 pts) | binding B (2 pts) |
//! |---|---|---|---|---|---|---|
//! | 10 (padded to 12) | 101.1 (102) | 2.6 | 12.3 / 9.7 / 11.3 | 14.93 / 11.12 | 204,163 / 203,387 / 202,635 | 19,760 |
//! | 11 (padded to 12) | 101.1 (102) | 5.1 | 7.5 / 12.1 / 11.9 | 7.04 / 11.39 | 203,523 / 203,003 / 201,963 | 40,674 |
//! | 12 | 101.1 (102) | 2.1 | 10.1 / 7.1 / 5.4 | 10.59 / 8.21 | 203,075 / 203,803 / 204,651 | 44,850 |
//! | 13 | 101.1 (102) | 2.6 | 9.7 / 9.7 / 6.1 | 4.52 / 4.60 | 195,955 / 191,819 / 193,019 | 48,674 |
//! | 14 | 101.1 (102) | 1.0 | 7.8 / 11.2 / 10.1 | 4.57 / 4.79 | 189,067 / 189,283 / 190,483 | 54,930 |
//! | 15 | 102.6 (103) | 1.9 | 14.8 / 15.0 / 16.0 | 6.97 / 6.74 | 287,440 / 286,312 / 288,568 | 73,484 |
//! | 16 | 102.6 (103) | 3.6 | 24.1 / 20.8 / 21.7 | 6.78 / 6.77 | 291,592 / 288,672 / 292,016 | 80,924 |
//! | 17 | 102.6 (103) | 8.4 | 42.6 / 45.4 / 48.5 | 6.83 / 7.30 | 293,456 / 295,432 / 294,552 | 86,348 |
//! | 18 | 102.6 (103) | 23.4 | 85.9 / 90.2 / 94.0 | 7.21 / 7.32 | 302,032 / 299,208 / 302,264 | 92,892 |
//!
//! * **Overhead ≈ 140–210 KB per opening** over the binding one (design estimate ≈ 130),
//!   nearly independent of the size and of the point count; the step at m = 15 is the
//!   schedule gaining a code-switching round (two more mask groups). Verify is 2–7 ms
//!   (binding ≈ 0.8), open ≈ 2× the binding opening.
//! * **Other mask rates** (same parameters, 1 point): 2^-3 is ≈ 15 % smaller (m 10–14:
//!   170–185 KB, 2^15: 254 KB, verify ≈ 3.5 ms) and 2^-4 ≈ 20 % (152–168 KB), but lamina's
//!   figure refuses 2^-3 from m = 16 (base case 99.2 bits at every target up to 125) and
//!   2^-4 from m = 15 (63.8); 2^-5 reaches 101 nowhere (99.0 at m 13–14, p3 refuses
//!   m ≤ 12); 2^-6 is vacuous everywhere. The binding term in each case is p3's
//!   base-case *shared-challenge* coordinate (MCA plus the product of every paired list
//!   over |E| ≈ 2^192): lower-rate mask codes have larger Johnson lists. p3 itself would
//!   accept all of these (its report is diagnostic only).
//! * **Sizes.** Smallest accepted polynomial: 12 variables at every mask rate
//!   ([`HIDING_MIN_VARIABLES`]). At a constant fold of 4, 2^19 gives 83.5 bits and 2^21
//!   79.5: the base case's figure falls with every fold past the third. So the fold grows
//!   with the size and the schedule keeps to three folds ([`HidingWhir::folding_factor`]:
//!   4 up to 2^18, 5 up to 2^21, 6 up to 2^24). Lamina's figure then reaches 101 bits at
//!   every size from 2^12 to 2^24 (101.1–102.6 bits; searched once over 12..=27
//!   variables); from 2^25 the base case gives 97–99 bits at fold 7, and such regions are
//!   refused with [`CommitError::Parameters`]. Schedules with a larger first fold only
//!   (`ConstantFromSecondRound`) pass too when they keep to three folds; the constant
//!   one is kept for its simpler, evenly shaped rounds.
//! * **Larger folds at LeNet's sizes** (`FOLDS=4,5,6 MIN_M=16`, 2 points, 2026-12-04):
//!   fold 5 gives 236 KB at 2^16 (291 KB at fold 4: one round fewer) but 348 KB at
//!   2^17–2^18 (295–301 KB at fold 4); fold 6 gives 303–313 KB. Fold 6 with mask rate 2^-3
//!   reaches 101.5 bits at 2^17–2^18 with 276–282 KB and 2.8 ms verify, about 7 % below
//!   the default, which was left as it is.

// The encoding helpers and the Merkle tree are the binding scheme's: one wire format
// for field vectors and paths, one tree.
use super::codec::{
    Queries, Shared, bounded_length, get_base, get_ext, get_queries, get_shared, put_base, put_ext,
    put_queries, put_shared,
};
use super::whir::{
    MAX_POINTS, MAX_VARIABLES, MIN_VERIFIER_BITS, WhirChallenger, WhirField, WhirMmcs, WhirParams,
    mmcs, params_error,
};
use super::{CommitError, Digest, Opening};
use crate::arith::{ExtensionField, Field, Goldilocks, GoldilocksExt3};
use crate::transcript::{Transcript, labels};
use circuits::DecodeError;
use circuits::codec::{Reader, Writer};
use p3_blake3::Blake3;
use p3_commit::MultilinearPcs;
use p3_dft::Radix2DFTSmallBatch;
use p3_multilinear_util::point::Point;
use p3_multilinear_util::poly::Poly;
use p3_sumcheck::layout::SuffixProver;
use p3_sumcheck::zk::ZkSumcheckData;
use p3_sumcheck::{OpeningBatch, OpeningProtocol, PrescribedPointPcs, TableShape, TableSpec};
use p3_symmetric::MerkleCap;
use p3_whir::parameters::{FoldingFactor, ProtocolParameters, SecurityAssumption};
use p3_whir::{
    BaseCaseZkError, BaseCaseZkProof, BlindedMask, HidingWhirPcs, HidingWhirProverData,
    MaskOpeningPair, QueryOpenings, WhirProver, ZkConfigError, ZkParameters, ZkRoundProof,
    ZkVerifierError, ZkWhirConfig, ZkWhirProof, ZkWhirShape,
};
use rand::SeedableRng;
use rand::distr::{Distribution, StandardUniform};
use rand::rngs::{ChaCha20Rng, SysRng};
use std::borrow::Cow;
use std::marker::PhantomData;

type Dft = Radix2DFTSmallBatch<Goldilocks>;
type Cap = MerkleCap<Goldilocks, [u8; 32]>;
/// p3's hiding PCS over lamina's field, Merkle tree and challenger, with one ChaCha20
/// generator per instance.
pub type HidingPcs<E> = HidingWhirPcs<E, Goldilocks, Dft, WhirMmcs, WhirChallenger, ChaCha20Rng>;
/// p3's hiding opening proof for one region.
pub type HidingPcsProof<E> = ZkWhirProof<Goldilocks, E, WhirMmcs>;
/// p3's hiding configuration.
pub type HidingConfig<E> = ZkWhirConfig<E, Goldilocks, WhirChallenger>;
type P3Data<E> = HidingWhirProverData<Goldilocks, E, WhirMmcs>;
/// The plain prover, used only for the security figure of the shared round structure.
type PlainPcs<E> =
    WhirProver<E, Goldilocks, Dft, WhirMmcs, WhirChallenger, SuffixProver<Goldilocks, E>>;

/// Regions are committed as polynomials of at least this many variables (zero-padded).
/// Measured by `benches/examples/hiding_whir.rs`: ρ = 1/4 and fold 4 at 101 bits accept
/// 12 variables and refuse 11 (`RandomnessExceedsSlack`, at every mask rate: the last
/// oracle's randomness budget, 256 rows, exceeds its 248 spare rows).
pub const HIDING_MIN_VARIABLES: u8 = 12;
/// The most points one opening accepts (as [`super::whir::MAX_POINTS`]). The security
/// search is run at this count, so every smaller count is covered by the same
/// configuration.
pub const HIDING_MAX_POINTS: usize = MAX_POINTS;
/// The most folds a hiding opening's schedule may have: the folding factor grows with
/// the size to keep to it ([`HidingWhir::folding_factor`]).
pub const HIDING_MAX_FOLDS: usize = 3;
/// p3's direct-send threshold: a schedule folds until at most this many variables remain.
const DIRECT_SEND_VARIABLES: usize = 6;
/// Version of the hiding opening encoding.
pub const HIDING_FORMAT_VERSION: u8 = 1;
/// How far above the required figure the per-term target is searched.
const TARGET_SEARCH: usize = 24;

/// Where a commitment's randomness comes from. The choice is explicit at every call.
#[derive(Clone, PartialEq, Eq)]
pub enum ZkRng {
    /// The operating system's generator (`getrandom`): production.
    System,
    /// A ChaCha20 stream from this seed: tests and reproducible bytes. **Zero knowledge
    /// holds only if the seed is secret, uniform, and used for one commitment only.**
    Seeded([u8; 32]),
}

impl std::fmt::Debug for ZkRng {
    // The seed is as secret as the witness: never print it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ZkRng::System => f.write_str("ZkRng::System"),
            ZkRng::Seeded(_) => f.write_str("ZkRng::Seeded(<redacted>)"),
        }
    }
}

impl ZkRng {
    /// The ChaCha20 generator this choice gives; the OS is asked for 32 bytes once.
    pub fn chacha(&self) -> Result<ChaCha20Rng, CommitError> {
        match self {
            ZkRng::System => ChaCha20Rng::try_from_rng(&mut SysRng)
                .map_err(|e| params_error(format!("the system generator failed: {e}"))),
            ZkRng::Seeded(seed) => Ok(ChaCha20Rng::from_seed(*seed)),
        }
    }
}

/// Parameters of the hiding scheme: WHIR's, plus p3's two mask knobs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct HidingParams {
    /// Rate, folding, proof-of-work budget and the combined security required.
    pub whir: WhirParams,
    /// Mask length of the masked sumcheck (p3's `ell_zk`, at least 3: the round degree
    /// of WHIR's folding sumcheck plus one).
    pub ell_zk: u8,
    /// `log2(1/ρ)` of the mask codewords: more spreads the masks over a larger domain and
    /// lowers the number of mask spot checks.
    pub mask_log_inv_rate: u8,
}

impl Default for HidingParams {
    /// [`WhirParams::default`] (ρ = 1/4, fold 4, no PoW, 101 bits combined), `ell_zk` 3 and
    /// mask rate 2^-2: the only mask rate whose figure reaches 101 bits at every size from
    /// 2^12 to 2^18 (module doc: at 2^-3 and below the base case's shared-challenge term
    /// falls short from 2^16 on, and is vacuous at 2^-6).
    fn default() -> Self {
        HidingParams {
            whir: WhirParams::default(),
            ell_zk: 3,
            mask_log_inv_rate: 2,
        }
    }
}

/// The security lamina computes for a hiding opening (the module doc says how, and
/// why it is not a certified figure).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HidingSecurity {
    /// `min(plain, masks, base_case)`, capped at 128 bits.
    pub bits: f64,
    /// The plain round structure's union of error terms at these points.
    pub plain_bits: f64,
    /// The union of the mask groups' spot-check miss terms.
    pub mask_bits: f64,
    /// p3's base-case round-by-round figure (0 unless proven and non-vacuous).
    pub base_case_bits: f64,
    /// The per-term target handed to p3.
    pub per_term_target: usize,
    /// Variables of the committed polynomial.
    pub num_variables: usize,
    /// Opening points the figure is for.
    pub num_points: usize,
    /// Always `"JohnsonBound"`.
    pub regime: &'static str,
    /// `log2` of the Johnson list size of the first codeword (from the plain structure):
    /// what challenges drawn before the opening must be charged.
    pub log2_max_candidates: f64,
}

/// A hiding multilinear commitment scheme over base-field vectors: commit once, open once.
pub trait HidingScheme<F: Field, E: ExtensionField<F>> {
    /// What the prover keeps between commit and open. Deliberately not `Clone`: it is
    /// consumed by the one opening its randomness covers.
    type ProverData;
    /// What the proof carries for one region.
    type Opening: Opening;

    /// Identifier absorbed into the statement: names the scheme and every parameter that
    /// changes what a commitment or an opening means.
    fn id(&self) -> Cow<'static, str>;

    /// Commits to `values` (at most `2^log_len`; the rest of the span is zero), drawing
    /// the hiding randomness from `rng`.
    fn commit(
        &self,
        values: &[F],
        log_len: u8,
        rng: ZkRng,
    ) -> Result<(Digest, Self::ProverData), CommitError>;

    /// Opens the multilinear extension at every point (each of `log_len` coordinates) in
    /// one opening. Consumes the prover data: there is no second opening.
    fn open(
        &self,
        data: Self::ProverData,
        points: &[&[E]],
        t: &mut Transcript,
    ) -> Result<Self::Opening, CommitError>;

    /// The evaluations an opening states, one per point, before it is verified.
    fn claimed_evaluations(&self, opening: &Self::Opening) -> Option<Vec<E>>;

    /// Checks an opening against a commitment to a region of `len` values and returns
    /// the evaluations it establishes, one per point.
    fn verify(
        &self,
        commitment: &Digest,
        log_len: u8,
        len: usize,
        points: &[&[E]],
        opening: &Self::Opening,
        t: &mut Transcript,
    ) -> Result<Vec<E>, CommitError>;
}

/// The hiding WHIR scheme over Goldilocks with challenges in `E`.
#[derive(Clone, Debug)]
pub struct HidingWhir<E = GoldilocksExt3> {
    params: HidingParams,
    dft: Dft,
    _e: PhantomData<E>,
}

impl<E: WhirField> Default for HidingWhir<E>
where
    StandardUniform: Distribution<E>,
{
    fn default() -> Self {
        HidingWhir::new(HidingParams::default())
    }
}

/// What the prover keeps between commit and open: the digest, the region size, p3's
/// prover data and the PCS instance holding this commitment's generator.
///
/// Not `Clone` — it is moved into the single opening:
///
/// ```
/// fn is_send<T: Send>() {}
/// is_send::<prover::commit::HidingData<prover::GoldilocksExt3>>();
/// ```
///
/// ```compile_fail
/// fn is_clone<T: Clone>() {}
/// is_clone::<prover::commit::HidingData<prover::GoldilocksExt3>>();
/// ```
pub struct HidingData<E: WhirField> {
    digest: Digest,
    log_len: u8,
    pcs: HidingPcs<E>,
    data: P3Data<E>,
}

impl<E: WhirField> HidingData<E> {
    /// The commitment.
    pub fn digest(&self) -> &Digest {
        &self.digest
    }
}

impl<E: WhirField> std::fmt::Debug for HidingData<E> {
    // The values and the randomness are secret: only the public part is printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HidingData")
            .field("digest", &self.digest)
            .field("log_len", &self.log_len)
            .finish_non_exhaustive()
    }
}

/// One region's hiding opening: the stated evaluations and p3's proof. Fields are public
/// so tests can tamper with them; the verifier checks everything.
#[derive(Clone)]
pub struct HidingOpening<E: WhirField> {
    /// p3's proof; `proof.evals[i]` is the evaluation at point `i`.
    pub proof: HidingPcsProof<E>,
}

impl<E: WhirField> HidingOpening<E> {
    /// The evaluations the opening states, one per point.
    pub fn evaluations(&self) -> Vec<E> {
        self.proof.evals.clone()
    }

    /// The canonical encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new();
        self.encode(&mut w);
        w.into_bytes()
    }

    /// Decodes exactly one opening, refusing trailing bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        let o = Self::decode(&mut r)?;
        r.finish()?;
        Ok(o)
    }

    /// Encoded length in bytes.
    pub fn encoded_len(&self) -> usize {
        self.to_bytes().len()
    }
}

impl<E: WhirField> std::fmt::Debug for HidingOpening<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HidingOpening")
            .field("evaluations", &self.proof.evals)
            .field("rounds", &self.proof.rounds.len())
            .field("bytes", &self.encoded_len())
            .finish()
    }
}

impl<E: WhirField> PartialEq for HidingOpening<E> {
    fn eq(&self, other: &Self) -> bool {
        self.to_bytes() == other.to_bytes()
    }
}
impl<E: WhirField> Eq for HidingOpening<E> {}

/// `−log2(Σ 2^−b)`: the union of independent error terms.
fn union_bits(bits: impl IntoIterator<Item = f64>) -> f64 {
    let err: f64 = bits.into_iter().map(|b| (-b).exp2()).sum();
    if err == 0.0 {
        f64::INFINITY
    } else {
        -err.log2()
    }
}

impl<E: WhirField> HidingWhir<E>
where
    StandardUniform: Distribution<E>,
{
    /// A scheme with these parameters.
    pub fn new(params: HidingParams) -> Self {
        HidingWhir {
            params,
            dft: Dft::default(),
            _e: PhantomData,
        }
    }

    /// The parameters.
    pub fn params(&self) -> &HidingParams {
        &self.params
    }

    /// Variables of the polynomial committed for a region of `2^log_len` slots.
    pub fn num_variables(log_len: u8) -> usize {
        log_len.max(HIDING_MIN_VARIABLES) as usize
    }

    fn check_params(&self) -> Result<(), CommitError> {
        let p = &self.params;
        let w = &p.whir;
        if !(1..=4).contains(&w.log_inv_rate) {
            return Err(params_error(format!(
                "log_inv_rate {} outside 1..=4",
                w.log_inv_rate
            )));
        }
        if !(1..=8).contains(&w.folding_factor) {
            return Err(params_error(format!(
                "folding factor {} outside 1..=8",
                w.folding_factor
            )));
        }
        if w.pow_bits > 30 {
            return Err(params_error(format!(
                "proof-of-work budget {} above 30 bits",
                w.pow_bits
            )));
        }
        if !(32..=128).contains(&w.security_bits) {
            return Err(params_error(format!(
                "security target {} outside 32..=128 bits",
                w.security_bits
            )));
        }
        if !(3..=16).contains(&p.ell_zk) {
            return Err(params_error(format!("ell_zk {} outside 3..=16", p.ell_zk)));
        }
        if !(1..=8).contains(&p.mask_log_inv_rate) {
            return Err(params_error(format!(
                "mask_log_inv_rate {} outside 1..=8",
                p.mask_log_inv_rate
            )));
        }
        Ok(())
    }

    /// The constant folding factor for a polynomial of `num_variables` variables: the
    /// configured one, raised until p3's schedule has at most [`HIDING_MAX_FOLDS`] folds
    /// before its direct send (module doc: a fourth fold takes the base case's figure
    /// from 102.6 bits at 2^18 to 83.5 at 2^19, and lower above).
    pub fn folding_factor(&self, num_variables: usize) -> usize {
        let configured = self.params.whir.folding_factor as usize;
        let needed = num_variables
            .saturating_sub(DIRECT_SEND_VARIABLES)
            .div_ceil(HIDING_MAX_FOLDS);
        configured.max(needed)
    }

    fn protocol_params(&self, num_variables: usize, target: usize) -> ProtocolParameters {
        let w = &self.params.whir;
        let folding = FoldingFactor::Constant(self.folding_factor(num_variables));
        let mut rate = w.log_inv_rate as usize;
        // As `whir.rs`: each round's rate grows by the fold minus one (the domain halves
        // while the message shrinks by 2^fold).
        let round_log_inv_rates = match folding.compute_number_of_rounds(num_variables) {
            Ok((rounds, _)) => (0..rounds)
                .map(|r| {
                    rate += folding.at_round(r) - 1;
                    rate
                })
                .collect(),
            Err(_) => Vec::new(), // ZkWhirConfig::new reports the folding error
        };
        ProtocolParameters {
            starting_log_inv_rate: w.log_inv_rate as usize,
            round_log_inv_rates,
            folding_factor: folding,
            soundness_type: SecurityAssumption::JohnsonBound,
            security_level: target,
            pow_bits: w.pow_bits as usize,
        }
    }

    fn plain_protocol(num_variables: usize, num_points: usize) -> OpeningProtocol {
        OpeningProtocol::new(vec![TableSpec::new(
            TableShape::new(num_variables, 1),
            (0..num_points)
                .map(|_| OpeningBatch::new(vec![0], Vec::new()))
                .collect(),
        )])
    }

    /// lamina's figure for `config` opened at `num_points` points (module doc).
    fn figure(
        &self,
        config: &HidingConfig<E>,
        n: usize,
        num_points: usize,
        target: usize,
    ) -> Result<HidingSecurity, String> {
        config
            .validate_initial_claims(num_points)
            .map_err(|e| e.to_string())?;
        let plain = PlainPcs::<E>::new(config.inner().clone(), self.dft.clone(), mmcs())
            .prescribed_security(&Self::plain_protocol(n, num_points))
            .ok_or("p3 reports no security figure for the round structure")?;
        let report = config.hiding_base_case_security_report();
        let mask_bits = union_bits(
            report
                .mask_groups
                .iter()
                .map(|g| g.query_miss.bits.unwrap_or(0.0)),
        );
        // Only a proven, non-vacuous round-by-round figure counts; anything else refuses.
        let rbr = &report.round_by_round;
        let Some(base_case_bits) = rbr.proven_bits() else {
            return Err(format!(
                "p3's base-case report certifies nothing here (round-by-round {:?} bits, {:?}, \
                 vacuous {}; shared challenge {:?} bits, vacuous {}; queries {:?} bits)",
                rbr.bits,
                rbr.classification,
                rbr.vacuous,
                report.gamma_round.combined.bits,
                report.gamma_round.combined.vacuous,
                report.query_round.before_pow.bits,
            ));
        };
        let plain_bits = plain.error().bits();
        Ok(HidingSecurity {
            bits: plain_bits.min(mask_bits).min(base_case_bits).min(128.0),
            plain_bits,
            mask_bits,
            base_case_bits,
            per_term_target: target,
            num_variables: n,
            num_points,
            regime: "JohnsonBound",
            log2_max_candidates: plain.log2_max_candidates,
        })
    }

    /// The configuration of a polynomial of `num_variables` variables (no padding applied)
    /// and its figure at [`HIDING_MAX_POINTS`] points: the smallest per-term target whose
    /// figure reaches [`WhirParams::security_bits`].
    fn configure_variables(
        &self,
        num_variables: usize,
    ) -> Result<(HidingConfig<E>, HidingSecurity), CommitError> {
        self.check_params()?;
        if num_variables > MAX_VARIABLES as usize {
            return Err(params_error(format!(
                "a polynomial of {num_variables} variables exceeds the {MAX_VARIABLES} WHIR commits"
            )));
        }
        let required = self.params.whir.security_bits as usize;
        let zk = ZkParameters {
            ell_zk: self.params.ell_zk as usize,
            mask_log_inv_rate: self.params.mask_log_inv_rate as usize,
        };
        let mut last = String::from("no configuration");
        for target in required..=required + TARGET_SEARCH {
            let config = match HidingConfig::<E>::new(
                num_variables,
                self.protocol_params(num_variables, target),
                zk.clone(),
            ) {
                Ok(c) => c,
                // More security only needs more spot checks, hence more randomness:
                // a size that lacks the slack now lacks it at every higher target.
                Err(e @ ZkConfigError::RandomnessExceedsSlack { .. }) => {
                    last = e.to_string();
                    break;
                }
                Err(e) => {
                    last = e.to_string();
                    continue;
                }
            };
            match self.figure(&config, num_variables, HIDING_MAX_POINTS, target) {
                Ok(sec) if sec.bits >= required as f64 => return Ok((config, sec)),
                Ok(sec) => {
                    last = format!(
                        "per-term target {target} gives {:.1} bits (plain {:.1}, masks {:.1}, base case {:.1})",
                        sec.bits, sec.plain_bits, sec.mask_bits, sec.base_case_bits
                    )
                }
                Err(e) => last = e,
            }
        }
        let p = &self.params;
        Err(params_error(format!(
            "hiding WHIR ({}, ρ = 2^-{}, folding {} at this size, PoW ≤ {}, ell_zk {}, mask rate 2^-{}) cannot \
             reach {} bits (Johnson bound) at 2^{num_variables} with {HIDING_MAX_POINTS} points: {last}",
            E::ID,
            p.whir.log_inv_rate,
            self.folding_factor(num_variables),
            p.whir.pow_bits,
            p.ell_zk,
            p.mask_log_inv_rate,
            p.whir.security_bits,
        )))
    }

    /// The security of an opening of a `2^log_len` region at `num_points` points (the
    /// configuration is the same for every count), or why these parameters refuse it.
    pub fn security(&self, log_len: u8, num_points: usize) -> Result<HidingSecurity, CommitError> {
        check_points_count(num_points)?;
        let n = Self::num_variables(log_len);
        let (config, sec) = self.configure_variables(n)?;
        self.figure(&config, n, num_points, sec.per_term_target)
            .map_err(params_error)
    }

    /// Whether these parameters accept a polynomial of exactly `num_variables` variables
    /// (no padding): what fixes [`HIDING_MIN_VARIABLES`]. The error names p3's refusal.
    pub fn check_variables(&self, num_variables: u8) -> Result<HidingSecurity, CommitError> {
        self.configure_variables(num_variables as usize)
            .map(|(_, s)| s)
    }

    /// The configuration p3 runs for a `2^log_len` region (for measurements and tests).
    pub fn config(&self, log_len: u8) -> Result<HidingConfig<E>, CommitError> {
        self.configure_variables(Self::num_variables(log_len))
            .map(|(c, _)| c)
    }

    fn pcs(&self, config: HidingConfig<E>, rng: ChaCha20Rng) -> HidingPcs<E> {
        HidingPcs::new(config, self.dft.clone(), mmcs(), rng)
    }

    /// lamina's LSB-first point over `log_len` coordinates as p3's prefix-order point over
    /// the padded polynomial.
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

    fn p3_points(points: &[&[E]], log_len: u8) -> Result<Vec<Point<E>>, CommitError> {
        check_points_count(points.len())?;
        let n = Self::num_variables(log_len);
        points
            .iter()
            .map(|p| {
                if p.len() == log_len as usize {
                    Ok(Self::p3_point(p, n))
                } else {
                    Err(CommitError::Shape {
                        what: "point coordinates",
                        expected: log_len as usize,
                        got: p.len(),
                    })
                }
            })
            .collect()
    }
}

fn check_points_count(n: usize) -> Result<(), CommitError> {
    if (1..=HIDING_MAX_POINTS).contains(&n) {
        Ok(())
    } else {
        Err(CommitError::Shape {
            what: "opening points",
            expected: HIDING_MAX_POINTS,
            got: n,
        })
    }
}

fn check_shape<E: WhirField>(
    config: &HidingConfig<E>,
    proof: &HidingPcsProof<E>,
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
    let cap = |c: &Cap| shape("Merkle cap roots", 1, c.roots().len());
    // Rows a query phase opens: every position of a saturated phase, else one per draw.
    let rows = |draws: usize, index_bits: usize| {
        if draws == 0 {
            1usize << index_bits
        } else {
            draws
        }
    };
    let shared = |o: &Shared<E>, n: usize, width: usize| {
        shape("queried rows", n, o.rows.len())?;
        o.rows
            .iter()
            .try_for_each(|r| shape("queried row width", width, r.len()))
    };
    let queries = |q: &Queries<E>, base: bool, n: usize, width: usize| match (q, base) {
        (QueryOpenings::Base(o), true) => {
            shape("queried rows", n, o.rows.len())?;
            o.rows
                .iter()
                .try_for_each(|r| shape("queried row width", width, r.len()))
        }
        (QueryOpenings::Extension(o), false) => shared(o, n, width),
        _ => shape(
            "queried rows' field (0 base, 1 extension)",
            usize::from(!base),
            usize::from(base),
        ),
    };
    let fixed = ZkWhirShape::new(config);
    let n_rounds = fixed.n_rounds();
    // Wire width of one masked sumcheck round: `[c0, c2, …, c_d]`, d = max(ell_zk − 1, 2).
    let wire = fixed.ell_zk.max(3) - 1;
    let sumcheck = |d: &ZkSumcheckData<Goldilocks, E>, rounds: usize, pow: usize| {
        shape("masked sumcheck rounds", rounds, d.round_coefficients.len())?;
        d.round_coefficients
            .iter()
            .try_for_each(|c| shape("masked sumcheck coefficients", wire, c.len()))?;
        shape(
            "masked sumcheck proof-of-work witnesses",
            if pow > 0 { rounds } else { 0 },
            d.pow_witnesses.len(),
        )
    };

    shape("evaluations", num_points, proof.evals.len())?;
    shape(
        "masked sumcheck batches",
        n_rounds + 1,
        proof.sumchecks.len(),
    )?;
    shape(
        "sumcheck mask commitments",
        n_rounds + 1,
        proof.sumcheck_mask_commitments.len(),
    )?;
    proof.sumcheck_mask_commitments.iter().try_for_each(cap)?;
    let batches =
        std::iter::once(fixed.initial_sumcheck).chain(fixed.rounds.iter().map(|r| r.sumcheck));
    for (d, s) in proof.sumchecks.iter().zip(batches) {
        sumcheck(d, s.rounds, s.pow_bits)?;
    }
    shape("code-switching rounds", n_rounds, proof.rounds.len())?;
    for (i, (r, fx)) in proof.rounds.iter().zip(&fixed.rounds).enumerate() {
        cap(&r.commitment)?;
        cap(&r.mask_commitment)?;
        shape(
            "round out-of-domain answers",
            fx.ood_samples,
            r.ood_answers.len(),
        )?;
        queries(
            &r.openings,
            i == 0,
            rows(fx.query_draws, fx.index_bits),
            1 << config.round_folding_factor(i),
        )?;
    }
    let bc = &fixed.base_case;
    let b = &proof.base_case;
    cap(&b.fresh_main_commitment)?;
    shape(
        "fresh mask commitments",
        bc.groups.len(),
        b.fresh_mask_commitments.len(),
    )?;
    b.fresh_mask_commitments.iter().try_for_each(cap)?;
    shape(
        "blinded message",
        bc.source_message_len,
        b.blinded_message.len(),
    )?;
    shape(
        "blinded randomness",
        bc.source_randomness_len,
        b.blinded_randomness.len(),
    )?;
    shape("blinded masks", bc.num_masks(), b.blinded_masks.len())?;
    for (j, m) in b.blinded_masks.iter().enumerate() {
        let (msg, rnd) = bc.reveal_lengths(j + 1).unwrap_or((0, 0));
        shape("blinded mask message", msg, m.message.len())?;
        shape("blinded mask randomness", rnd, m.randomness.len())?;
    }
    let source_rows = rows(bc.source_query_draws(), bc.source_index_bits());
    queries(
        &b.source_openings,
        n_rounds == 0,
        source_rows,
        1 << config.final_round_config().folding_factor,
    )?;
    shared(&b.fresh_main_openings, source_rows, 1)?;
    shape("mask opening pairs", bc.groups.len(), b.mask_openings.len())?;
    for (g, (pair, group)) in b.mask_openings.iter().zip(&bc.groups).enumerate() {
        let (bits, draws) = bc.mask_query_site(g);
        shared(&pair.carried, rows(draws, bits), group.width)?;
        shared(&pair.fresh, rows(draws, bits), group.width)?;
    }
    Ok(())
}

fn map_verifier_error(e: ZkVerifierError) -> CommitError {
    use BaseCaseZkError as B;
    use ZkVerifierError as V;
    let s = e.to_string();
    match e {
        V::InitialClaimsBelowTarget { .. } => CommitError::Parameters(s),
        // The masked sumcheck rebuilds c1 from the running claim, so it has no local check:
        // a changed claim or round message surfaces at the base case's target identity.
        V::Sumcheck(_) => CommitError::FoldingRound(s),
        V::MerkleVerificationFailed { .. } => CommitError::MerklePath(s),
        V::InvalidPowWitness { .. } | V::NonCanonicalPowWitness { .. } => {
            CommitError::ProofOfWork(s)
        }
        V::BaseCase(b) => match b {
            B::MerkleVerificationFailed { .. } | B::SourceOpeningsRejected => {
                CommitError::MerklePath(s)
            }
            B::SourceSpotCheckFailed { .. } | B::MaskSpotCheckFailed { .. } => {
                CommitError::Query(s)
            }
            B::InvalidPowWitness | B::NonCanonicalPowWitness => CommitError::ProofOfWork(s),
            // The base case reveals the blinded final message; its linear target check is
            // the hiding counterpart of the plain final-polynomial check.
            B::TargetCheckFailed => CommitError::FinalPolynomial(s),
            _ => CommitError::Shape {
                what: "hiding WHIR base case (p3)",
                expected: 0,
                got: 1,
            },
        },
        _ => CommitError::Shape {
            what: "hiding WHIR proof (p3)",
            expected: 0,
            got: 1,
        },
    }
}

impl<E: WhirField> HidingScheme<Goldilocks, E> for HidingWhir<E>
where
    StandardUniform: Distribution<E>,
{
    type ProverData = HidingData<E>;
    type Opening = HidingOpening<E>;

    fn id(&self) -> Cow<'static, str> {
        let p = &self.params;
        Cow::Owned(format!(
            "whir-zk-p3-0.8.0/blake3-merkle/johnson-bound/{}/rate-2^-{}/fold-{}-at-most-{HIDING_MAX_FOLDS}-folds/pow-{}/combined-{}-bits/ell-zk-{}/mask-rate-2^-{}/min-vars-{} (hiding, honest-verifier zero knowledge)",
            E::ID,
            p.whir.log_inv_rate,
            p.whir.folding_factor,
            p.whir.pow_bits,
            p.whir.security_bits,
            p.ell_zk,
            p.mask_log_inv_rate,
            HIDING_MIN_VARIABLES
        ))
    }

    fn commit(
        &self,
        values: &[Goldilocks],
        log_len: u8,
        rng: ZkRng,
    ) -> Result<(Digest, HidingData<E>), CommitError> {
        if values.len() > 1usize << log_len.min(MAX_VARIABLES) {
            return Err(CommitError::Length {
                expected: 1 << log_len.min(MAX_VARIABLES),
                got: values.len(),
            });
        }
        let n = Self::num_variables(log_len);
        // Fixed here for good: the randomness committed now is budgeted by this config.
        let (config, _) = self.configure_variables(n)?;
        let mut padded = vec![Goldilocks::ZERO; 1usize << n];
        padded[..values.len()].copy_from_slice(values);
        let pcs = self.pcs(config, rng.chacha()?);
        // A throwaway challenger: commitments precede any transcript; the opening observes
        // the root on the seeded challenger.
        let mut scratch = WhirChallenger::from_hasher(Vec::new(), Blake3);
        let (cap, data) = pcs
            .commit(Poly::new(padded), &mut scratch)
            .map_err(params_error)?;
        let digest = *cap
            .roots()
            .first()
            .ok_or_else(|| params_error("p3 returned an empty Merkle cap"))?;
        Ok((
            digest,
            HidingData {
                digest,
                log_len,
                pcs,
                data,
            },
        ))
    }

    fn open(
        &self,
        data: HidingData<E>,
        points: &[&[E]],
        t: &mut Transcript,
    ) -> Result<HidingOpening<E>, CommitError> {
        let p3_points = Self::p3_points(points, data.log_len)?;
        let HidingData {
            digest, pcs, data, ..
        } = data;
        let mut ch = Self::challenger(t);
        // P3: `commit` observed into a scratch challenger and `open` observes nothing, so
        // the prover binds the root here; the verifier's `verify` does it itself.
        pcs.observe_commitment(&Cap::new(vec![digest]), &mut ch);
        let proof = pcs.open(data, p3_points, &mut ch).map_err(params_error)?;
        let opening = HidingOpening { proof };
        t.absorb(labels::PCS_PROOF, &opening.to_bytes());
        Ok(opening)
    }

    fn claimed_evaluations(&self, opening: &HidingOpening<E>) -> Option<Vec<E>> {
        Some(opening.evaluations())
    }

    fn verify(
        &self,
        commitment: &Digest,
        log_len: u8,
        len: usize,
        points: &[&[E]],
        opening: &HidingOpening<E>,
        t: &mut Transcript,
    ) -> Result<Vec<E>, CommitError> {
        if *commitment == [0u8; 32] {
            return Err(CommitError::NullCommitment);
        }
        if len > 1usize << log_len.min(MAX_VARIABLES) {
            return Err(CommitError::Length {
                expected: 1 << log_len.min(MAX_VARIABLES),
                got: len,
            });
        }
        let p3_points = Self::p3_points(points, log_len)?;
        let n = Self::num_variables(log_len);
        let (config, sec) = self.configure_variables(n)?;
        let security = self
            .figure(&config, n, points.len(), sec.per_term_target)
            .map_err(params_error)?;
        // A floor independent of how the scheme was built: parameters may come from a
        // tampered key; below it nothing is verified.
        if security.bits < MIN_VERIFIER_BITS {
            return Err(params_error(format!(
                "a hiding opening of 2^{log_len} values at {} point(s) has {:.1} bits with these \
                 parameters; the verifier requires at least {MIN_VERIFIER_BITS} (MIN_VERIFIER_BITS)",
                points.len(),
                security.bits
            )));
        }
        check_shape(&config, &opening.proof, points.len())?;
        // The verifier never draws hiding randomness; p3's type still wants a generator.
        let pcs = self.pcs(config, ChaCha20Rng::from_seed([0u8; 32]));
        let mut ch = Self::challenger(t);
        // P3: no `observe_commitment` here — p3's `verify` observes the root it is given
        // (ours, never one from the proof).
        pcs.verify(
            &Cap::new(vec![*commitment]),
            &opening.proof,
            &mut ch,
            p3_points,
        )
        .map_err(map_verifier_error)?;
        t.absorb(labels::PCS_PROOF, &opening.to_bytes());
        Ok(opening.evaluations())
    }
}

// ---- encoding (shared helpers in `codec.rs`; these are the hiding proof's own types) ----

fn put_cap(w: &mut Writer, c: &Cap) {
    // Caps have one root (cap height 0); the verifier's shape check refuses any other.
    w.bytes(c.roots().first().unwrap_or(&[0u8; 32]));
}

fn get_cap(r: &mut Reader<'_>, what: &'static str) -> Result<Cap, DecodeError> {
    Ok(Cap::new(vec![r.digest(what)?]))
}

fn put_caps(w: &mut Writer, v: &[Cap]) {
    w.length(v.len());
    for c in v {
        put_cap(w, c);
    }
}

fn get_caps(r: &mut Reader<'_>, what: &'static str) -> Result<Vec<Cap>, DecodeError> {
    let n = r.length(32, what)?;
    (0..n).map(|_| get_cap(r, what)).collect()
}

fn put_sumcheck<E: WhirField>(w: &mut Writer, d: &ZkSumcheckData<Goldilocks, E>) {
    Field::encode(&d.mu_tilde, w);
    w.length(d.round_coefficients.len());
    for c in &d.round_coefficients {
        put_ext(w, c);
    }
    put_base(w, &d.pow_witnesses);
}

fn get_sumcheck<E: WhirField>(
    r: &mut Reader<'_>,
) -> Result<ZkSumcheckData<Goldilocks, E>, DecodeError> {
    let mu_tilde = <E as Field>::decode(r)?;
    let n = r.length(4, "masked sumcheck rounds")?;
    let round_coefficients = (0..n)
        .map(|_| get_ext(r, "masked sumcheck coefficients"))
        .collect::<Result<_, _>>()?;
    Ok(ZkSumcheckData {
        mu_tilde,
        round_coefficients,
        pow_witnesses: get_base(r, "masked sumcheck proof-of-work witnesses")?,
    })
}

/// Layout (little-endian; "vec" is a `u32` count then the items; "caps" a vec of 32-byte
/// roots; "queries" a tag — 0 base rows, 1 extension rows — then a vec of rows, each a vec
/// of elements, then the pruned Merkle multiproof as a vec of 32-byte digests):
///
/// `version u8 | evaluations (vec of E, ≤ HIDING_MAX_POINTS) | masked sumchecks (vec ≤
/// MAX_VARIABLES + 1; each: mu_tilde E, vec of rounds each a vec of E, vec of PoW
/// witnesses) | sumcheck mask commitments (caps) | rounds (vec ≤ MAX_VARIABLES; each:
/// root, mask root, OOD answers vec of E, PoW witness, queries) | base case: fresh main
/// root, fresh mask roots (caps), masked claim E, blinded message (vec of E), blinded
/// randomness (vec of E), blinded masks (vec; each message vec, randomness vec), PoW
/// witness, source queries, fresh main openings (vec of rows + multiproof), mask opening
/// pairs (vec; each carried then fresh, as the fresh main openings)`.
impl<E: WhirField> Opening for HidingOpening<E> {
    fn encode(&self, w: &mut Writer) {
        let p = &self.proof;
        w.u8(HIDING_FORMAT_VERSION);
        put_ext(w, &p.evals);
        w.length(p.sumchecks.len());
        for d in &p.sumchecks {
            put_sumcheck(w, d);
        }
        put_caps(w, &p.sumcheck_mask_commitments);
        w.length(p.rounds.len());
        for r in &p.rounds {
            put_cap(w, &r.commitment);
            put_cap(w, &r.mask_commitment);
            put_ext(w, &r.ood_answers);
            Field::encode(&r.pow_witness, w);
            put_queries(w, &r.openings);
        }
        let b = &p.base_case;
        put_cap(w, &b.fresh_main_commitment);
        put_caps(w, &b.fresh_mask_commitments);
        Field::encode(&b.masked_claim, w);
        put_ext(w, &b.blinded_message);
        put_ext(w, &b.blinded_randomness);
        w.length(b.blinded_masks.len());
        for m in &b.blinded_masks {
            put_ext(w, &m.message);
            put_ext(w, &m.randomness);
        }
        Field::encode(&b.pow_witness, w);
        put_queries(w, &b.source_openings);
        put_shared(w, &b.fresh_main_openings);
        w.length(b.mask_openings.len());
        for pair in &b.mask_openings {
            put_shared(w, &pair.carried);
            put_shared(w, &pair.fresh);
        }
    }

    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let offset = r.offset();
        let version = r.u8("hiding WHIR opening version")?;
        if version != HIDING_FORMAT_VERSION {
            return Err(DecodeError::Tag {
                tag: version,
                what: "hiding WHIR opening version",
                offset,
            });
        }
        let n = bounded_length(
            r,
            E::ENCODED_BYTES,
            HIDING_MAX_POINTS,
            "opening evaluations",
            "opening evaluations (more than HIDING_MAX_POINTS)",
        )?;
        let evals = (0..n)
            .map(|_| <E as Field>::decode(r))
            .collect::<Result<_, _>>()?;
        // A batch is at least mu_tilde and two counts.
        let n = bounded_length(
            r,
            E::ENCODED_BYTES + 8,
            MAX_VARIABLES as usize + 1,
            "masked sumcheck batches",
            "masked sumcheck batches (more than MAX_VARIABLES + 1)",
        )?;
        let sumchecks = (0..n).map(|_| get_sumcheck(r)).collect::<Result<_, _>>()?;
        let sumcheck_mask_commitments = get_caps(r, "sumcheck mask commitments")?;
        // A round is at least two roots, an OOD count, a PoW witness, a tag, a row count
        // and a digest count.
        let n = bounded_length(
            r,
            32 + 32 + 4 + 8 + 1 + 4 + 4,
            MAX_VARIABLES as usize,
            "code-switching rounds",
            "code-switching rounds (more than MAX_VARIABLES)",
        )?;
        let mut rounds = Vec::with_capacity(n);
        for _ in 0..n {
            rounds.push(ZkRoundProof {
                commitment: get_cap(r, "round commitment")?,
                mask_commitment: get_cap(r, "round mask commitment")?,
                ood_answers: get_ext(r, "round OOD answers")?,
                pow_witness: <Goldilocks as Field>::decode(r)?,
                openings: get_queries(r)?,
            });
        }
        let fresh_main_commitment = get_cap(r, "fresh main commitment")?;
        let fresh_mask_commitments = get_caps(r, "fresh mask commitments")?;
        let masked_claim = <E as Field>::decode(r)?;
        let blinded_message = get_ext(r, "blinded message")?;
        let blinded_randomness = get_ext(r, "blinded randomness")?;
        let n = r.length(8, "blinded masks")?;
        let blinded_masks = (0..n)
            .map(|_| {
                Ok(BlindedMask {
                    message: get_ext(r, "blinded mask message")?,
                    randomness: get_ext(r, "blinded mask randomness")?,
                })
            })
            .collect::<Result<_, DecodeError>>()?;
        let pow_witness = <Goldilocks as Field>::decode(r)?;
        let source_openings = get_queries(r)?;
        let fresh_main_openings = get_shared(r)?;
        let n = r.length(16, "mask opening pairs")?;
        let mask_openings = (0..n)
            .map(|_| {
                Ok(MaskOpeningPair {
                    carried: get_shared(r)?,
                    fresh: get_shared(r)?,
                })
            })
            .collect::<Result<_, DecodeError>>()?;
        Ok(HidingOpening {
            proof: ZkWhirProof {
                evals,
                sumchecks,
                sumcheck_mask_commitments,
                rounds,
                base_case: BaseCaseZkProof {
                    fresh_main_commitment,
                    fresh_mask_commitments,
                    masked_claim,
                    blinded_message,
                    blinded_randomness,
                    blinded_masks,
                    pow_witness,
                    source_openings,
                    fresh_main_openings,
                    mask_openings,
                },
            },
        })
    }
}
