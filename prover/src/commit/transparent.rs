//! The transparent scheme: a hash of the values, opened by sending them.

use super::{CommitError, CommitmentScheme, Digest, Opening};
use crate::arith::{ExtensionField, Field};
use crate::mle;
use crate::transcript::Transcript;
use circuits::DecodeError;
use circuits::codec::{Reader, Writer};
use std::borrow::Cow;

/// The transparent scheme: the commitment is a BLAKE3 hash of the values and the opening
/// is the values themselves. Not hiding.
#[derive(Clone, Copy, Debug, Default)]
pub struct Transparent;

impl Transparent {
    /// The identifier bound into every transparent proof's statement.
    pub const ID: &'static str = "transparent-blake3-v1 (not hiding)";
}

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
    type ProverData = Vec<F>;
    type Opening = TransparentOpening<F>;

    fn id(&self) -> Cow<'static, str> {
        Cow::Borrowed(Self::ID)
    }

    fn commit(&self, values: &[F], log_len: u8) -> Result<(Digest, Vec<F>), CommitError> {
        Ok((transparent_hash(values, log_len), values.to_vec()))
    }

    fn open(
        &self,
        data: Vec<F>,
        _points: &[&[E]],
        _t: &mut Transcript,
    ) -> Result<TransparentOpening<F>, CommitError> {
        Ok(TransparentOpening { values: data })
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
