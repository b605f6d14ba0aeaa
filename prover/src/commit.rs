//! The commitment boundary over the input layer's committed regions (weights, private).
//!
//! A scheme commits to a region's values (a 32-byte digest, bound into the statement
//! before any challenge), opens the region's multilinear extension at the points GKR ends
//! on, and lets the verifier check the opening. The shape is that of a hash-based
//! multilinear commitment (commit, open at points, verify); [`Transparent`] is the first
//! implementation.
//!
//! **[`Transparent`] hides nothing**: its opening carries the committed values in the
//! clear and the verifier recomputes the evaluations. Proofs made with it are
//! *verifiable*, not zero-knowledge, and say so in their scheme id.

use crate::arith::{ExtensionField, Field};
use crate::mle;
use crate::transcript::Transcript;
use circuits::DecodeError;
use circuits::codec::{Reader, Writer};
use thiserror::Error;

/// A commitment: 32 bytes (a hash or a Merkle root).
pub type Digest = [u8; 32];

/// Why an opening is rejected.
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
    /// Identifier absorbed into the statement.
    const ID: &'static str;
    /// What the prover keeps between commit and open.
    type ProverData;
    /// What the proof carries for one region.
    type Opening: Opening;

    /// Commits to `values` (at most `2^log_len`; the rest of the span is zero).
    fn commit(&self, values: &[F], log_len: u8) -> (Digest, Self::ProverData);

    /// Opens the multilinear extension at each point (each of `log_len` coordinates).
    fn open(&self, data: &Self::ProverData, points: &[&[E]], t: &mut Transcript) -> Self::Opening;

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

/// The transparent scheme: the commitment is a BLAKE3 hash of the values and the opening
/// is the values themselves. Not hiding.
#[derive(Clone, Copy, Debug, Default)]
pub struct Transparent;

/// A transparent opening: the committed values, in the clear.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransparentOpening<F> {
    /// The region's values.
    pub values: Vec<F>,
}

impl<F: Field> Opening for TransparentOpening<F> {
    fn encode(&self, w: &mut Writer) {
        w.length(self.values.len());
        for v in &self.values {
            v.encode(w);
        }
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let n = r.length(F::ENCODED_BYTES, "transparent opening")?;
        let values = (0..n).map(|_| F::decode(r)).collect::<Result<_, _>>()?;
        Ok(TransparentOpening { values })
    }
}

/// The [`Transparent`] commitment to `values` in a region of `2^log_len` slots. Streamed
/// into the hasher: no copy of the values.
pub(crate) fn transparent_hash<F: Field>(values: &[F], log_len: u8) -> Digest {
    let mut w = Writer::hashing(blake3::Hasher::new_derive_key(
        "lamina transparent commitment v1",
    ));
    w.u8(log_len);
    w.u64(values.len() as u64);
    for v in values {
        v.encode(&mut w);
    }
    w.finish_hash()
}

impl<F: Field, E: ExtensionField<F>> CommitmentScheme<F, E> for Transparent {
    const ID: &'static str = "transparent-blake3-v1 (not hiding)";
    type ProverData = Vec<F>;
    type Opening = TransparentOpening<F>;

    fn commit(&self, values: &[F], log_len: u8) -> (Digest, Vec<F>) {
        (transparent_hash(values, log_len), values.to_vec())
    }

    fn open(&self, data: &Vec<F>, _points: &[&[E]], _t: &mut Transcript) -> TransparentOpening<F> {
        TransparentOpening {
            values: data.clone(),
        }
    }

    fn verify(
        &self,
        commitment: &Digest,
        log_len: u8,
        len: usize,
        points: &[&[E]],
        opening: &TransparentOpening<F>,
        _t: &mut Transcript,
    ) -> Result<Vec<E>, CommitError> {
        if opening.values.len() != len {
            return Err(CommitError::Length {
                expected: len,
                got: opening.values.len(),
            });
        }
        if transparent_hash(&opening.values, log_len) != *commitment {
            return Err(CommitError::Mismatch);
        }
        Ok(points
            .iter()
            .map(|p| mle::evaluate_base(&opening.values, p))
            .collect())
    }
}
