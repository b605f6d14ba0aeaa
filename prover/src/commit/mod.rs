//! The commitment boundary over the input layer's committed regions (weights, private).
//!
//! A scheme commits to a region's values (a 32-byte digest, bound into the statement
//! before any challenge), opens the region's multilinear extension at the points GKR ends
//! on — every point of one region in **one** opening — and lets the verifier check the
//! opening. Two implementations:
//!
//! * [`Transparent`]: the commitment is a hash and the opening carries the committed
//!   values in the clear; the verifier recomputes the evaluations. **It hides nothing**:
//!   proofs made with it are *verifiable*, not zero-knowledge, and say so in their id.
//! * [`Whir`]: a WHIR multilinear commitment (Plonky3's `p3-whir`, BLAKE3 Merkle trees,
//!   Johnson-bound soundness). The opening is a succinct proof; binding, not hiding.
//!
//! **Lifecycle.** [`CommitmentScheme::commit`] returns the digest and the prover data;
//! [`CommitmentScheme::open`] consumes the data (a commitment reused across proofs — the
//! model's weights, committed once at compile time — is cloned per proof, see
//! [`crate::gkr::CommittedWeights`]); [`CommitmentScheme::verify`] checks an opening and
//! returns the evaluations it establishes. A scheme whose opening states its evaluations
//! up front reports them through [`CommitmentScheme::claimed_evaluations`], so the
//! verifier can compare them with GKR's final claim before spending time on the opening.

mod codec;
pub mod hiding;
pub mod once;
mod transparent;
pub mod whir;

pub use hiding::{
    HIDING_MIN_VARIABLES, HidingData, HidingOpening, HidingParams, HidingScheme, HidingSecurity,
    HidingWhir, ZkRng,
};
pub use once::{OnceData, OpenOnce};
pub(crate) use transparent::transparent_hash;
pub use transparent::{Transparent, TransparentOpening};
pub use whir::{ProofSecurity, Whir, WhirData, WhirOpening, WhirParams, WhirSecurity};

use crate::arith::{ExtensionField, Field};
use crate::transcript::Transcript;
use circuits::DecodeError;
use circuits::codec::{Reader, Writer};
use std::borrow::Cow;
use thiserror::Error;

/// A commitment: 32 bytes (a hash or a Merkle root).
pub type Digest = [u8; 32];

/// Why a commitment or an opening failed. Verifier-side variants name the part of the
/// opening that was rejected.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum CommitError {
    /// The opening holds the wrong number of values.
    #[error("opening holds {got} values, the region has {expected}")]
    Length {
        /// Region length.
        expected: usize,
        /// Values in the opening.
        got: usize,
    },
    /// The opened values do not hash to the commitment.
    #[error("opened values do not match the commitment")]
    Mismatch,
    /// The commitment is all zeros: never the root of an honest commitment.
    #[error("the commitment is null (all zeros)")]
    NullCommitment,
    /// The scheme's parameters cannot commit a region of this size at the required
    /// security level, or are malformed.
    #[error("commitment parameters: {0}")]
    Parameters(String),
    /// The opening's shape (counts of evaluations, rounds, queries, rows, digests)
    /// differs from what the parameters and the region size fix.
    #[error("opening shape: {what}: expected {expected}, got {got}")]
    Shape {
        /// Which part.
        what: &'static str,
        /// What the parameters fix.
        expected: usize,
        /// What the opening holds.
        got: usize,
    },
    /// The evaluations the opening states differ from the ones its proof establishes.
    #[error("the opening's evaluation {index} is not the one its proof establishes")]
    Evaluation {
        /// Which point.
        index: usize,
    },
    /// A Merkle authentication path does not lead to the committed (or a round's) root.
    #[error("Merkle path rejected: {0}")]
    MerklePath(String),
    /// Hiding prover data was opened before: its randomness covers one opening only
    /// ([`OpenOnce`]).
    #[error(
        "this hiding commitment was already opened; a second opening would leak the committed values"
    )]
    OpenedTwice,
    /// A sumcheck (folding-round) message is inconsistent.
    #[error("folding round rejected: {0}")]
    FoldingRound(String),
    /// A queried position does not fold to the value the next round claims.
    #[error("query check rejected: {0}")]
    Query(String),
    /// A proof-of-work witness is invalid.
    #[error("proof-of-work witness rejected: {0}")]
    ProofOfWork(String),
    /// The final polynomial is missing, of the wrong size or inconsistent.
    #[error("final polynomial rejected: {0}")]
    FinalPolynomial(String),
}

/// An opening's wire format.
pub trait Opening: Sized + Clone + std::fmt::Debug {
    /// Appends the encoding.
    fn encode(&self, w: &mut Writer);
    /// Reads an encoding strictly.
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError>;
}

/// A multilinear commitment scheme over base-field vectors.
pub trait CommitmentScheme<F: Field, E: ExtensionField<F>> {
    /// Whether verification establishes that a region's slots beyond its `len` (up to
    /// `2^log_len`) are zero. [`Transparent`] does (it opens exactly `len` values). A scheme
    /// that commits the whole span without that check ([`Whir`]) is used only on circuits
    /// whose gates never read a committed region's padding (weights or private): prover
    /// and verifier refuse any other ([`crate::gkr::committed_padding_read`]).
    const ZERO_PADDING: bool = true;
    /// What the prover keeps between commit and open.
    type ProverData: Clone;
    /// What the proof carries for one region.
    type Opening: Opening;

    /// Identifier absorbed into the statement: names the scheme and every parameter that
    /// changes what a commitment or an opening means.
    fn id(&self) -> Cow<'static, str>;

    /// Commits to `values` (at most `2^log_len`; the rest of the span is zero).
    fn commit(&self, values: &[F], log_len: u8) -> Result<(Digest, Self::ProverData), CommitError>;

    /// Opens the multilinear extension at each point (each of `log_len` coordinates), all
    /// points in one opening. Consumes the prover data.
    fn open(
        &self,
        data: Self::ProverData,
        points: &[&[E]],
        t: &mut Transcript,
    ) -> Result<Self::Opening, CommitError>;

    /// The evaluations an opening states, one per point, before it is verified; `None`
    /// for a scheme whose evaluations only come out of verification.
    fn claimed_evaluations(&self, _opening: &Self::Opening) -> Option<Vec<E>> {
        None
    }

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
